package nn

import (
	"fmt"
	"math"
	"strings"

	"github.com/nervelab/nerve/tensor"
)

// ConvOption configures NewConv2d and NewConv1d. The int forms set both
// spatial dims; the forms ending in 2 set height and width apart (Conv1d
// reads only the width).
type ConvOption func(*convConfig)

type convConfig struct {
	kernel, stride, padding, dilation [2]int
	same, noBias                      bool
	groups                            int
	gen                               *tensor.Generator
}

// Stride sets the step between windows (PyTorch's stride; default 1).
func Stride(s int) ConvOption { return Stride2(s, s) }

// Stride2 sets the stride of height and width apart.
func Stride2(sh, sw int) ConvOption { return func(c *convConfig) { c.stride = [2]int{sh, sw} } }

// Padding sets the zero padding added on each side (default 0).
func Padding(p int) ConvOption { return Padding2(p, p) }

// Padding2 sets the padding of height and width apart.
func Padding2(ph, pw int) ConvOption {
	return func(c *convConfig) { c.padding, c.same = [2]int{ph, pw}, false }
}

// PaddingSame pads so that the output has the input's size, PyTorch's
// padding="same" (the odd one of an even total goes after, at the bottom
// and right). The stride must be 1.
func PaddingSame() ConvOption { return func(c *convConfig) { c.same = true } }

// Dilation sets the spacing between kernel taps (default 1).
func Dilation(d int) ConvOption { return Dilation2(d, d) }

// Dilation2 sets the dilation of height and width apart.
func Dilation2(dh, dw int) ConvOption { return func(c *convConfig) { c.dilation = [2]int{dh, dw} } }

// Kernel2 makes the kernel kh×kw instead of the square one NewConv2d's
// kernel argument gives.
func Kernel2(kh, kw int) ConvOption { return func(c *convConfig) { c.kernel = [2]int{kh, kw} } }

// Groups splits the channels into g groups convolved separately (default
// 1; in and out channels must be multiples of g).
func Groups(g int) ConvOption { return func(c *convConfig) { c.groups = g } }

// ConvNoBias leaves out the bias, as PyTorch's bias=False.
func ConvNoBias() ConvOption { return func(c *convConfig) { c.noBias = true } }

// ConvGenerator makes the initial weights come from g rather than from
// tensor's global generator.
func ConvGenerator(g *tensor.Generator) ConvOption { return func(c *convConfig) { c.gen = g } }

// Conv2d is torch.nn.Conv2d: y = w ⋆ x + b, the cross-correlation of each
// kernel with the input (tensor.Conv2d).
//
// Shape: [N, in, H, W] → [N, out, Ho, Wo], Ho = ⌊(H + 2·padding −
// dilation·(k − 1) − 1)/stride⌋ + 1. Weight is [out, in/groups, kH, kW],
// Bias [out] (nil with ConvNoBias).
//
// Init: PyTorch's default, kaiming_uniform_ with a = √5 on the weight
// (uniform in ±1/√fan_in, fan_in = in/groups·kH·kW) and the bias uniform
// in the same bound, drawn from tensor's global generator or the one given
// with ConvGenerator; the numbers differ from PyTorch's random stream.
// Only zero padding is supported (PyTorch's padding_mode="zeros").
type Conv2d struct {
	Weight *tensor.Tensor
	Bias   *tensor.Tensor

	cfg convConfig
	dim int // 1 for Conv1d, 2 for Conv2d
}

// NewConv2d returns Conv2d(in, out, kernel_size=kernel) with the options
// given. It panics (a *tensor.ShapeError) for non-positive sizes, channels
// that the groups do not divide, or PaddingSame with a stride other than 1.
func NewConv2d(in, out, kernel int, opts ...ConvOption) *Conv2d {
	return newConv("NewConv2d", 2, in, out, kernel, opts)
}

