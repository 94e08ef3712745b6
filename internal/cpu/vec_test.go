package cpu

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/nervelab/nerve/internal/device"
)

const vecGuard = -12345

// vecInputs returns a slice of off+n+2 guard values with n test values
// from off: random normals, with ±0, ±Inf, NaN, denormals and large values
// mixed in.
func vecInputs(r *rand.Rand, off, n int) []float32 {
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)),
		float32(math.NaN()), math.Float32frombits(1), -math.Float32frombits(5), 1e30, -1e30, 3e38}
	s := make([]float32, off+n+2)
	for i := range s {
		s[i] = vecGuard
	}
	for i := off; i < off+n; i++ {
		if r.IntN(8) == 0 {
			s[i] = special[r.IntN(len(special))]
		} else {
			s[i] = float32(r.NormFloat64() * 4)
		}
	}
	return s
}

// sameBits fails unless got and want hold identical bits (guards included).
func sameBits(t *testing.T, what string, n, off int, got, want []float32) {
	t.Helper()
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s n=%d off=%d: element %d: %v vs %v", what, n, off, i, got[i], want[i])
		}
	}
	if off > 0 && got[0] != vecGuard || got[len(got)-1] != vecGuard {
		t.Fatalf("%s n=%d off=%d: guard overwritten", what, n, off)
	}
}

// TestVecKernelsMatchRef runs each dispatching element-wise loop (SIMD
// where the build has it) against its reference loop for lengths 0..67
// and a few large ones at unaligned offsets, with guard values around the
// output, and wants identical bits.
func TestVecKernelsMatchRef(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range append(seq(68), 255, 1000, 4099) {
		for _, off := range []int{0, 1, 3} {
			a, b, g := vecInputs(r, off, n), vecInputs(r, off, n), vecInputs(r, off, n)
			in := func(s []float32) []float32 { return s[off : off+n] }
			check := func(what string, f, ref func(d []float32)) {
				t.Helper()
				got, want := vecInputs(r, off, n), vecInputs(r, off, n)
				f(in(got))
				ref(in(want))
				sameBits(t, what, n, off, got, want)
			}
			check("relu", func(d []float32) { reluLoop(d, in(a)) }, func(d []float32) { reluRef(d, in(a)) })
			for _, k := range [][2]float32{{-1, 0}, {1, 0.25}, {3.5, 0}, {0.1, -7}} {
				check("scaleShift", func(d []float32) { scaleShift(d, in(a), k[0], k[1]) },
					func(d []float32) { scaleShiftRef(d, in(a), k[0], k[1]) })
			}
			for _, slope := range []float32{0, float32(math.Copysign(0, -1)), 0.01, -2} {
				check("maskGrad", func(d []float32) { maskGrad(d, in(g), in(a), slope) },
					func(d []float32) { maskGradRef(d, in(g), in(a), slope) })
			}
			for op := device.Add; op <= device.Div; op++ {
				check("arith "+op.String(), func(d []float32) { arith(op, d, in(a), in(b)) },
					func(d []float32) { arithRef(op, d, in(a), in(b)) })
				y := float32(2.5)
				if n > 0 {
					y = in(b)[r.IntN(n)]
				}
				check("arithScalar "+op.String(), func(d []float32) { arithScalar(op, d, in(a), y) },
					func(d []float32) { arithScalarRef(op, d, in(a), y) })
			}
		}
	}
}

// TestAxpyDotMatchRef checks gemmLoops's axpy and dotUnit (SIMD where the
// build has it) against their reference loops for lengths 0..67 and a few
// large ones at unaligned offsets, with guards around the output. The
// SIMD loops fuse and reorder, so they agree within rounding.
func TestAxpyDotMatchRef(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	normals := func(off, n int) []float32 {
		s := make([]float32, off+n+2)
		for i := range s {
			s[i] = vecGuard
		}
		for i := off; i < off+n; i++ {
			s[i] = float32(r.NormFloat64())
		}
		return s
	}
	for _, n := range append(seq(68), 255, 1000, 4099) {
		for _, off := range []int{0, 1, 3} {
			x, y := normals(off, n), normals(off, n)
			got := append([]float32(nil), y...)
			axpy(got[off:off+n], x[off:off+n], 0.75)
			want := append([]float32(nil), y...)
			axpyRef(want[off:off+n], x[off:off+n], 0.75)
			for i := range got {
				if math.Abs(float64(got[i]-want[i])) > 1e-5*(1+math.Abs(float64(want[i]))) {
					t.Fatalf("axpy n=%d off=%d: element %d: %v, want %v", n, off, i, got[i], want[i])
				}
			}
			if off > 0 && got[0] != vecGuard || got[len(got)-1] != vecGuard {
				t.Fatalf("axpy n=%d off=%d: guard overwritten", n, off)
			}
			var exact, size float64
			for i := off; i < off+n; i++ {
				exact += float64(x[i]) * float64(y[i])
				size += math.Abs(float64(x[i]) * float64(y[i]))
			}
			if d := dotUnit(x[off:off+n], y[off:]); math.Abs(float64(d)-exact) > 1e-5*(1+size) {
				t.Fatalf("dot n=%d off=%d: %v, want %v", n, off, d, exact)
			}
		}
	}
}

// TestAddRowsMatchesRef checks col2im's strided row add (SIMD where the
// build has it, with a masked tail) against the reference loop, bit for
// bit, for row lengths 0..67, several row counts and strides, unaligned
// starts, and guards that must survive between and after the rows.
func TestAddRowsMatchesRef(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range append(seq(68), 200) {
		for _, rows := range []int{0, 1, 3} {
			for _, off := range []int{0, 1, 5} {
				ds, ss := n+3, n+2 // strides leave guards between rows
				d := make([]float32, off+rows*ds+2)
				s := make([]float32, off+rows*ss+2)
				for i := range d {
					d[i] = vecGuard
				}
				for i := range s {
					s[i] = float32(r.NormFloat64())
				}
				for row := range rows {
					for i := range n {
						d[off+row*ds+i] = float32(r.NormFloat64())
					}
				}
				got, want := append([]float32(nil), d...), append([]float32(nil), d...)
				addRows(got[off:], s[off:], n, rows, ds, ss)
				addRowsRef(want[off:], s[off:], n, rows, ds, ss)
				if !slices.Equal(got, want) {
					t.Fatalf("n=%d rows=%d off=%d: differs from the reference loop", n, rows, off)
				}
			}
		}
	}
}
