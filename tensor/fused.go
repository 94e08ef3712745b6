package tensor

import "github.com/nervelab/nerve/internal/device"

// AdamParams are the scalars of a fused Adam update (see FusedAdamStep).
type AdamParams = device.AdamParams

// SGDParams are the scalars of a fused SGD update (see FusedSGDStep).
type SGDParams = device.SGDParams

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
