package cpu

import (
	"math"

	"github.com/nervelab/nerve/internal/device"
)

// SoftmaxCrossEntropy is the fused softmax and cross-entropy of
// device.Fused: one pass over each row of logits gives its softmax (kept
// for the backward pass) and its loss −log softmax(x)[y] = logsumexp(x) −
// x[y], summed in float64 as softmaxRow does.
func (Device) SoftmaxCrossEntropy(lossB, probB, xB, targetB device.Buffer, rows, classes int, ignore int64) (int, error) {
	loss, prob, x, target := f32s(lossB), f32s(probB), f32s(xB), i64s(targetB)
	valid := 0
	for _, y := range target[:rows] {
		switch {
		case y == ignore:
		case y < 0 || y >= int64(classes):
			return 0, &device.IndexError{Index: y, N: classes}
		default:
			valid++
		}
	}
	parallelFor(rows, max(1, parallelThreshold/max(classes, 1)), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row, p := x[i*classes:(i+1)*classes], prob[i*classes:(i+1)*classes]
			if classes == 0 {
				loss[i] = 0
				continue
			}
			m := rowMax(row)
			scaleShift(p, row, 1, -m)
			expLoop(p, p)
			sum := rowSum(p, 0, 1, classes)
			scaleShift(p, p, float32(1/sum), 0)
			if y := target[i]; y == ignore {
				loss[i] = 0
			} else {
				loss[i] = float32(float64(m) + math.Log(sum) - float64(row[y]))
			}
		}
	})
	return valid, nil
}

// SoftmaxCrossEntropyBackward is the gradient of SoftmaxCrossEntropy:
// dx = g·(softmax − one-hot), 0 on ignored rows.
func (Device) SoftmaxCrossEntropyBackward(dxB, probB, targetB, gB device.Buffer, gStride, rows, classes int, ignore int64) {
	dx, prob, target, g := f32s(dxB), f32s(probB), i64s(targetB), f32s(gB)
	parallelFor(rows, max(1, parallelThreshold/max(classes, 1)), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			d, p := dx[i*classes:(i+1)*classes], prob[i*classes:(i+1)*classes]
			y := target[i]
			if y == ignore {
				clear(d)
				continue
			}
			// At the target, p[y] − 1 = −Σ_{k≠y} p[k]: summing the others
			// keeps what a float32 p[y] near 1 rounds away, so a confident
			// row's gradient still sums to 0 over the classes (a bias
			// there, however small, is what Adam's scaling amplifies).
			gi := g[i*gStride]
			scaleShift(d, p, gi, 0)
			rest := rowSum(p, 0, 1, classes) - float64(p[y]) // in float64: exact enough
			d[y] = float32(-float64(gi) * rest)
		}
	})
}
