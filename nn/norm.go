package nn

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/nervelab/nerve/tensor"
)

// NormOption configures the normalisation layers (NewBatchNorm1d,
// NewBatchNorm2d, NewLayerNorm, NewGroupNorm).
type NormOption func(*normConfig)

type normConfig struct {
	eps, momentum float32
	noAffine      bool
	noTrack       bool
}

// Eps sets the ε added to the variance for numerical stability (default
// 1e-5).
func Eps(e float32) NormOption { return func(c *normConfig) { c.eps = e } }

// Momentum sets the weight of a batch's statistics in BatchNorm's running
// averages (default 0.1): running = (1 − m)·running + m·batch. Other
// layers ignore it.
func Momentum(m float32) NormOption { return func(c *normConfig) { c.momentum = m } }

// NoAffine leaves out the learnable per-channel weight and bias, as
// PyTorch's affine=False (elementwise_affine=False for LayerNorm).
func NoAffine() NormOption { return func(c *normConfig) { c.noAffine = true } }

// NoTrackRunningStats makes BatchNorm keep no running statistics and
// normalise with the batch's own in evaluation mode too, as PyTorch's
// track_running_stats=False. Other layers ignore it.
func NoTrackRunningStats() NormOption { return func(c *normConfig) { c.noTrack = true } }

