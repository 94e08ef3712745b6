package tensor

import (
	"sync"
	"sync/atomic"

	"github.com/nervelab/nerve/internal/device"
	"github.com/nervelab/nerve/internal/goroutine"
)

// node is an op in the autograd graph: the inputs it read and the function
// that maps the gradient of its output to the gradients of its inputs.
type node struct {
	op       string
	inputs   []*Tensor
	backward func(g *Tensor) []*Tensor // one entry per input; nil = no gradient
	release  func()                    // gives back what only backward read; nil = nothing
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
// recording of its own results (they are detached). Backward frees the
// tensors that backward allocates and does not return once it returns, and
// the gradients it returns once they are consumed, so backward must keep no
// reference to any tensor it allocates.
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
	t.grad, t.gradOwned = g, false
}

// ZeroGrad clears the accumulated gradient (PyTorch's set_to_none). A
// gradient that Backward allocated is given back to the device for the next
// Backward to reuse, so a tensor obtained from Grad before ZeroGrad must not
// be used afterwards (it panics with device.ErrFreed); Clone it to keep it.
func (t *Tensor) ZeroGrad() {
	if t.grad != nil && t.gradOwned {
		t.grad.dev.Free(t.grad.buf)
	}
	t.grad, t.gradOwned = nil, false
}

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

type backwardConfig struct{ retain, freeActivations bool }

// RetainGraph keeps the graph after Backward so a second Backward through it
// works (PyTorch's retain_graph=True).
func RetainGraph() BackwardOption { return func(c *backwardConfig) { c.retain = true } }

// FreeActivations makes Backward also give back, once it is done, the
// storage of every tensor the graph computed (the activations: each
// non-leaf that requires grad, except the tensor Backward is called on),
// so that the next training step reuses it instead of taking new memory
// from the heap. PyTorch frees activations when the training loop drops its
// last reference to them; nerve cannot see references, so a loop that
// keeps no activation past Backward says so with this option. Leaves
// (parameters), tensors that do not require grad (inputs, targets) and
// whatever the graph read but did not compute keep their storage. An
// activation, or a view of one (Detach shares storage), used afterwards
// panics with ErrFreed: read what you need (predictions for a metric)
// before Backward, or Clone it. It has no effect with RetainGraph.
func FreeActivations() BackwardOption {
	return func(c *backwardConfig) { c.freeActivations = true }
}

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
	if len(opts) > 0 { // the options get a heap copy: none, no allocation
		c := new(backwardConfig)
		for _, o := range opts {
			o(c)
		}
		cfg = *c
	}
	if !t.requiresGrad {
		panic(&GradError{Op: "Backward", Why: "tensor does not require grad and has no grad_fn"})
	}
	if !sameShape(g.shape, t.shape) {
		shapePanic("Backward", t.shape, g.shape, "differ: the gradient must have the output's shape")
	}
	order := topoOrder(t)
	var activations []device.Buffer
	if cfg.freeActivations && !cfg.retain {
		activations = computed(t, order)
	}
	grads := map[*Tensor]*Tensor{t: g.Detach()}
	ar := beginArena(t.dev)
	defer ar.end()
	for i := len(order) - 1; i >= 0; i-- {
		v := order[i]
		gv := grads[v]
		delete(grads, v)
		if gv == nil {
			continue
		}
		if v.node == nil {
			v.accumulate(gv, ar)
			continue
		}
		ar.fresh = ar.fresh[:0]
		gs := v.node.backward(gv)
		propagate(v, gs, grads, ar)
		ar.release(gv.buf)
		if !cfg.retain {
			v.node.free()
		}
	}
	for _, b := range activations {
		t.dev.Free(b)
	}
}

// computed returns the storage of the non-leaves in order (the graph under
// root), except root's and any that a leaf, or an input not requiring grad,
// shares: the buffers only the graph's ops wrote.
func computed(root *Tensor, order []*Tensor) []device.Buffer {
	keep := map[device.Buffer]bool{root.buf: true}
	for _, v := range order {
		if v.node == nil {
			keep[v.buf] = true
			continue
		}
		for _, in := range v.node.inputs {
			if in.node == nil || !in.requiresGrad {
				keep[in.buf] = true
			}
		}
	}
	var bufs []device.Buffer
	for _, v := range order {
		if v.node != nil && !keep[v.buf] {
			keep[v.buf] = true // once
			bufs = append(bufs, v.buf)
		}
	}
	return bufs
}

