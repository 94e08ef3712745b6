package tensor

import (
	"fmt"

	"github.com/nervelab/nerve/internal/device"
)

// AdamParams are the scalars of a fused Adam update (see FusedAdamStep).
type AdamParams = device.AdamParams

// SGDParams are the scalars of a fused SGD update (see FusedSGDStep).
type SGDParams = device.SGDParams

// RMSpropParams are the scalars of a fused RMSprop update (see
// FusedRMSpropStep).
type RMSpropParams = device.RMSpropParams

// AdagradParams are the scalars of a fused Adagrad update (see
// FusedAdagradStep).
type AdagradParams = device.AdagradParams

// FusedRMSpropStep applies one RMSprop update to p in place with gradient
// g, square average v, gradient average ga (nil unless centered) and
// momentum buffer b (nil without momentum), in one pass where the device
// offers it; like FusedAdamStep it reports false and changes nothing when
// it cannot. Records no graph.
func FusedRMSpropStep(p, g, v, ga, b *Tensor, a RMSpropParams) bool {
	f, ok := p.dev.(device.Fused)
	ts := []*Tensor{p, g, v}
	var gab, bb device.Buffer
	if ga != nil {
		ts, gab = append(ts, ga), ga.buf
	}
	if b != nil {
		ts, bb = append(ts, b), b.buf
	}
	if !ok || !fusable(p, ts) {
		return false
	}
	f.RMSpropStep(p.buf, g.buf, v.buf, gab, bb, p.Numel(), a)
	return true
}

// FusedAdagradStep applies one Adagrad update to p in place with gradient
// g and sum of squares s, in one pass where the device offers it; like
// FusedAdamStep it reports false and changes nothing when it cannot.
// Records no graph.
func FusedAdagradStep(p, g, s *Tensor, a AdagradParams) bool {
	f, ok := p.dev.(device.Fused)
	if !ok || !fusable(p, []*Tensor{p, g, s}) {
		return false
	}
	f.AdagradStep(p.buf, g.buf, s.buf, p.Numel(), a)
	return true
}

// FusedSGDStep applies one SGD update to p in place with gradient g and
// momentum buffer b (nil without momentum), in one pass where the device
// offers it; like FusedAdamStep it reports false and changes nothing when
// it cannot. Records no graph.
func FusedSGDStep(p, g, b *Tensor, a SGDParams) bool {
	f, ok := p.dev.(device.Fused)
	ts := []*Tensor{p, g}
	if b != nil {
		ts = append(ts, b)
	}
	if !ok || !fusable(p, ts) {
		return false
	}
	var bb device.Buffer
	if b != nil {
		bb = b.buf
	}
	f.SGDStep(p.buf, g.buf, bb, p.Numel(), a)
	return true
}

// fusable reports whether every tensor is a contiguous float32 tensor of
// p's size on p's device starting at its storage's first element.
func fusable(p *Tensor, ts []*Tensor) bool {
	for _, t := range ts {
		if t.dev != p.dev || t.DType() != Float32 || t.Numel() != p.Numel() || t.offset != 0 || !t.IsContiguous() {
			return false
		}
	}
	return true
}

// FusedAdamStep applies one Adam or AdamW update to p in place, with
// gradient g and moment buffers m and v, in a single pass on devices that
// offer it (device.Fused), and reports whether it did. It declines —
// returning false and changing nothing — when the device lacks the
// capability or a tensor is not a contiguous float32 tensor of p's size
// starting at its storage's first element; the caller then runs the
// composed ops, which give the same bits. Records no graph.
func FusedAdamStep(p, g, m, v *Tensor, a AdamParams) bool {
	f, ok := p.dev.(device.Fused)
	if !ok || !fusable(p, []*Tensor{p, g, m, v}) {
		return false
	}
	f.AdamStep(p.buf, g.buf, m.buf, v.buf, p.Numel(), a)
	return true
}

