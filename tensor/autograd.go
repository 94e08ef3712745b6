package tensor

import (
	"sync"
	"sync/atomic"

	"github.com/nervelab/nerve/internal/goroutine"
)

// node is an op in the autograd graph: the inputs it read and the function
// that maps the gradient of its output to the gradients of its inputs.
type node struct {
	op       string
	inputs   []*Tensor
	backward func(g *Tensor) []*Tensor // one entry per input; nil = no gradient
	freed    bool
}

// needsGrad reports whether an op on these inputs must record a graph node:
// grad mode is on for this goroutine and some input requires grad.
func needsGrad(ts ...*Tensor) bool {
	for _, t := range ts {
		if t != nil && t.requiresGrad {
			return GradEnabled()
		}
	}
	return false
}

// record makes out a non-leaf that requires grad, produced by op from inputs.
// Callers check needsGrad first so no closure is built in inference.
// backward receives the gradient of out (its shape) and must return, for each
// input, a gradient of that input's shape or nil. It runs with no graph
// recording of its own results (they are detached).
func record(out *Tensor, op string, inputs []*Tensor, backward func(g *Tensor) []*Tensor) {
	out.requiresGrad = true
	out.node = &node{op: op, inputs: inputs, backward: backward}
}

// RequiresGrad reports whether gradients flow to (or through) t.
func (t *Tensor) RequiresGrad() bool { return t.requiresGrad }

// SetRequiresGrad marks a leaf tensor as a parameter whose gradient Backward
// accumulates in Grad (true), or freezes it (false), like PyTorch's
// requires_grad_. It returns t. It panics when asked to freeze a non-leaf
// (use Detach).
func (t *Tensor) SetRequiresGrad(on bool) *Tensor {
	if t.node != nil && !on {
		panic(&GradError{Op: "SetRequiresGrad", Why: "cannot freeze a non-leaf tensor (the result of " +
			t.node.op + "); use Detach"})
	}
	if on && t.DType() != Float32 {
		panic(&DTypeError{Op: "SetRequiresGrad", Got: t.DType(), Want: "float32"})
	}
	t.requiresGrad = on
	return t
}

// Grad returns the gradient accumulated by Backward, or nil.
func (t *Tensor) Grad() *Tensor { return t.grad }

// SetGrad replaces the accumulated gradient (nil clears it). It panics if g's
// shape differs from t's.
func (t *Tensor) SetGrad(g *Tensor) {
	if g != nil && !sameShape(g.shape, t.shape) {
		shapePanic("SetGrad", t.shape, g.shape, "differ")
	}
	t.grad = g
}

// ZeroGrad clears the accumulated gradient (PyTorch's set_to_none).
func (t *Tensor) ZeroGrad() { t.grad = nil }

// IsLeaf reports whether t was created by the user rather than by an op
// that recorded a graph.
func (t *Tensor) IsLeaf() bool { return t.node == nil }

// Detach returns a view of t's data that is cut from the graph and does not
// require grad.
func (t *Tensor) Detach() *Tensor {
	return t.view(t.shape, t.strides, t.offset)
}

// BackwardOption changes how Backward runs.
type BackwardOption func(*backwardConfig)

type backwardConfig struct{ retain bool }

// RetainGraph keeps the graph after Backward so a second Backward through it
// works (PyTorch's retain_graph=True).
func RetainGraph() BackwardOption { return func(c *backwardConfig) { c.retain = true } }

// Backward computes the gradient of the scalar t with respect to every leaf
// that requires grad and adds it to that leaf's Grad. The graph is freed
// afterwards unless RetainGraph is given. It panics if t has more than one
// element (use BackwardWith), does not require grad, or was reached through
// a graph already freed.
func (t *Tensor) Backward(opts ...BackwardOption) {
	if t.Numel() != 1 {
		panic(&GradError{Op: "Backward", Why: "grad can be implicitly created only for scalar outputs, got shape " +
			shapeString(t.shape) + "; use BackwardWith"})
	}
	t.BackwardWith(Ones(t.shape...), opts...)
}

