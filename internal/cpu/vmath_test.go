package cpu

import (
	"math"
	"math/rand/v2"
	"testing"
)

// ulps is the distance between a and b in units in the last place
// (0 when both are NaN, MaxInt when only one is).
func ulps(a, b float32) int {
	if a != a || b != b {
		if a != a && b != b {
			return 0
		}
		return math.MaxInt
	}
	key := func(x float32) int64 {
		u := int64(math.Float32bits(x))
		if u < 0 || u>>31 == 1 {
			return -(u & (1<<31 - 1))
		}
		return u
	}
	d := key(a) - key(b)
	if d < 0 {
		d = -d
	}
	return int(d)
}

var vmathCases = []struct {
	name      string
	f, ref    func(d, s []float32)
	lo, hi    float64 // the useful range, sampled uniformly
	logSample bool    // sample |x| log-uniformly over [lo, hi] with either sign
}{
	{"exp", expLoop, expRef, -104, 89, false},
	{"log", logLoop, logRef, 1e-38, 3e38, true},
	{"tanh", tanhLoop, tanhRef, -10, 10, false},
	{"tanh small", tanhLoop, tanhRef, 1e-10, 1, true},
	{"sigmoid", sigmoidLoop, sigmoidRef, -105, 105, false},
}

// vmathSpecial are the edge cases every function is checked on.
var vmathSpecial = []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)),
	float32(math.NaN()), math.Float32frombits(1), math.Float32frombits(0x007fffff), -math.Float32frombits(3),
	88, 88.72, 88.73, 89, -88, -89, -87.33, -103, -103.98, -104, -110, 1, -1, 0.5, 1e-7, -1e-7, 2e-3, -9.7e-4,
	8, 9, 9.1, 20, -20, 50, -50, 100, -100, 1e30, -1e30, math.MaxFloat32, -math.MaxFloat32, 1.0000001, 0.99999994}

// TestVMathAccuracy runs exp, log, tanh and sigmoid over a million random
// inputs per range, wanting each result within 1 ulp of the float64
// reference rounded to float32, and the edge cases (±0, ±Inf, NaN,
// denormals, overflow and underflow bounds, large |x|), wanting them exact.
func TestVMathAccuracy(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const n = 1 << 20
	for _, c := range vmathCases {
		s := make([]float32, n)
		for i := range s {
			if c.logSample {
				x := math.Exp(math.Log(c.lo) + r.Float64()*(math.Log(c.hi)-math.Log(c.lo)))
				if c.name != "log" && r.IntN(2) == 0 {
					x = -x
				}
				s[i] = float32(x)
			} else {
				s[i] = float32(c.lo + r.Float64()*(c.hi-c.lo))
			}
		}
		s = append(s, vmathSpecial...)
		for i := 0; i < len(vmathSpecial); i++ {
			s = append(s, -vmathSpecial[i]) // the negated ones too
		}
		got, want := make([]float32, len(s)), make([]float32, len(s))
		c.f(got, s)
		c.ref(want, s)
		worst, at := 0, 0
		var ndiff int
		for i := range s {
			u := ulps(got[i], want[i])
			if u > 0 {
				ndiff++
			}
			if i >= n && u != 0 {
				t.Errorf("%s(%v) = %v, want %v exactly", c.name, s[i], got[i], want[i])
			}
			if u > worst {
				worst, at = u, i
			}
		}
		t.Logf("%s: max %d ulp (x=%v: %v vs %v), %d of %d differ", c.name, worst, s[at], got[at], want[at], ndiff, len(s))
		if worst > 1 {
			t.Errorf("%s: %d ulp at x=%v: got %v, want %v", c.name, worst, s[at], got[at], want[at])
		}
	}
}

// TestVMathLengths checks the dispatch at lengths 0..67 and a few large
// ones at unaligned offsets: within 1 ulp, guards untouched.
func TestVMathLengths(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, c := range vmathCases {
		for _, n := range append(seq(68), 255, 1000) {
			for _, off := range []int{0, 1, 3} {
				s := vecInputs(r, off, n)
				got, want := vecInputs(r, off, n), vecInputs(r, off, n)
				c.f(got[off:off+n], s[off:off+n])
				c.ref(want[off:off+n], s[off:off+n])
				for i := range got {
					if ulps(got[i], want[i]) > 1 {
						t.Fatalf("%s n=%d off=%d: element %d: %v vs %v", c.name, n, off, i, got[i], want[i])
					}
				}
				if off > 0 && got[0] != vecGuard || got[len(got)-1] != vecGuard {
					t.Fatalf("%s n=%d off=%d: guard overwritten", c.name, n, off)
				}
			}
		}
	}
}