func newNormConfig(opts []NormOption) normConfig {
	c := normConfig{eps: 1e-5, momentum: 0.1}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// BatchNorm1d normalises each channel over the batch (and length), as
// torch.nn.BatchNorm1d:
//
//	y = (x − E[x]) / √(Var[x] + ε) · Weight + Bias
//
// with per-channel mean and biased variance over every dim but 1.
//
// Shape: [N, C] or [N, C, L] → the same. Weight (ones) and Bias (zeros)
// are [C], nil with NoAffine. In training mode (a new layer's) the batch
// statistics are used, and gradients flow through them; the running
// averages RunningMean (zeros) and RunningVar (ones), [C], are updated
// with Momentum as PyTorch does, with the unbiased batch variance, and
// NumBatchesTracked (an int64 scalar) counts the steps. In evaluation mode
// the running averages are used. RunningMean, RunningVar and
// NumBatchesTracked are buffers (running_mean, running_var,
// num_batches_tracked): saved and loaded, never trained; they are nil with
// NoTrackRunningStats, and the batch statistics are then used in both
// modes. Momentum=None (PyTorch's cumulative average) is not supported.
// Forward in training mode writes the buffers, so it must not run on one
// layer from several goroutines at once; evaluation mode only reads them.
type BatchNorm1d struct {
	Weight            *tensor.Tensor
	Bias              *tensor.Tensor
	RunningMean       *tensor.Tensor `nn:"running_mean,buffer"`
	RunningVar        *tensor.Tensor `nn:"running_var,buffer"`
	NumBatchesTracked *tensor.Tensor `nn:"num_batches_tracked,buffer"`
	NumFeatures       int
	Eps, Momentum     float32
	eval              bool
}

// BatchNorm2d is BatchNorm1d for images, as torch.nn.BatchNorm2d: each
// channel is normalised over the batch, height and width.
//
// Shape: [N, C, H, W] → the same.
type BatchNorm2d BatchNorm1d

// NewBatchNorm1d returns BatchNorm1d(features) with PyTorch's defaults
// (eps 1e-5, momentum 0.1, affine, tracking running statistics), changed
// by opts. It panics unless features is positive.
func NewBatchNorm1d(features int, opts ...NormOption) *BatchNorm1d {
	return newBatchNorm("NewBatchNorm1d", features, opts)
}

// NewBatchNorm2d returns BatchNorm2d(features); see NewBatchNorm1d.
func NewBatchNorm2d(features int, opts ...NormOption) *BatchNorm2d {
	return (*BatchNorm2d)(newBatchNorm("NewBatchNorm2d", features, opts))
}

func newBatchNorm(op string, features int, opts []NormOption) *BatchNorm1d {
	if features <= 0 {
		panic(&tensor.ShapeError{Op: op, A: []int{features}, Why: "num_features must be positive"})
	}
	c := newNormConfig(opts)
	b := &BatchNorm1d{NumFeatures: features, Eps: c.eps, Momentum: c.momentum}
	if !c.noAffine {
		b.Weight = tensor.Ones(features).SetRequiresGrad(true)
		b.Bias = tensor.Zeros(features).SetRequiresGrad(true)
	}
	if !c.noTrack {
		b.RunningMean = tensor.Zeros(features)
		b.RunningVar = tensor.Ones(features)
		b.NumBatchesTracked = tensor.FromInt64([]int64{0}, []int{}...) // a scalar, as PyTorch's
	}
	return b
}

// Forward normalises x. It panics (a *tensor.ShapeError) unless x is
// [N, C] or [N, C, L] with C features, or in training mode with a single
// value per channel.
func (b *BatchNorm1d) Forward(x *tensor.Tensor) *tensor.Tensor {
	return b.forward("BatchNorm1d", x, x.Dim() == 2 || x.Dim() == 3, "2D or 3D")
}

// Forward normalises x. It panics (a *tensor.ShapeError) unless x is
// [N, C, H, W] with C features, or in training mode with a single value
// per channel.
func (b *BatchNorm2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	return (*BatchNorm1d)(b).forward("BatchNorm2d", x, x.Dim() == 4, "4D")
}

// SetTraining switches between batch statistics (training, the default)
// and running statistics (evaluation).
func (b *BatchNorm1d) SetTraining(on bool) { b.eval = !on }

// Training reports whether b is in training mode.
func (b *BatchNorm1d) Training() bool { return !b.eval }

// SetTraining switches between batch statistics (training, the default)
// and running statistics (evaluation).
func (b *BatchNorm2d) SetTraining(on bool) { b.eval = !on }

// Training reports whether b is in training mode.
func (b *BatchNorm2d) Training() bool { return !b.eval }

// ExtraRepr is what Summary prints: 32, eps=1e-05, momentum=0.1,
// affine=True, track_running_stats=True.
func (b *BatchNorm1d) ExtraRepr() string {
	return fmt.Sprintf("%d, eps=%s, momentum=%s, affine=%s, track_running_stats=%s",
		b.NumFeatures, pyFloat(b.Eps), pyFloat(b.Momentum), pyBool(b.Weight != nil), pyBool(b.RunningMean != nil))
}

// ExtraRepr is what Summary prints, as for BatchNorm1d.
func (b *BatchNorm2d) ExtraRepr() string { return (*BatchNorm1d)(b).ExtraRepr() }

func (b *BatchNorm1d) forward(name string, x *tensor.Tensor, rankOK bool, want string) *tensor.Tensor {
	c := b.NumFeatures
	if !rankOK || x.Size(1) != c {
		panic(&tensor.ShapeError{Op: name, A: x.Shape(), Why: fmt.Sprintf("expected %s input with %d channels", want, c)})
	}
	if b.eval && b.RunningMean != nil {
		return b.evalForward(x, channelShape(x.Dim(), x.Size(1)))
	}
	n := x.Numel() / x.Size(1)
	if n <= 1 {
		panic(&tensor.ShapeError{Op: name, A: x.Shape(), Why: "expected more than 1 value per channel when training"})
	}
	y, mean, v := tensor.BatchNorm(x, b.Weight, b.Bias, b.Eps)
	if !b.eval && b.RunningMean != nil {
		b.track(mean, v, n)
	}
	return y
}

// evalForward normalises with the running statistics, folded with the
// affine transform into one per-channel scale and shift: two passes over x.
func (b *BatchNorm1d) evalForward(x *tensor.Tensor, bshape []int) *tensor.Tensor {
	scale := b.RunningVar.AddScalar(b.Eps).PowScalar(-0.5)
	shift := b.RunningMean.Mul(scale).Neg()
	if b.Weight != nil {
		scale = scale.Mul(b.Weight)
		shift = shift.Mul(b.Weight).Add(b.Bias)
	}
	return x.Mul(scale.Reshape(bshape...)).Add(shift.Reshape(bshape...))
}

// track updates the running statistics with a batch's mean and biased
// variance over n values per channel.
func (b *BatchNorm1d) track(mean, v *tensor.Tensor, n int) {
	tensor.NoGrad(func() {
		m := b.Momentum
		c := b.RunningMean.Numel()
		b.RunningMean.MulScalarInPlace(1 - m)
		b.RunningMean.AddInPlace(mean.Reshape(c).MulScalar(m))
		b.RunningVar.MulScalarInPlace(1 - m)
		b.RunningVar.AddInPlace(v.Reshape(c).MulScalar(m * float32(n) / float32(n-1)))
		b.NumBatchesTracked.CopyFrom(tensor.FromInt64([]int64{b.NumBatchesTracked.Int64s()[0] + 1}, []int{}...))
	})
}

// affine returns y·w + b with w and b viewed as shape (either may be nil).
func affine(y, w, b *tensor.Tensor, shape []int) *tensor.Tensor {
	if w != nil {
		y = y.Mul(w.Reshape(shape...))
	}
	if b != nil {
		y = y.Add(b.Reshape(shape...))
	}
	return y
}

// channelShape is [C, 1, …] with one 1 per dim after the channel dim of a
// rank-dim input, so that it broadcasts along dim 1.
func channelShape(rank, c int) []int {
	s := []int{c}
	for d := 2; d < rank; d++ {
		s = append(s, 1)
	}
	return s
}

// LayerNorm normalises over the last len(NormalizedShape) dims of each
// sample, as torch.nn.LayerNorm:
//
//	y = (x − E[x]) / √(Var[x] + ε) · Weight + Bias
//
// with the mean and biased variance over those dims.
//
// Shape: [*, NormalizedShape...] → the same. Weight (ones) and Bias
// (zeros) have NormalizedShape, nil with NoAffine (elementwise_affine=False).
// Training and evaluation behave the same.
type LayerNorm struct {
	Weight          *tensor.Tensor
	Bias            *tensor.Tensor
	NormalizedShape []int
	Eps             float32
}

// NewLayerNorm returns LayerNorm(shape) with eps 1e-5 and an elementwise
// affine transform, changed by opts (Eps, NoAffine). It panics unless shape
// is non-empty with positive sizes.
func NewLayerNorm(shape []int, opts ...NormOption) *LayerNorm {
	if len(shape) == 0 || slices.ContainsFunc(shape, func(n int) bool { return n <= 0 }) {
		panic(&tensor.ShapeError{Op: "NewLayerNorm", A: shape, Why: "normalized_shape must be non-empty with positive sizes"})
	}
	c := newNormConfig(opts)
	l := &LayerNorm{NormalizedShape: append([]int{}, shape...), Eps: c.eps}
	if !c.noAffine {
		l.Weight = tensor.Ones(shape...).SetRequiresGrad(true)
		l.Bias = tensor.Zeros(shape...).SetRequiresGrad(true)
	}
	return l
}

// Forward normalises x. It panics (a *tensor.ShapeError) unless x's last
// dims are NormalizedShape.
func (l *LayerNorm) Forward(x *tensor.Tensor) *tensor.Tensor {
	k, s := len(l.NormalizedShape), x.Shape()
	if len(s) < k || !slices.Equal(s[len(s)-k:], l.NormalizedShape) {
		panic(&tensor.ShapeError{Op: "LayerNorm", A: s, B: l.NormalizedShape, Why: "input's last dims must be normalized_shape"})
	}
	return tensor.LayerNorm(x, l.NormalizedShape, l.Weight, l.Bias, l.Eps)
}

// ExtraRepr is what Summary prints: (10,), eps=1e-05, elementwise_affine=True.
func (l *LayerNorm) ExtraRepr() string {
	return fmt.Sprintf("%s, eps=%s, elementwise_affine=%s", pyTuple(l.NormalizedShape), pyFloat(l.Eps), pyBool(l.Weight != nil))
}

// GroupNorm splits the channels into Groups groups and normalises each
// group of each sample over its channels and spatial positions, as
// torch.nn.GroupNorm:
//
//	y = (x − E[x]) / √(Var[x] + ε) · Weight + Bias
//
// with the mean and biased variance per (sample, group), and a
// per-channel affine transform.
//
// Shape: [N, C, *] → the same. Weight (ones) and Bias (zeros) are [C], nil
// with NoAffine. Training and evaluation behave the same.
type GroupNorm struct {
	Weight   *tensor.Tensor
	Bias     *tensor.Tensor
	Groups   int
	Channels int
	Eps      float32
}

// NewGroupNorm returns GroupNorm(groups, channels) with eps 1e-5 and an
// affine transform, changed by opts (Eps, NoAffine). It panics unless
// groups and channels are positive and groups divides channels.
func NewGroupNorm(groups, channels int, opts ...NormOption) *GroupNorm {
	if groups <= 0 || channels <= 0 || channels%groups != 0 {
		panic(&tensor.ShapeError{Op: "NewGroupNorm", A: []int{groups, channels}, Why: "num_channels must be divisible by num_groups"})
	}
	c := newNormConfig(opts)
	g := &GroupNorm{Groups: groups, Channels: channels, Eps: c.eps}
	if !c.noAffine {
		g.Weight = tensor.Ones(channels).SetRequiresGrad(true)
		g.Bias = tensor.Zeros(channels).SetRequiresGrad(true)
	}
	return g
}

// Forward normalises x. It panics (a *tensor.ShapeError) unless x is
// [N, C, *] with C = Channels.
func (g *GroupNorm) Forward(x *tensor.Tensor) *tensor.Tensor {
	s := x.Shape()
	if len(s) < 2 || s[1] != g.Channels {
		panic(&tensor.ShapeError{Op: "GroupNorm", A: s, Why: fmt.Sprintf("expected [N, %d, *] input", g.Channels)})
	}
	y, _, _ := tensor.Normalize(x.Reshape(s[0], g.Groups, -1), g.Eps, 2)
	return affine(y.Reshape(s...), g.Weight, g.Bias, channelShape(len(s), g.Channels))
}

// ExtraRepr is what Summary prints: 2, 8, eps=1e-05, affine=True.
func (g *GroupNorm) ExtraRepr() string {
	return fmt.Sprintf("%d, %d, eps=%s, affine=%s", g.Groups, g.Channels, pyFloat(g.Eps), pyBool(g.Weight != nil))
}

func pyBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// pyTuple formats like Python's repr of a tuple of ints: (10,), (4, 5).
func pyTuple(s []int) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = strconv.Itoa(v)
	}
	if len(s) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
