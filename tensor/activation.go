package tensor

import (
	"github.com/nervelab/nerve/internal/device"
)

// ReLU returns max(x, 0); its gradient is 1 where x > 0.
func (x *Tensor) ReLU() *Tensor { return unary("ReLU", device.ReLU, 0, 0, x) }

// LeakyReLU returns x where x > 0 and slope·x elsewhere (PyTorch's default
// slope is 0.01).
func (x *Tensor) LeakyReLU(slope float32) *Tensor {
	return unary("LeakyReLU", device.LeakyReLU, slope, 0, x)
}

// ELU returns x where x > 0 and alpha·(eˣ − 1) elsewhere (default alpha 1).
func (x *Tensor) ELU(alpha float32) *Tensor { return unary("ELU", device.ELU, alpha, 0, x) }

// GELU returns x·Φ(x) with the exact (erf) Gaussian CDF, as torch.nn.GELU().
func (x *Tensor) GELU() *Tensor { return unary("GELU", device.GELU, 0, 0, x) }

// SiLU returns x·σ(x) (also called swish).
func (x *Tensor) SiLU() *Tensor { return unary("SiLU", device.SiLU, 0, 0, x) }

// Sigmoid returns 1/(1 + e⁻ˣ).
func (x *Tensor) Sigmoid() *Tensor { return unary("Sigmoid", device.Sigmoid, 0, 0, x) }

// Tanh returns the hyperbolic tangent.
func (x *Tensor) Tanh() *Tensor { return unary("Tanh", device.Tanh, 0, 0, x) }

// Softplus returns log(1 + e^(beta·x))/beta, and x itself where
// beta·x > threshold, as torch.nn.Softplus (defaults beta 1, threshold 20).
func (x *Tensor) Softplus(beta, threshold float32) *Tensor {
	return unary("Softplus", device.Softplus, beta, threshold, x)
}

// Softmax returns exp(x)/Σexp(x) along dim, computed stably (the maximum
// is subtracted first, so logits of ±1000 give no inf or NaN).
func (x *Tensor) Softmax(dim int) *Tensor { return x.softmax("Softmax", dim, false) }

// LogSoftmax returns log(Softmax(x)) along dim, computed stably as
// x − max − log Σ exp(x − max).
func (x *Tensor) LogSoftmax(dim int) *Tensor { return x.softmax("LogSoftmax", dim, true) }

func (x *Tensor) softmax(name string, dim int, log bool) *Tensor {
	x.mustFloat(name)
	d := normDim(name, dim, x.Dim())
	outer, n, inner := splitAt(x.shape, d, d)
	xd := x.dense()
	out := emptyUninit(x.dev, Float32, x.shape)
	x.dev.Softmax(out.buf, xd.buf, outer, n, inner, log)
	if needsGrad(x) {
		record(out, name, []*Tensor{x}, func(g *Tensor) []*Tensor {
			dx := emptyUninit(x.dev, Float32, x.shape)
			x.dev.SoftmaxBackward(dx.buf, g.dense().buf, out.buf, outer, n, inner, log)
			return []*Tensor{dx}
		})
	}
	return out
}

// splitAt views shape as [outer, n, inner] around the dims d0..d1.
func splitAt(shape []int, d0, d1 int) (outer, n, inner int) {
	if len(shape) == 0 {
		return 1, 1, 1
	}
	return numel(shape[:d0]), numel(shape[d0 : d1+1]), numel(shape[d1+1:])
}
