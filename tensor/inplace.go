package tensor

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