// BackwardWith is Backward for a tensor of any shape, seeded with the
// gradient g of t's shape (the vector in a vector-Jacobian product).
func (t *Tensor) BackwardWith(g *Tensor, opts ...BackwardOption) {
	var cfg backwardConfig
	for _, o := range opts {
		o(&cfg)
	}
	if !t.requiresGrad {
		panic(&GradError{Op: "Backward", Why: "tensor does not require grad and has no grad_fn"})
	}
	if !sameShape(g.shape, t.shape) {
		shapePanic("Backward", t.shape, g.shape, "differ: the gradient must have the output's shape")
	}
	order := topoOrder(t)
	grads := map[*Tensor]*Tensor{t: g.Detach()}
	for i := len(order) - 1; i >= 0; i-- {
		v := order[i]
		gv := grads[v]
		delete(grads, v)
		if gv == nil {
			continue
		}
		if v.node == nil {
			v.accumulate(gv)
			continue
		}
		propagate(v, gv, grads)
		if !cfg.retain {
			v.node.free()
		}
	}
}

func propagate(v, gv *Tensor, grads map[*Tensor]*Tensor) {
	gs := v.node.backward(gv)
	for j, in := range v.node.inputs {
		if j >= len(gs) || gs[j] == nil || !in.requiresGrad {
			continue
		}
		gj := gs[j]
		if !sameShape(gj.shape, in.shape) {
			panic(&GradError{Op: v.node.op + "Backward", Why: "internal error: gradient of shape " +
				shapeString(gj.shape) + " for input of shape " + shapeString(in.shape)})
		}
		owned := gj.owned
		gj = gj.Detach()
		if prev := grads[in]; prev != nil {
			gj, owned = binaryRaw("Add", addOp, prev, gj), true
		}
		gj.owned = owned
		grads[in] = gj
	}
}

func (t *Tensor) accumulate(g *Tensor) {
	if t.grad == nil {
		if g.owned && g.offset == 0 && g.IsContiguous() {
			// A fresh gradient nothing else refers to (see propagate).
			g.owned = false
			t.grad = g
			return
		}
		t.grad = g.dense()
		if t.grad == g {
			// Own the storage: g may alias an input's or the seed's data.
			t.grad = g.copyRaw()
		}
		return
	}
	t.grad = binaryRaw("Add", addOp, t.grad, g)
}

func (n *node) free() {
	n.freed = true
	n.inputs = nil
	n.backward = nil
}

// topoOrder returns the tensors that require grad reachable from root, each
// after all its inputs.
func topoOrder(root *Tensor) []*Tensor {
	var order []*Tensor
	seen := map[*Tensor]bool{}
	type frame struct {
		t    *Tensor
		next int
	}
	stack := []frame{{t: root}}
	seen[root] = true
	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		n := f.t.node
		if n != nil && n.freed {
			panic(&GradError{Op: "Backward", Why: "trying to backward through the graph a second time " +
				"(the graph of " + n.op + " was freed by an earlier Backward); pass RetainGraph() to the first call"})
		}
		if n != nil && f.next < len(n.inputs) {
			in := n.inputs[f.next]
			f.next++
			if in.requiresGrad && !seen[in] {
				seen[in] = true
				stack = append(stack, frame{t: in})
			}
			continue
		}
		order = append(order, f.t)
		stack = stack[:len(stack)-1]
	}
	return order
}

// Grad mode. No-grad scopes are per goroutine: NoGrad on one goroutine never
// turns off recording on another. While no scope is open anywhere, checking
// the mode costs one atomic load.
var (
	noGradScopes atomic.Int64
	noGradByG    sync.Map // goroutine id -> *int64 depth
)

// NoGrad runs fn with graph recording off on the calling goroutine, for
// inference: ops inside fn build no graph and their results do not require
// grad. Other goroutines are unaffected, so many goroutines may run inference
// on one model at once while another trains. Scopes nest.
func NoGrad(fn func()) {
	id := goroutine.ID()
	v, _ := noGradByG.LoadOrStore(id, new(int64))
	depth := v.(*int64)
	*depth++
	noGradScopes.Add(1)
	defer func() {
		noGradScopes.Add(-1)
		*depth--
		if *depth == 0 {
			noGradByG.Delete(id)
		}
	}()
	fn()
}

// GradEnabled reports whether ops on the calling goroutine record a graph.
func GradEnabled() bool {
	if noGradScopes.Load() == 0 {
		return true
	}
	_, off := noGradByG.Load(goroutine.ID())
	return !off
}
