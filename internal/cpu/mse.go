package cpu

import "github.com/nervelab/nerve/internal/device"

// sqBlock is how many squares SquaredError holds on the stack before
// adding them into its partial sums; a multiple of sumLanes.
const sqBlock = 8 * sumLanes

// SquaredError is the fused squared error of device.Fused: diff = a − b
// and loss[0] = float32(Σ diff²)·scale + 0, each square rounded to float32
// and summed in float64 lane by lane as Reduce's Sum sums a row, so the
// composed Sub, Square, Sum and MulScalar give the same bits.
func (Device) SquaredError(lossB, diffB, aB, bB device.Buffer, n int, scale float32) {
	loss, diff := f32s(lossB), f32s(diffB)[:n]
	a, b := f32s(aB)[:n], f32s(bB)[:n]
	var t [sumLanes]float64
	var sq [sqBlock]float32
	var rest []float32
	for lo := 0; lo < n; lo += sqBlock {
		hi := min(lo+sqBlock, n)
		d, s := diff[lo:hi], sq[:hi-lo]
		for i := range d {
			v := a[lo+i] - b[lo+i]
			d[i], s[i] = v, v*v
		}
		rest = sumLanesBlocks(&t, s) // whole blocks of sumLanes: all but the last chunk's tail
	}
	loss[0] = float32(laneTotal(&t, rest))*scale + 0
}

// SquaredErrorBackward is the gradient of SquaredError: with g1 =
// g[0]·scale + 0, da = float32(g1·2·diff) (in float64, as Square's
// backward) and, when db is not nil, db = da·(−1) + 0 (as Neg's). A nil da
// is skipped.
func (Device) SquaredErrorBackward(daB, dbB, diffB, gB device.Buffer, n int, scale float32) {
	diff := f32s(diffB)[:n]
	g1 := float64(f32s(gB)[0]*scale + 0)
	var da, db []float32
	if daB != nil {
		da = f32s(daB)[:n]
	}
	if dbB != nil {
		db = f32s(dbB)[:n]
	}
	for i, x := range diff {
		v := float32(g1 * (2 * float64(x)))
		if da != nil {
			da[i] = v
		}
		if db != nil {
			db[i] = v*-1 + 0
		}
	}
}