// SoftmaxCrossEntropy returns the cross-entropy of each row of logits
// [N, C] against int64 class indices target [N], −log softmax(logits)[i,
// target[i]] as a [N] tensor (0 where the target equals ignore), and the
// number of rows not ignored: LogSoftmax(1) and the pick of each row's
// target in one pass, and a backward of one pass, g·(softmax − one-hot).
// It reports ok = false, computing nothing, when the device has no fused
// kernel (device.Fused); the caller then composes the ops. It panics with
// an *IndexError for a target outside [0, C) other than ignore.
func SoftmaxCrossEntropy(logits, target *Tensor, ignore int64) (loss *Tensor, valid int, ok bool) {
	const op = "SoftmaxCrossEntropy"
	logits.mustFloat(op)
	f, fused := logits.dev.(device.Fused)
	if !fused {
		return nil, 0, false
	}
	if logits.Dim() != 2 || target.Dim() != 1 || target.shape[0] != logits.shape[0] {
		shapePanic(op, logits.shape, target.shape, "do not fit: want logits [N, C] and a target [N]")
	}
	if target.DType() != Int64 {
		panic(&DTypeError{Op: op, Got: target.DType(), Want: "int64 (class index) target"})
	}
	sameDevice(op, logits, target)
	rows, classes := logits.shape[0], logits.shape[1]
	x, y := logits.dense(), target.dense()
	loss = emptyUninit(logits.dev, Float32, []int{rows})
	prob := emptyUninit(logits.dev, Float32, logits.shape)
	valid, err := f.SoftmaxCrossEntropy(loss.buf, prob.buf, x.buf, y.buf, rows, classes, ignore)
	if err != nil {
		ie := err.(*device.IndexError)
		panic(&IndexError{Op: op, Why: fmt.Sprintf("target %d is out of bounds for %d classes", ie.Index, ie.N)})
	}
	if needsGrad(logits) {
		record(loss, op, []*Tensor{logits}, func(g *Tensor) []*Tensor {
			gd, stride := g, 1
			switch {
			case g.offset == 0 && g.strides[0] == 0: // a sum's gradient: one value for all rows
				stride = 0
			case g.offset == 0 && g.strides[0] == 1:
			default:
				gd = g.dense()
			}
			dx := emptyUninit(logits.dev, Float32, logits.shape)
			f.SoftmaxCrossEntropyBackward(dx.buf, prob.buf, y.buf, gd.buf, stride, rows, classes, ignore)
			return []*Tensor{dx}
		})
	}
	return loss, valid, true
}

// SquaredError returns the mean (mean true) or the sum of (pred − target)²
// as a scalar, PyTorch's mse_loss with reduction 'mean' or 'sum': one pass
// forward and one backward, with the same bits as
// pred.Sub(target).Square().Mean() (or .Sum()) and the same gradients,
// to pred and to target when they require grad. It reports ok = false,
// computing nothing, when the device has no fused kernel (device.Fused);
// the caller then composes the ops. It panics with a *ShapeError when the
// shapes differ and a *DTypeError when either is not float32.
func SquaredError(pred, target *Tensor, mean bool) (loss *Tensor, ok bool) {
	const op = "MseLoss"
	pred.mustFloat(op)
	target.mustFloat(op)
	if !sameShape(pred.shape, target.shape) {
		shapePanic(op, pred.shape, target.shape, "differ")
	}
	sameDevice(op, pred, target)
	f, fused := pred.dev.(device.Fused)
	if !fused {
		return nil, false
	}
	n := pred.Numel()
	scale := float32(1)
	if mean {
		scale = 1 / float32(n)
	}
	a, b := pred.dense(), target.dense()
	diff := allocUninit(pred.dev, Float32, n)
	loss = emptyUninit(pred.dev, Float32, nil)
	f.SquaredError(loss.buf, diff, a.buf, b.buf, n, scale)
	if !needsGrad(pred, target) {
		pred.dev.Free(diff)
		return loss, true
	}
	record(loss, op, []*Tensor{pred, target}, func(g *Tensor) []*Tensor {
		var da, db *Tensor
		var dab, dbb device.Buffer
		if pred.requiresGrad {
			da = emptyUninit(pred.dev, Float32, pred.shape)
			dab = da.buf
		}
		if target.requiresGrad {
			db = emptyUninit(pred.dev, Float32, pred.shape)
			dbb = db.buf
		}
		f.SquaredErrorBackward(dab, dbb, diff, g.dense().buf, n, scale)
		return []*Tensor{da, db}
	})
	if n >= trackMin {
		loss.node.release = func() { pred.dev.Free(diff) }
	}
	return loss, true
}
