package nn

import (
	"fmt"

	"github.com/nervelab/nerve/tensor"
)

// PoolOption configures the pooling layers.
type PoolOption func(*poolConfig)

type poolConfig struct {
	stride, padding, dilation int
	ceil, excludePad          bool
	divisor                   int
}

// PoolStride sets the step between windows (default: the kernel size).
func PoolStride(s int) PoolOption { return func(c *poolConfig) { c.stride = s } }

// PoolPadding sets the padding on each side (default 0): −∞ for max
// pooling, zeros counted in the mean for average pooling.
func PoolPadding(p int) PoolOption { return func(c *poolConfig) { c.padding = p } }

// PoolDilation sets the spacing between window taps of max pooling
// (default 1).
func PoolDilation(d int) PoolOption { return func(c *poolConfig) { c.dilation = d } }

// CeilMode rounds the output size up (PyTorch's ceil_mode=True): a last
// window may hang past the end of the input, but none starts in the right
// padding.
func CeilMode() PoolOption { return func(c *poolConfig) { c.ceil = true } }

// ExcludePad makes average pooling divide each window's sum by the number
// of input elements under it, not counting padding (PyTorch's
// count_include_pad=False). Other pools ignore it.
func ExcludePad() PoolOption { return func(c *poolConfig) { c.excludePad = true } }

// DivisorOverride makes average pooling divide every window's sum by d
// (PyTorch's divisor_override). Other pools ignore it.
func DivisorOverride(d int) PoolOption { return func(c *poolConfig) { c.divisor = d } }

