package cpu

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/nervelab/nerve/internal/device"
)

// naiveLayerNorm is LayerNorm and its gradients in float64 over rows of
// c floats: y, the rows' means and variances, and for the upstream
// gradient g, ∂x, ∂w, ∂b (w, b nil: 1 and 0).
func naiveLayerNorm(x, w, b, g []float32, c int, eps float64) (y, mean, variance, dx, dw, db []float64) {
	rows := 0
	if c > 0 {
		rows = len(x) / c
	}
	y, dx = make([]float64, len(x)), make([]float64, len(x))
	mean, variance, dw, db = make([]float64, rows), make([]float64, rows), make([]float64, c), make([]float64, c)
	at := func(s []float32, j int, def float64) float64 {
		if s == nil {
			return def
		}
		return float64(s[j])
	}
	for i := range rows {
		xr, gr := x[i*c:][:c], g[i*c:][:c]
		for _, v := range xr {
			mean[i] += float64(v) / float64(c)
		}
		for _, v := range xr {
			variance[i] += (float64(v) - mean[i]) * (float64(v) - mean[i]) / float64(c)
		}
		r := 1 / math.Sqrt(variance[i]+eps)
		var su, sux float64
		xh := make([]float64, c)
		for j, v := range xr {
			xh[j] = (float64(v) - mean[i]) * r
			y[i*c+j] = xh[j]*at(w, j, 1) + at(b, j, 0)
			u := float64(gr[j]) * at(w, j, 1)
			su += u
			sux += u * xh[j]
			dw[j] += float64(gr[j]) * xh[j]
			db[j] += float64(gr[j])
		}
		for j := range xr {
			u := float64(gr[j]) * at(w, j, 1)
			dx[i*c+j] = (u - su/float64(c) - xh[j]*sux/float64(c)) * r
		}
	}
	return
}

// TestLayerNormMatchesNaive checks the LayerNorm kernels against float64
// sums: rows of 1 to 70 floats (around the 16-float SIMD block), 256 and
// 1000, 0 to 20 rows (a run of partial sums holds one row or several),
// with and without scale and shift, inputs at offsets, outputs prefilled
// with NaN; then each gradient alone, which must equal the gradient
// computed with the others bit for bit.
func TestLayerNormMatchesNaive(t *testing.T) {
	var d Device
	r := rand.New(rand.NewSource(11))
	cols := append(seq(71)[1:], 256, 1000)
	for i, c := range cols {
		rows := []int{0, 1, 5, 8, 9, 20}[i%6]
		if c >= 256 {
			rows = 300 // past the threshold of the parallel path
		}
		affine := i%3 != 0
		name := fmt.Sprintf("rows=%d cols=%d affine=%v", rows, c, affine)
		n := rows * c
		x, g := make([]float32, n), make([]float32, n)
		for j := range x {
			x[j] = float32(r.NormFloat64()*3 + 1)
			g[j] = float32(r.NormFloat64())
		}
		var w, b []float32
		p := device.NormParams{Rows: rows, Cols: c, Eps: 1e-5, OffX: 3, Mean: d.Alloc(device.Float32, rows), Var: d.Alloc(device.Float32, rows)}
		p.X = d.Alloc(device.Float32, n+3)
		d.WriteF32(p.X, 3, x)
		if affine {
			w, b = make([]float32, c), make([]float32, c)
			for j := range w {
				w[j], b[j] = float32(r.NormFloat64()), float32(r.NormFloat64())
			}
			p.W, p.B, p.OffW, p.OffB = d.Alloc(device.Float32, c+1), d.Alloc(device.Float32, c+2), 1, 2
			d.WriteF32(p.W, 1, w)
			d.WriteF32(p.B, 2, b)
		}
		gb := d.Alloc(device.Float32, n+4)
		d.WriteF32(gb, 4, g)
		nan := func(n int) device.Buffer {
			buf := d.Alloc(device.Float32, n)
			fillSlice(f32s(buf), float32(math.NaN()))
			return buf
		}
		y, dx, dw, db := nan(n), nan(n), nan(c), nan(c)
		fillSlice(f32s(p.Mean), float32(math.NaN()))
		fillSlice(f32s(p.Var), float32(math.NaN()))
		d.LayerNorm(y, p)
		d.LayerNormBackward(dx, dw, db, gb, 4, p)
		wy, wm, wv, wdx, wdw, wdb := naiveLayerNorm(x, w, b, g, c, 1e-5)
		for _, v := range []struct {
			what     string
			got      []float32
			want     []float64
			tol      float64
			absolute float64
		}{
			{"y", f32s(y), wy, 1e-4, 1e-4}, {"mean", f32s(p.Mean), wm, 1e-5, 1e-5}, {"variance", f32s(p.Var), wv, 1e-4, 1e-5},
			{"∂x", f32s(dx), wdx, 1e-3, 1e-4}, {"∂w", f32s(dw), wdw, 1e-4, 1e-3}, {"∂b", f32s(db), wdb, 1e-4, 1e-3},
		} {
			for j, want := range v.want {
				if got := float64(v.got[j]); !(math.Abs(got-want) <= v.tol*math.Abs(want)+v.absolute) {
					t.Fatalf("%s: %s[%d] = %v, want %v", name, v.what, j, got, want)
				}
			}
		}
		all := [3]device.Buffer{dx, dw, db}
		for k := range all {
			var one [3]device.Buffer
			one[k] = nan(all[k].Len())
			d.LayerNormBackward(one[0], one[1], one[2], gb, 4, p)
			for j, v := range f32s(one[k]) {
				if math.Float32bits(v) != math.Float32bits(f32s(all[k])[j]) {
					t.Fatalf("%s: gradient %d alone: element %d = %v, with the others %v", name, k, j, v, f32s(all[k])[j])
				}
			}
		}
	}
}

