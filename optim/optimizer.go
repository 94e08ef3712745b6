package optim

import (
	"math"

	"github.com/nervelab/nerve/tensor"
)

// Optimizer updates parameters from their gradients.
type Optimizer interface {
	// Step applies one update to every parameter that has a gradient and
	// requires grad. It records no graph.
	Step()
	// ZeroGrad clears every parameter's gradient (PyTorch's set_to_none).
	ZeroGrad()
	// LR returns the first group's learning rate.
	LR() float64
	// SetLR sets every group's learning rate.
	SetLR(lr float64)
	// Groups returns the parameter groups; schedulers may edit their LR
	// and WeightDecay.
	Groups() []*Group
	// State returns a snapshot of the optimizer's buffers, step counts and
	// hyperparameters.
	State() (*State, error)
	// LoadState restores a snapshot taken by State from an optimizer of the
	// same kind built the same way (same parameter shapes and order).
	LoadState(*State) error
}

// Zero is an explicit zero for a config or Group field whose zero value
// stands for a non-zero default. AdamConfig{Beta1: optim.Zero} sets β₁ to 0
// where Beta1: 0 means PyTorch's 0.9; Group{WeightDecay: optim.Zero} turns
// weight decay off for a group whose optimizer config sets it. Zero is
// negative zero, so it is 0 wherever it is used as a number.
var Zero = math.Copysign(0, -1)

// OrDefault resolves a config field the way this package's constructors
// do: x itself if non-zero, def for a plain 0, and 0 for Zero. Packages
// whose configs follow the same convention (optim/sched) use it too.
func OrDefault(x, def float64) float64 {
	if x != 0 {
		return x
	}
	if math.Signbit(x) {
		return 0
	}
	return def
}

// Group is a set of parameters sharing a learning rate and weight decay, as
// in PyTorch's param_groups. In the New*Groups constructors a zero LR or
// WeightDecay takes the config's value and Zero sets 0:
//
//	optim.NewAdamWGroups([]optim.Group{
//		{Params: weights},                         // config's lr and decay
//		{Params: biases, WeightDecay: optim.Zero}, // no decay
//	}, optim.AdamWConfig{LR: 1e-3})
//
// After construction the fields hold the values in use.
type Group struct {
	Params      []*tensor.Tensor
	LR          float64
	WeightDecay float64
}

// base holds what every optimizer shares: groups and per-parameter state.
type base struct {
	kind     string // the optimizer's name, checked by LoadState
	groups   []*Group
	bufs     []map[string]*tensor.Tensor // by flat parameter index
	steps    []int
	momentum *float64 // the hyperparameter SetMomentum changes, or nil
}

func newBase(kind string, groups []Group, lr, wd float64) base {
	b := base{kind: kind}
	lr, wd = OrDefault(lr, 0), OrDefault(wd, 0) // Zero in a config is 0
	n := 0
	for _, g := range groups {
		g.Params = append([]*tensor.Tensor(nil), g.Params...)
		g.LR = OrDefault(g.LR, lr)
		g.WeightDecay = OrDefault(g.WeightDecay, wd)
		b.groups = append(b.groups, &g)
		n += len(g.Params)
	}
	b.bufs = make([]map[string]*tensor.Tensor, n)
	for i := range b.bufs {
		b.bufs[i] = map[string]*tensor.Tensor{}
	}
	b.steps = make([]int, n)
	return b
}

func oneGroup(params []*tensor.Tensor) []Group { return []Group{{Params: params}} }

// each calls fn for every parameter with a gradient that requires grad,
// inside tensor.NoGrad, with the parameter's flat index.
func (b *base) each(fn func(g *Group, i int, p, grad *tensor.Tensor)) {
	tensor.NoGrad(func() {
		i := 0
		for _, g := range b.groups {
			for _, p := range g.Params {
				if p.Grad() != nil && p.RequiresGrad() {
					fn(g, i, p, p.Grad())
				}
				i++
			}
		}
	})
}

// buf returns parameter i's buffer name, creating it filled with v.
func (b *base) buf(i int, name string, p *tensor.Tensor, v float32) *tensor.Tensor {
	t, ok := b.bufs[i][name]
	if !ok {
		t = tensor.Full(v, p.Shape()...)
		b.bufs[i][name] = t
	}
	return t
}

// ZeroGrad clears every parameter's gradient.
func (b *base) ZeroGrad() {
	for _, g := range b.groups {
		for _, p := range g.Params {
			p.ZeroGrad()
		}
	}
}

// LR returns the first group's learning rate.
func (b *base) LR() float64 { return b.groups[0].LR }

// SetLR sets every group's learning rate.
func (b *base) SetLR(lr float64) {
	for _, g := range b.groups {
		g.LR = lr
	}
}

// Groups returns the parameter groups.
func (b *base) Groups() []*Group { return b.groups }

func f32(x float64) float32 { return float32(x) }
