package optim

import (
	"math"

	"github.com/nervelab/nerve/tensor"
)

// ClipGradNorm rescales the gradients of params in place so that their total
// norm, taken over all gradients as if concatenated, is at most maxNorm, as
// PyTorch's clip_grad_norm_: when maxNorm/(total + 1e-6) < 1 every gradient
// is multiplied by it. normType is p of the p-norm (math.Inf(1) for the
// largest absolute value). It returns the total norm before clipping.
// Parameters without a gradient are ignored.
func ClipGradNorm(params []*tensor.Tensor, maxNorm, normType float64) float64 {
	var grads []*tensor.Tensor
	for _, p := range params {
		if g := p.Grad(); g != nil {
			grads = append(grads, g)
		}
	}
	if len(grads) == 0 {
		return 0
	}
	total := 0.0
	for _, g := range grads {
		for _, v := range g.Data() {
			a := math.Abs(float64(v))
			switch {
			case math.IsInf(normType, 1):
				total = math.Max(total, a)
			case normType == 2:
				total += a * a
			default:
				total += math.Pow(a, normType)
			}
		}
	}
	if !math.IsInf(normType, 1) {
		total = math.Pow(total, 1/normType)
	}
	if coef := maxNorm / (total + 1e-6); coef < 1 {
		tensor.NoGrad(func() {
			for _, g := range grads {
				g.MulScalarInPlace(float32(coef))
			}
		})
	}
	return total
}

// ClipGradValue clamps every gradient element of params to [−clip, clip] in
// place, as PyTorch's clip_grad_value_.
func ClipGradValue(params []*tensor.Tensor, clip float64) {
	tensor.NoGrad(func() {
		for _, p := range params {
			if g := p.Grad(); g != nil {
				g.CopyFrom(g.Clamp(float32(-clip), float32(clip)))
			}
		}
	})
}