// TestBatchNormMatchesNaive checks the BatchNorm kernels against float64
// sums over each channel's N·L values: planes of 1 to 100 floats (around
// the 16-float SIMD block), 1 to 5 images, 1 to 8 channels and one tensor
// large enough for the parallel path, with and without scale and shift,
// inputs at offsets and outputs prefilled with NaN; then each gradient
// alone, which must equal the one computed with the others bit for bit.
func TestBatchNormMatchesNaive(t *testing.T) {
	var d Device
	r := rand.New(rand.NewSource(12))
	type bnCase struct{ n, c, l int }
	var cases []bnCase
	for _, l := range []int{1, 15, 16, 17, 33, 100} {
		for _, nc := range [][2]int{{1, 1}, {2, 3}, {5, 8}} {
			cases = append(cases, bnCase{nc[0], nc[1], l})
		}
	}
	cases = append(cases, bnCase{8, 16, 600})
	for i, k := range cases {
		affine := i%2 == 0
		name := fmt.Sprintf("%+v affine=%v", k, affine)
		size := k.n * k.c * k.l
		x, g := make([]float32, size), make([]float32, size)
		for j := range x {
			x[j] = float32(r.NormFloat64()*2 - 0.7)
			g[j] = float32(r.NormFloat64())
		}
		p := device.ChannelNormParams{N: k.n, C: k.c, L: k.l, Eps: 1e-5, OffX: 2,
			X: d.Alloc(device.Float32, size+2), Mean: d.Alloc(device.Float32, k.c), Var: d.Alloc(device.Float32, k.c)}
		d.WriteF32(p.X, 2, x)
		w, b := make([]float64, k.c), make([]float64, k.c)
		for c := range w {
			w[c] = 1
		}
		if affine {
			ws, bs := make([]float32, k.c), make([]float32, k.c)
			for c := range ws {
				ws[c], bs[c] = float32(r.NormFloat64()), float32(r.NormFloat64())
				w[c], b[c] = float64(ws[c]), float64(bs[c])
			}
			p.W, p.B, p.OffW, p.OffB = d.Alloc(device.Float32, k.c+1), d.Alloc(device.Float32, k.c+3), 1, 3
			d.WriteF32(p.W, 1, ws)
			d.WriteF32(p.B, 3, bs)
		}
		gb := d.Alloc(device.Float32, size+1)
		d.WriteF32(gb, 1, g)
		nan := func(n int) device.Buffer {
			buf := d.Alloc(device.Float32, n)
			fillSlice(f32s(buf), float32(math.NaN()))
			return buf
		}
		y, dx, dw, db := nan(size), nan(size), nan(k.c), nan(k.c)
		d.BatchNorm(y, p)
		d.BatchNormBackward(dx, dw, db, gb, 1, p)

		wy, wdx := make([]float64, size), make([]float64, size)
		wm, wv, wdw, wdb := make([]float64, k.c), make([]float64, k.c), make([]float64, k.c), make([]float64, k.c)
		m := float64(k.n * k.l)
		each := func(c int, f func(j int)) {
			for n := range k.n {
				for e := range k.l {
					f((n*k.c+c)*k.l + e)
				}
			}
		}
		for c := range k.c {
			each(c, func(j int) { wm[c] += float64(x[j]) / m })
			each(c, func(j int) { wv[c] += (float64(x[j]) - wm[c]) * (float64(x[j]) - wm[c]) / m })
			rs := 1 / math.Sqrt(wv[c]+1e-5)
			each(c, func(j int) {
				xh := (float64(x[j]) - wm[c]) * rs
				wy[j] = xh*w[c] + b[c]
				wdw[c] += float64(g[j]) * xh
				wdb[c] += float64(g[j])
			})
			each(c, func(j int) {
				xh := (float64(x[j]) - wm[c]) * rs
				wdx[j] = (float64(g[j]) - wdb[c]/m - xh*wdw[c]/m) * w[c] * rs
			})
		}
		for _, v := range []struct {
			what string
			got  []float32
			want []float64
		}{
			{"y", f32s(y), wy}, {"mean", f32s(p.Mean), wm}, {"variance", f32s(p.Var), wv},
			{"∂x", f32s(dx), wdx}, {"∂w", f32s(dw), wdw}, {"∂b", f32s(db), wdb},
		} {
			for j, want := range v.want {
				if got := float64(v.got[j]); !(math.Abs(got-want) <= 1e-4*math.Abs(want)+1e-4) {
					t.Fatalf("%s: %s[%d] = %v, want %v", name, v.what, j, got, want)
				}
			}
		}
		all := [3]device.Buffer{dx, dw, db}
		for j := range all {
			var one [3]device.Buffer
			one[j] = nan(all[j].Len())
			d.BatchNormBackward(one[0], one[1], one[2], gb, 1, p)
			for e, v := range f32s(one[j]) {
				if math.Float32bits(v) != math.Float32bits(f32s(all[j])[e]) {
					t.Fatalf("%s: gradient %d alone: element %d = %v, with the others %v", name, j, e, v, f32s(all[j])[e])
				}
			}
		}
	}
}
