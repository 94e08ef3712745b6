package tensor

import "github.com/nervelab/nerve/internal/device"

// In-place updates write into a tensor's existing storage (and so into every
// view sharing it). They record no graph and are meant for optimizers and
// other no-grad code, like PyTorch's copy_ and add_ under torch.no_grad().

// CopyFrom overwrites t's elements with src's, broadcasting src to t's
// shape (converting dtype if needed). It panics if src does not broadcast
// to t's shape.
func (t *Tensor) CopyFrom(src *Tensor) {
	sameDevice("CopyFrom", t, src)
	bs := broadcastShapes("CopyFrom", t.shape, src.shape)
	if !sameShape(bs, t.shape) {
		shapePanic("CopyFrom", t.shape, src.shape, "cannot be broadcast to the destination's shape")
	}
	t.dev.Copy(t.buf, t.layout(), src.buf, src.broadcastTo(t.shape).layout())
}

// AddInPlace sets t = t + b (b broadcast to t's shape).
func (t *Tensor) AddInPlace(b *Tensor) { t.copyFromTemp(binaryRaw("AddInPlace", addOp, t, b)) }

// SubInPlace sets t = t − b (b broadcast to t's shape).
func (t *Tensor) SubInPlace(b *Tensor) { t.copyFromTemp(binaryRaw("SubInPlace", subOp, t, b)) }

// MulInPlace sets t = t · b element-wise (b broadcast to t's shape).
func (t *Tensor) MulInPlace(b *Tensor) { t.copyFromTemp(binaryRaw("MulInPlace", mulOp, t, b)) }

// MulScalarInPlace sets t = t · s.
func (t *Tensor) MulScalarInPlace(s float32) {
	t.mustFloat("MulScalarInPlace")
	t.copyFromTemp(unaryRaw(mulScalarOp, s, 0, t))
}

// FillInPlace sets every element of t to v.
func (t *Tensor) FillInPlace(v float32) { t.CopyFrom(scalarLike(t, v)) }

// copyFromTemp copies tmp, a temporary nothing else refers to, into t and
// frees tmp's storage.
func (t *Tensor) copyFromTemp(tmp *Tensor) {
	t.CopyFrom(tmp)
	tmp.dev.Free(tmp.buf)
}

// ReLUInPlace sets t = max(t, 0) in t's own storage, as PyTorch's relu_:
// the activation of inference code that no longer needs its input. It
// records no graph and panics if t requires grad while grad mode is on
// (the graph may still read t).
func (t *Tensor) ReLUInPlace() {
	t.mustFloat("ReLUInPlace")
	if t.requiresGrad && GradEnabled() {
		panic(&GradError{Op: "ReLUInPlace", Why: "the tensor requires grad: its graph may still read it"})
	}
	if !t.IsContiguous() {
		t.copyFromTemp(unaryRaw(device.ReLU, 0, 0, t))
		return
	}
	t.dev.Unary(device.ReLU, 0, 0, t.buf, t.offset, t.buf, t.offset, t.Numel())
}