// propagate adds the gradients gs that v's backward returned to the
// pending gradients of v's inputs, then frees what the backward allocated
// and nothing holds (its temporaries, gradients for inputs that need none).
func propagate(v *Tensor, gs []*Tensor, grads map[*Tensor]*Tensor, ar *gradArena) {
	if len(ar.fresh) > 0 && ar.refs == nil {
		ar.refs = map[device.Buffer]int{}
	}
	for _, b := range ar.fresh {
		ar.refs[b] = 0
	}
	fresh := len(ar.fresh)
	for j, in := range v.node.inputs {
		if j >= len(gs) || gs[j] == nil || !in.requiresGrad {
			continue
		}
		gj := gs[j]
		if !sameShape(gj.shape, in.shape) {
			panic(&GradError{Op: v.node.op + "Backward", Why: "internal error: gradient of shape " +
				shapeString(gj.shape) + " for input of shape " + shapeString(in.shape)})
		}
		if gj.node != nil || gj.requiresGrad { // the gradient must not carry a graph
			gj = gj.Detach()
		}
		if prev := grads[in]; prev != nil {
			sum := binaryRaw("Add", addOp, prev, gj)
			if ar.refs == nil {
				ar.refs = map[device.Buffer]int{}
			}
			ar.refs[sum.buf] = 0
			ar.release(prev.buf)
			gj = sum
		}
		ar.retain(gj.buf)
		grads[in] = gj
	}
	for _, b := range ar.fresh[:fresh] {
		if n, ok := ar.refs[b]; ok && n == 0 {
			ar.free(b)
		}
	}
}

// accumulate adds the gradient g to the leaf t's Grad. A gradient that
// Backward allocated and nothing else uses becomes the Grad itself; an
// existing Grad is added to in place, as PyTorch does.
func (t *Tensor) accumulate(g *Tensor, ar *gradArena) {
	defer ar.release(g.buf)
	if t.grad == nil {
		if ar.refs[g.buf] == 1 && g.offset == 0 && g.IsContiguous() && g.buf.Len() == g.Numel() {
			delete(ar.refs, g.buf) // t's now
			t.grad, t.gradOwned = g, true
			return
		}
		t.grad, t.gradOwned = g.copyRaw(), true
		return
	}
	// In place, as PyTorch's grad += g (the old code added into a
	// temporary and copied it back: two more passes and a buffer).
	gr := t.grad
	gr.dev.Binary(device.Add, gr.buf, gr.layout(), gr.buf, gr.layout(), g.buf, g.layout())
}

// gradArena tracks, for one Backward on one goroutine, the buffers of at
// least trackMin elements that backward functions allocate (fresh, since
// the last reset) and, for each such buffer still in use, how many pending
// gradients refer to it (refs): a buffer no gradient refers to any more is
// given back to the device. Smaller ones are left to the collector.
type gradArena struct {
	gid   uintptr // the goroutine running the Backward; 0 tracks nothing
	dev   device.Device
	fresh []device.Buffer
	refs  map[device.Buffer]int
}

const trackMin = 256

// activeArena is the arena of the Backward running now, if one is, so
// that noteAlloc costs one atomic load otherwise. A Backward that starts
// while another runs (on another goroutine, or inside a backward function)
// tracks nothing and so frees nothing.
var activeArena atomic.Pointer[gradArena]

func beginArena(dev device.Device) *gradArena {
	ar := &gradArena{gid: goroutine.ID(), dev: dev}
	if !activeArena.CompareAndSwap(nil, ar) {
		ar.gid = 0
	}
	return ar
}

func (ar *gradArena) end() { activeArena.CompareAndSwap(ar, nil) }

// noteAlloc records a buffer allocated by the goroutine running Backward.
func noteAlloc(b device.Buffer) {
	ar := activeArena.Load()
	if ar == nil || b.Len() < trackMin || ar.gid != goroutine.ID() {
		return
	}
	ar.fresh = append(ar.fresh, b)
}

func (ar *gradArena) retain(b device.Buffer) {
	if n, ok := ar.refs[b]; ok {
		ar.refs[b] = n + 1
	}
}

// release drops one reference to b and frees it when it was the last.
func (ar *gradArena) release(b device.Buffer) {
	n, ok := ar.refs[b]
	if !ok {
		return
	}
	if n <= 1 {
		ar.free(b)
		return
	}
	ar.refs[b] = n - 1
}

func (ar *gradArena) free(b device.Buffer) {
	delete(ar.refs, b)
	ar.dev.Free(b)
}

func (n *node) free() {
	n.freed = true
	n.inputs = nil
	n.backward = nil
	if n.release != nil {
		n.release()
		n.release = nil
	}
}

// topoOrder returns the tensors that require grad reachable from root, each
// after all its inputs.
func topoOrder(root *Tensor) []*Tensor {
	order := make([]*Tensor, 0, 16)
	seen := map[*Tensor]bool{}
	type frame struct {
		t    *Tensor
		next int
	}
	stack := append(make([]frame, 0, 32), frame{t: root}) // on the stack unless the graph is deep
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
