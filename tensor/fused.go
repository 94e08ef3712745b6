package tensor

import "github.com/nervelab/nerve/internal/device"

// AdamParams are the scalars of a fused Adam update (see FusedAdamStep).
type AdamParams = device.AdamParams

// FusedAdamStep applies one Adam or AdamW update to p in place, with
// gradient g and moment buffers m and v, in a single pass on devices that
// offer it (device.Fused), and reports whether it did. It declines —
// returning false and changing nothing — when the device lacks the
// capability or a tensor is not a contiguous float32 tensor of p's size
// starting at its storage's first element; the caller then runs the
// composed ops, which give the same bits. Records no graph.
func FusedAdamStep(p, g, m, v *Tensor, a AdamParams) bool {
	f, ok := p.dev.(device.Fused)
	if !ok {
		return false
	}
	n := p.Numel()
	for _, t := range []*Tensor{p, g, m, v} {
		if t.dev != p.dev || t.DType() != Float32 || t.Numel() != n || t.offset != 0 || !t.IsContiguous() {
			return false
		}
	}
	f.AdamStep(p.buf, g.buf, m.buf, v.buf, n, a)
	return true
}
