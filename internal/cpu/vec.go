package cpu

import "github.com/nervelab/nerve/internal/device"

// The element-wise loops below are the reference (and portable) versions
// of the SIMD kernels in vec_amd64.s; vec_amd64.go runs the kernel on the
// longest multiple of 16 elements and these loops on the rest.

// reluRef sets d = s where s > 0 or s is NaN, else +0.
func reluRef(d, s []float32) {
	s = s[:len(d)]
	for i, x := range s {
		if x <= 0 {
			x = 0 // NaN passes through, as in PyTorch
		}
		d[i] = x
	}
}

// scaleShiftRef sets d = s·mul + add, a multiply then an add (no fused
// multiply-add).
func scaleShiftRef(d, s []float32, mul, add float32) {
	s = s[:len(d)]
	for i, x := range s {
		d[i] = float32(x*mul) + add // the conversion forbids fusing
	}
}

// maskGradRef sets d = g where x > 0, else g·slope (exactly 0 when slope
// is 0).
func maskGradRef(d, g, x []float32, slope float32) {
	g, x = g[:len(d)], x[:len(d)]
	for i, xi := range x {
		switch {
		case xi > 0:
			d[i] = g[i]
		case slope == 0:
			d[i] = 0
		default:
			d[i] = g[i] * slope
		}
	}
}

// arithRef sets d = a op b for op Add, Sub, Mul or Div.
func arithRef(op device.BinaryOp, d, a, b []float32) {
	a, b = a[:len(d)], b[:len(d)]
	switch op {
	case device.Add:
		for i := range d {
			d[i] = a[i] + b[i]
		}
	case device.Sub:
		for i := range d {
			d[i] = a[i] - b[i]
		}
	case device.Mul:
		for i := range d {
			d[i] = a[i] * b[i]
		}
	case device.Div:
		for i := range d {
			d[i] = a[i] / b[i]
		}
	}
}

// arithScalarRef sets d = a op y for op Add, Sub, Mul or Div.
func arithScalarRef(op device.BinaryOp, d, a []float32, y float32) {
	a = a[:len(d)]
	switch op {
	case device.Add:
		for i, x := range a {
			d[i] = x + y
		}
	case device.Sub:
		for i, x := range a {
			d[i] = x - y
		}
	case device.Mul:
		for i, x := range a {
			d[i] = x * y
		}
	case device.Div:
		for i, x := range a {
			d[i] = x / y
		}
	}
}

// addRowsRef sets d[r·dstride+i] += s[r·sstride+i] for r < rows, i < n:
// the scatter-add of col2im.
func addRowsRef(d, s []float32, n, rows, dstride, sstride int) {
	for r := range rows {
		dd, ss := d[r*dstride:][:n], s[r*sstride:][:n]
		for i, v := range ss {
			dd[i] += v
		}
	}
}