func newPool(kernel int, opts []PoolOption) poolConfig {
	c := poolConfig{stride: kernel, dilation: 1}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// MaxPool2d is torch.nn.MaxPool2d: the maximum over each Kernel×Kernel
// window (tensor.MaxPool2d). Shape: [N, C, H, W] → [N, C, Ho, Wo], Ho =
// ⌊(H + 2·Padding − Dilation·(Kernel − 1) − 1)/Stride⌋ + 1, rounded up
// with CeilMode. It has no parameters. A zero Stride means Kernel and a
// zero Dilation 1, so MaxPool2d{Kernel: 2} is PyTorch's MaxPool2d(2).
type MaxPool2d struct {
	Kernel, Stride, Padding, Dilation int
	CeilMode                          bool
}

// NewMaxPool2d returns MaxPool2d(kernel_size=kernel) with the options given
// (PoolStride, PoolPadding, PoolDilation, CeilMode).
func NewMaxPool2d(kernel int, opts ...PoolOption) *MaxPool2d {
	c := newPool(kernel, opts)
	return &MaxPool2d{Kernel: kernel, Stride: c.stride, Padding: c.padding, Dilation: c.dilation, CeilMode: c.ceil}
}

// Forward pools x. It panics (a *tensor.ShapeError) for a bad shape or window.
func (m *MaxPool2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	return tensor.MaxPool2d(x, sq(m.Kernel), sq(m.Stride), sq(m.Padding), sq(m.Dilation), m.CeilMode)
}

// ExtraRepr prints as PyTorch: kernel_size=2, stride=2, padding=0,
// dilation=1, ceil_mode=False.
func (m *MaxPool2d) ExtraRepr() string {
	return fmt.Sprintf("kernel_size=%d, stride=%d, padding=%d, dilation=%d, ceil_mode=%s",
		m.Kernel, strideOr(m.Stride, m.Kernel), m.Padding, max(m.Dilation, 1), pyBool(m.CeilMode))
}

// strideOr is a pool's stride, the kernel size when s is 0.
func strideOr(s, kernel int) int {
	if s == 0 {
		return kernel
	}
	return s
}

func sq(v int) [2]int { return [2]int{v, v} }

// MaxPool1d is torch.nn.MaxPool1d: the maximum over each window of the last
// dim. Shape: [N, C, L] → [N, C, Lo], Lo as MaxPool2d's Wo. Zero fields
// mean what they do in MaxPool2d.
type MaxPool1d struct {
	Kernel, Stride, Padding, Dilation int
	CeilMode                          bool
}

// NewMaxPool1d returns MaxPool1d(kernel_size=kernel) with the options given.
func NewMaxPool1d(kernel int, opts ...PoolOption) *MaxPool1d {
	c := newPool(kernel, opts)
	return &MaxPool1d{Kernel: kernel, Stride: c.stride, Padding: c.padding, Dilation: c.dilation, CeilMode: c.ceil}
}

// Forward pools x. It panics (a *tensor.ShapeError) for a bad shape or window.
func (m *MaxPool1d) Forward(x *tensor.Tensor) *tensor.Tensor {
	return tensor.MaxPool1d(x, m.Kernel, m.Stride, m.Padding, m.Dilation, m.CeilMode)
}

// ExtraRepr prints as PyTorch, like MaxPool2d's.
func (m *MaxPool1d) ExtraRepr() string { return (*MaxPool2d)(m).ExtraRepr() }

// AvgPool2d is torch.nn.AvgPool2d: the mean of each window
// (tensor.AvgPool2d). By default the zero padding counts in the mean, so a
// window divides by Kernel² (count_include_pad=True); ExcludePad divides
// by the input elements it covers, and a positive Divisor replaces both
// (divisor_override). Shape as MaxPool2d's (no dilation), CeilMode as
// there. A zero Stride means Kernel.
type AvgPool2d struct {
	Kernel, Stride, Padding int
	CeilMode, ExcludePad    bool
	Divisor                 int
}

// NewAvgPool2d returns AvgPool2d(kernel_size=kernel) with the options given
// (PoolStride, PoolPadding, CeilMode, ExcludePad, DivisorOverride;
// PoolDilation is not allowed, as in PyTorch, and panics).
func NewAvgPool2d(kernel int, opts ...PoolOption) *AvgPool2d {
	c := newPool(kernel, opts)
	if c.dilation != 1 {
		panic(&tensor.ShapeError{Op: "NewAvgPool2d", A: []int{kernel}, Why: "average pooling has no dilation"})
	}
	return &AvgPool2d{Kernel: kernel, Stride: c.stride, Padding: c.padding, CeilMode: c.ceil,
		ExcludePad: c.excludePad, Divisor: c.divisor}
}

// Forward pools x. It panics (a *tensor.ShapeError) for a bad shape or window.
func (m *AvgPool2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	return tensor.AvgPool2d(x, sq(m.Kernel), sq(m.Stride), sq(m.Padding), m.CeilMode, !m.ExcludePad, m.Divisor)
}

// ExtraRepr prints as PyTorch: kernel_size=2, stride=2, padding=0.
func (m *AvgPool2d) ExtraRepr() string {
	return fmt.Sprintf("kernel_size=%d, stride=%d, padding=%d", m.Kernel, strideOr(m.Stride, m.Kernel), m.Padding)
}

// AdaptiveAvgPool2d is torch.nn.AdaptiveAvgPool2d: the mean over windows
// chosen so that the output is H×W whatever the input size
// (tensor.AdaptiveAvgPool2d). Shape: [N, C, Hin, Win] → [N, C, H, W].
type AdaptiveAvgPool2d struct{ H, W int }

// NewAdaptiveAvgPool2d returns AdaptiveAvgPool2d(output_size=(h, w)).
func NewAdaptiveAvgPool2d(h, w int) *AdaptiveAvgPool2d { return &AdaptiveAvgPool2d{H: h, W: w} }

// Forward pools x. It panics (a *tensor.ShapeError) for a bad shape.
func (m *AdaptiveAvgPool2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	return tensor.AdaptiveAvgPool2d(x, m.H, m.W)
}

// ExtraRepr prints as PyTorch: output_size=(1, 1).
func (m *AdaptiveAvgPool2d) ExtraRepr() string {
	return fmt.Sprintf("output_size=(%d, %d)", m.H, m.W)
}
