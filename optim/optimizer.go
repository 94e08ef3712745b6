package optim

import (
	"fmt"
	"strconv"
	"strings"

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
	// Groups returns the parameter groups; schedulers may edit their LR.
	Groups() []*Group
	// State returns a snapshot of the optimizer's buffers, step counts and
	// group hyperparameters.
	State() (*State, error)
	// LoadState restores a snapshot taken by State from an optimizer built
	// the same way (same parameter shapes and order).
	LoadState(*State) error
}

// Group is a set of parameters sharing a learning rate and weight decay, as
// in PyTorch's param_groups. In the *Groups constructors a zero LR or
// WeightDecay falls back to the config's value, so a group cannot turn off
// weight decay that the config sets; use a config with WeightDecay 0 and set
// it per group instead.
type Group struct {
	Params      []*tensor.Tensor
	LR          float64
	WeightDecay float64
}

// State is a snapshot of an optimizer. Buffers are keyed by
// "<param index>.<name>" (e.g. "0.exp_avg"), where the index counts
// parameters across groups in order, as PyTorch's state_dict does. Steps
// maps a parameter index to its update count. Groups and Steps are
// JSON-encodable; Buffers are tensors, to be saved as tensors (for example
// in safetensors).
type State struct {
	Groups  []GroupState              `json:"groups"`
	Steps   map[int]int               `json:"steps"`
	Buffers map[string]*tensor.Tensor `json:"-"`
}

// GroupState is one group's hyperparameters in a State.
type GroupState struct {
	LR          float64 `json:"lr"`
	WeightDecay float64 `json:"weight_decay"`
}

// base holds what every optimizer shares: groups and per-parameter state.
type base struct {
	groups []*Group
	bufs   []map[string]*tensor.Tensor // by flat parameter index
	steps  []int
}

func newBase(groups []Group, lr, wd float64) base {
	var b base
	n := 0
	for _, g := range groups {
		g.Params = append([]*tensor.Tensor(nil), g.Params...)
		if g.LR == 0 {
			g.LR = lr
		}
		if g.WeightDecay == 0 {
			g.WeightDecay = wd
		}
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

func (b *base) ZeroGrad() {
	for _, g := range b.groups {
		for _, p := range g.Params {
			p.ZeroGrad()
		}
	}
}

func (b *base) LR() float64 { return b.groups[0].LR }

func (b *base) SetLR(lr float64) {
	for _, g := range b.groups {
		g.LR = lr
	}
}

func (b *base) Groups() []*Group { return b.groups }

func (b *base) State() (*State, error) {
	s := &State{Steps: map[int]int{}, Buffers: map[string]*tensor.Tensor{}}
	for _, g := range b.groups {
		s.Groups = append(s.Groups, GroupState{LR: g.LR, WeightDecay: g.WeightDecay})
	}
	for i, m := range b.bufs {
		if b.steps[i] != 0 {
			s.Steps[i] = b.steps[i]
		}
		for name, t := range m {
			s.Buffers[strconv.Itoa(i)+"."+name] = t.Clone()
		}
	}
	return s, nil
}

func (b *base) LoadState(s *State) error {
	if len(s.Groups) != len(b.groups) {
		return fmt.Errorf("optim: LoadState: state has %d groups, optimizer %d", len(s.Groups), len(b.groups))
	}
	bufs := make([]map[string]*tensor.Tensor, len(b.bufs))
	for i := range bufs {
		bufs[i] = map[string]*tensor.Tensor{}
	}
	for key, t := range s.Buffers {
		idx, name, ok := strings.Cut(key, ".")
		i, err := strconv.Atoi(idx)
		if !ok || err != nil || i < 0 || i >= len(bufs) {
			return fmt.Errorf("optim: LoadState: bad buffer key %q", key)
		}
		if p := b.param(i); !sameShape(p.Shape(), t.Shape()) {
			return fmt.Errorf("optim: LoadState: buffer %q has shape %v, parameter %v", key, t.Shape(), p.Shape())
		}
		bufs[i][name] = t.Clone()
	}
	steps := make([]int, len(b.steps))
	for i, n := range s.Steps {
		if i < 0 || i >= len(steps) {
			return fmt.Errorf("optim: LoadState: step for parameter %d of %d", i, len(steps))
		}
		steps[i] = n
	}
	for k, g := range s.Groups {
		b.groups[k].LR, b.groups[k].WeightDecay = g.LR, g.WeightDecay
	}
	b.bufs, b.steps = bufs, steps
	return nil
}

func (b *base) param(i int) *tensor.Tensor {
	for _, g := range b.groups {
		if i < len(g.Params) {
			return g.Params[i]
		}
		i -= len(g.Params)
	}
	return nil
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func f32(x float64) float32 { return float32(x) }