func newConv(op string, dim, in, out, kernel int, opts []ConvOption) *Conv2d {
	c := convConfig{kernel: [2]int{kernel, kernel}, stride: [2]int{1, 1}, dilation: [2]int{1, 1}, groups: 1}
	if dim == 1 {
		c.kernel[0] = 1
	}
	for _, o := range opts {
		o(&c)
	}
	if dim == 1 { // only the width is Conv1d's
		c.stride[0], c.padding[0], c.dilation[0] = 1, 0, 1
	}
	bad := in <= 0 || out <= 0 || c.groups <= 0 || in%max(c.groups, 1) != 0 || out%max(c.groups, 1) != 0
	for i := range 2 {
		bad = bad || c.kernel[i] <= 0 || c.stride[i] <= 0 || c.dilation[i] <= 0 || c.padding[i] < 0
	}
	if bad {
		panic(&tensor.ShapeError{Op: op, A: []int{in, out, kernel}, Why: fmt.Sprintf(
			"channels, kernel %v, stride %v and dilation %v must be positive, padding %v non-negative, and groups %d must divide the channels",
			c.kernel[2-dim:], c.stride[2-dim:], c.dilation[2-dim:], c.padding[2-dim:], c.groups)})
	}
	if c.same && (c.stride != [2]int{1, 1}) {
		panic(&tensor.ShapeError{Op: op, A: []int{in, out, kernel}, Why: "padding='same' is not supported for strided convolutions"})
	}
	g := genOr(c.gen)
	w := tensor.Zeros(out, in/c.groups, c.kernel[0], c.kernel[1])
	if dim == 1 {
		w = tensor.Zeros(out, in/c.groups, c.kernel[1])
	}
	KaimingUniform(w, math.Sqrt(5), FanIn, "leaky_relu", g)
	m := &Conv2d{Weight: w.SetRequiresGrad(true), cfg: c, dim: dim}
	if !c.noBias {
		fanIn, _ := Fans(w)
		bound := float32(1 / math.Sqrt(float64(fanIn)))
		m.Bias = g.Uniform(-bound, bound, out).SetRequiresGrad(true)
	}
	return m
}

// Forward computes the convolution of x [N, in, H, W]. It panics (a
// *tensor.ShapeError) if x's channels are not in or it is too small for
// the kernel.
func (m *Conv2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	return m.conv(x, m.Weight)
}

// conv runs the 2-D convolution of x with w, applying "same" padding.
func (m *Conv2d) conv(x, w *tensor.Tensor) *tensor.Tensor {
	c := &m.cfg
	if !c.same {
		return tensor.Conv2d(x, w, m.Bias, c.stride, c.padding, c.dilation, c.groups)
	}
	var pad [2]int
	odd := [2]bool{}
	for i := range 2 {
		total := c.dilation[i] * (c.kernel[i] - 1)
		pad[i], odd[i] = (total+1)/2, total%2 == 1
	}
	y := tensor.Conv2d(x, w, m.Bias, c.stride, pad, c.dilation, c.groups)
	// An odd total: one more zero on the leading side than PyTorch puts
	// there, so drop the first output row or column.
	if odd[0] {
		y = y.Narrow(2, 1, y.Size(2)-1)
	}
	if odd[1] {
		y = y.Narrow(3, 1, y.Size(3)-1)
	}
	return y
}

// ExtraRepr is what Summary prints inside Conv2d(…), as PyTorch:
// 1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1).
func (m *Conv2d) ExtraRepr() string {
	c := &m.cfg
	s := m.Weight.Shape()
	in := s[1] * c.groups
	tuple := func(v [2]int) string {
		if m.dim == 1 {
			return fmt.Sprintf("(%d,)", v[1])
		}
		return fmt.Sprintf("(%d, %d)", v[0], v[1])
	}
	parts := []string{fmt.Sprint(in), fmt.Sprint(s[0]), "kernel_size=" + tuple(c.kernel), "stride=" + tuple(c.stride)}
	switch {
	case c.same:
		parts = append(parts, "padding=same")
	case c.padding != [2]int{}:
		parts = append(parts, "padding="+tuple(c.padding))
	}
	if c.dilation != [2]int{1, 1} {
		parts = append(parts, "dilation="+tuple(c.dilation))
	}
	if c.groups != 1 {
		parts = append(parts, fmt.Sprintf("groups=%d", c.groups))
	}
	if m.Bias == nil {
		parts = append(parts, "bias=False")
	}
	return strings.Join(parts, ", ")
}

// Conv1d is torch.nn.Conv1d, a Conv2d over sequences.
//
// Shape: [N, in, L] → [N, out, Lo], Lo as Conv2d's Wo. Weight is [out,
// in/groups, k], Bias [out]. Init as Conv2d's. The options' height parts
// (Stride2's first value and so on) are ignored.
type Conv1d struct {
	Conv2d
}

// NewConv1d returns Conv1d(in, out, kernel_size=kernel) with the options
// given. It panics as NewConv2d does.
func NewConv1d(in, out, kernel int, opts ...ConvOption) *Conv1d {
	return &Conv1d{*newConv("NewConv1d", 1, in, out, kernel, opts)}
}

// Forward computes the convolution of x [N, in, L]. It panics (a
// *tensor.ShapeError) if x is not 3-D with in channels or is too short.
func (m *Conv1d) Forward(x *tensor.Tensor) *tensor.Tensor {
	if x.Dim() != 3 {
		panic(&tensor.ShapeError{Op: "Conv1d", A: x.Shape(), B: m.Weight.Shape(), Why: "want input [N, C, L]"})
	}
	return m.conv(x.Unsqueeze(2), m.Weight.Unsqueeze(2)).Squeeze(2)
}
