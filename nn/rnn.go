package nn

import (
	"fmt"
	"math"
	"strings"

	"github.com/nervelab/nerve/tensor"
)

// RNNOption configures NewRNN, NewLSTM and NewGRU.
type RNNOption func(*rnnConfig)

type rnnConfig struct {
	layers                      int
	batchFirst, bidir, relu, nb bool
	dropout                     float32
	gen                         *tensor.Generator
}

// Layers stacks n recurrent layers, each fed the previous one's output
// (PyTorch's num_layers; default 1).
func Layers(n int) RNNOption { return func(c *rnnConfig) { c.layers = n } }

// BatchFirst makes input and output [N, T, features] (PyTorch's
// batch_first=True); the states stay [D·L, N, H].
func BatchFirst() RNNOption { return func(c *rnnConfig) { c.batchFirst = true } }

// Bidirectional adds a layer running backwards in time to every layer;
// their outputs are concatenated (PyTorch's bidirectional=True).
func Bidirectional() RNNOption { return func(c *rnnConfig) { c.bidir = true } }

// RNNDropout applies dropout with probability p to the output of every
// layer but the last, in training mode only (PyTorch's dropout).
func RNNDropout(p float32) RNNOption { return func(c *rnnConfig) { c.dropout = p } }

// NonlinearityReLU makes an RNN use ReLU instead of tanh (PyTorch's
// nonlinearity='relu'). LSTM and GRU ignore it.
func NonlinearityReLU() RNNOption { return func(c *rnnConfig) { c.relu = true } }

// RNNNoBias leaves out the biases (PyTorch's bias=False).
func RNNNoBias() RNNOption { return func(c *rnnConfig) { c.nb = true } }

// RNNGenerator draws the initial weights (and the dropout masks) from g
// rather than from tensor's global generator.
func RNNGenerator(g *tensor.Generator) RNNOption { return func(c *rnnConfig) { c.gen = g } }

// RNNWeights holds the parameters of one layer in one direction.
type RNNWeights struct {
	WeightIH, WeightHH *tensor.Tensor // [G·H, in_k], [G·H, H]
	BiasIH, BiasHH     *tensor.Tensor // [G·H] each, nil without biases
}

// RNNBase is what the recurrent layers RNN (Elman, tanh or ReLU), LSTM
// and GRU share, as torch.nn.RNN, torch.nn.LSTM and torch.nn.GRU share
// RNNBase: the configuration, the weights and the loop over layers and
// time. Its sizes and flags describe the weights the constructor made:
// read them, but change only Dropout.
//
// Shapes (T time steps, N batch, D = 2 if bidirectional else 1, L layers,
// H hidden size): input [T, N, in], or [N, T, in] with BatchFirst, or
// unbatched [T, in]; output [T, N, D·H] ([N, T, D·H] with BatchFirst,
// [T, D·H] unbatched); initial and final states [D·L, N, H] ([D·L, H]
// unbatched), whatever BatchFirst says, as in PyTorch.
//
// Parameters carry PyTorch's names, so state dicts move both ways:
// weight_ih_l{k} [G·H, in_k], weight_hh_l{k} [G·H, H], bias_ih_l{k} and
// bias_hh_l{k} [G·H], with the suffix _reverse for the backward direction;
// in_k is in for the first layer and D·H above it; G is 1 (RNN), 4 (LSTM,
// gates i, f, g, o in that order) or 3 (GRU, gates r, z, n). All are
// initialised uniform in ±1/√H, PyTorch's default, from tensor's global
// generator or from RNNGenerator's.
//
// Each layer and direction computes the input projection of all time
// steps in one gemm (tensor.Linear over [T·N, in]); a step then costs one
// h·W_hhᵀ gemm and one fused pass over the gates (tensor.LSTMLayer,
// GRULayer and RNNLayer, one graph node per layer and direction), or the
// gates' element-wise ops on a device without fused cells.
//
// RNNDropout drops between layers in training mode only (nn.Train,
// nn.Eval, as PyTorch's module.train()). Not supported: proj_size and
// packed (variable-length) sequences.
type RNNBase struct {
	InputSize, HiddenSize, NumLayers int
	BatchFirst, Bidirectional        bool
	Dropout                          float32           // between layers, in training mode
	Generator                        *tensor.Generator // dropout masks; nil: tensor's global generator

	// Weights[k·D + d] holds layer k's parameters in direction d (0
	// forwards, 1 backwards). The parameter walk names them as PyTorch
	// does (weight_ih_l0, …), not after this field.
	Weights []RNNWeights

	mode  string // "RNN_TANH", "RNN_RELU", "LSTM", "GRU"
	gates int
	eval  bool
}

func newRNNBase(op, mode string, gates, in, hidden int, opts []RNNOption) RNNBase {
	c := rnnConfig{layers: 1}
	for _, o := range opts {
		o(&c)
	}
	if in <= 0 || hidden <= 0 || c.layers <= 0 {
		panic(&tensor.ShapeError{Op: op, A: []int{in, hidden, c.layers}, Why: "input size, hidden size and number of layers must be positive"})
	}
	if !(c.dropout >= 0 && c.dropout <= 1) {
		panic(&tensor.IndexError{Op: op, Why: fmt.Sprintf("dropout should be a number in range [0, 1], got %v", c.dropout)})
	}
	if mode == "RNN_TANH" && c.relu {
		mode = "RNN_RELU"
	}
	r := RNNBase{InputSize: in, HiddenSize: hidden, NumLayers: c.layers, BatchFirst: c.batchFirst,
		Bidirectional: c.bidir, Dropout: c.dropout, Generator: c.gen, mode: mode, gates: gates}
	g := genOr(c.gen)
	bound := float32(1 / math.Sqrt(float64(hidden)))
	u := func(shape ...int) *tensor.Tensor { return g.Uniform(-bound, bound, shape...).SetRequiresGrad(true) }
	D := r.dirs()
	for k := 0; k < c.layers; k++ {
		inK := in
		if k > 0 {
			inK = D * hidden
		}
		for d := 0; d < D; d++ {
			w := RNNWeights{WeightIH: u(gates*hidden, inK), WeightHH: u(gates*hidden, hidden)}
			if !c.nb {
				w.BiasIH, w.BiasHH = u(gates*hidden), u(gates*hidden)
			}
			r.Weights = append(r.Weights, w)
		}
	}
	return r
}

func (r *RNNBase) dirs() int {
	if r.Bidirectional {
		return 2
	}
	return 1
}

// namedTensors names the weights as PyTorch does: weight_ih_l0,
// weight_hh_l0, bias_ih_l0, bias_hh_l0, then weight_ih_l0_reverse, …
func (r *RNNBase) namedTensors() []Named {
	var out []Named
	D := r.dirs()
	for i, w := range r.Weights {
		suffix := fmt.Sprintf("_l%d", i/D)
		if i%D == 1 {
			suffix += "_reverse"
		}
		out = append(out, Named{"weight_ih" + suffix, w.WeightIH}, Named{"weight_hh" + suffix, w.WeightHH},
			Named{"bias_ih" + suffix, w.BiasIH}, Named{"bias_hh" + suffix, w.BiasHH})
	}
	return out
}

// SetTraining switches dropout between layers on (training) or off.
func (r *RNNBase) SetTraining(on bool) { r.eval = !on }

// ExtraRepr is what Summary prints, as PyTorch: 28, 128, num_layers=2,
// batch_first=True.
func (r *RNNBase) ExtraRepr() string {
	s := []string{fmt.Sprint(r.InputSize), fmt.Sprint(r.HiddenSize)}
	if r.NumLayers != 1 {
		s = append(s, fmt.Sprintf("num_layers=%d", r.NumLayers))
	}
	if r.mode == "RNN_RELU" {
		s = append(s, "nonlinearity=relu")
	}
	if len(r.Weights) > 0 && r.Weights[0].BiasIH == nil {
		s = append(s, "bias=False")
	}
	if r.BatchFirst {
		s = append(s, "batch_first=True")
	}
	if r.Dropout != 0 {
		s = append(s, fmt.Sprintf("dropout=%v", r.Dropout))
	}
	if r.Bidirectional {
		s = append(s, "bidirectional=True")
	}
	return strings.Join(s, ", ")
}

// forward runs all layers over x from the states h0 (and c0 for an LSTM),
// nil meaning zeros, and returns the output and the final states.
func (r *RNNBase) forward(op string, x, h0, c0 *tensor.Tensor) (out, hn, cn *tensor.Tensor) {
	unbatched := x.Dim() == 2
	switch {
	case unbatched:
		x = x.Unsqueeze(1)
	case x.Dim() == 3 && r.BatchFirst:
		x = x.Transpose(0, 1)
	case x.Dim() != 3:
		panic(&tensor.ShapeError{Op: op, A: x.Shape(), Why: "input must be 2-D (unbatched) or 3-D"})
	}
	T, N := x.Size(0), x.Size(1)
	if x.Size(2) != r.InputSize {
		panic(&tensor.ShapeError{Op: op, A: x.Shape(), Why: fmt.Sprintf("input.size(-1) must be equal to input_size: expected %d, got %d", r.InputSize, x.Size(2))})
	}
	D, H := r.dirs(), r.HiddenSize
	h0 = r.state(op, h0, unbatched, N)
	if r.gates == 4 {
		c0 = r.state(op, c0, unbatched, N)
	}
	var hs, cs []*tensor.Tensor
	layer := x
	for k := 0; k < r.NumLayers; k++ {
		if k > 0 && r.Dropout > 0 && !r.eval {
			layer = r.dropout(layer)
		}
		outs := make([]*tensor.Tensor, D)
		for d := 0; d < D; d++ {
			i := k*D + d
			var c *tensor.Tensor
			if c0 != nil {
				c = c0.Narrow(0, i, 1).Reshape(N, H)
			}
			var h *tensor.Tensor
			outs[d], h, c = r.direction(&r.Weights[i], layer, h0.Narrow(0, i, 1).Reshape(N, H), c, d == 1)
			hs, cs = append(hs, h), append(cs, c)
		}
		layer = outs[0]
		if D == 2 {
			layer = tensor.Cat(outs, 2)
		}
	}
	out, hn = layer, tensor.Stack(hs, 0)
	if r.gates == 4 {
		cn = tensor.Stack(cs, 0)
	}
	switch {
	case unbatched:
		out, hn = out.Reshape(T, D*H), hn.Reshape(-1, H)
		if cn != nil {
			cn = cn.Reshape(-1, H)
		}
	case r.BatchFirst:
		out = out.Transpose(0, 1)
	}
	return out, hn, cn
}

// state checks an initial state against [D·L, N, H] ([D·L, H] unbatched)
// and returns it batched, or zeros for nil.
func (r *RNNBase) state(op string, s *tensor.Tensor, unbatched bool, n int) *tensor.Tensor {
	want := []int{r.dirs() * r.NumLayers, n, r.HiddenSize}
	if s == nil {
		return tensor.Zeros(want...)
	}
	if unbatched {
		if s.Dim() != 2 {
			panic(&tensor.ShapeError{Op: op, A: s.Shape(), B: []int{want[0], want[2]}, Why: "for unbatched input the initial state must be 2-D"})
		}
		s = s.Unsqueeze(1)
	}
	got := s.Shape()
	if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		panic(&tensor.ShapeError{Op: op, A: got, B: want, Why: "initial state has the wrong shape (want [D·num_layers, N, hidden])"})
	}
	return s
}

func (r *RNNBase) dropout(x *tensor.Tensor) *tensor.Tensor {
	if r.Dropout >= 1 {
		return x.MulScalar(0)
	}
	keep := genOr(r.Generator).Rand(x.Shape()...).GtScalar(r.Dropout).MulScalar(1 / (1 - r.Dropout))
	return x.Mul(keep)
}

// direction runs one layer in one direction over x [T, N, in] from h (and
// c) [N, H]; it returns the output [T, N, H] and the final states.
func (r *RNNBase) direction(w *RNNWeights, x, h, c *tensor.Tensor, reverse bool) (out, hT, cT *tensor.Tensor) {
	T, N := x.Size(0), x.Size(1)
	if T == 0 {
		return tensor.Zeros(0, N, r.HiddenSize), h, c
	}
	if out, hT, cT, ok := r.fused(w, x, h, c, reverse); ok {
		return out, hT, cT
	}
	G := r.gates * r.HiddenSize
	xp := tensor.Linear(x, w.WeightIH, w.BiasIH) // [T, N, G·H], all steps in one gemm
	ys := make([]*tensor.Tensor, T)
	for s := 0; s < T; s++ {
		t := s
		if reverse {
			t = T - 1 - s
		}
		xt := xp.Narrow(0, t, 1).Reshape(N, G)
		h, c = r.cell(w, xt, h, c)
		ys[t] = h
	}
	return tensor.Stack(ys, 0), h, c
}

// fused runs the layer as one op of the tensor package (one gemm and one
// pass over the gates per step), if the device offers it.
func (r *RNNBase) fused(w *RNNWeights, x, h, c *tensor.Tensor, reverse bool) (out, hT, cT *tensor.Tensor, ok bool) {
	if !fusedRNN {
		return nil, nil, nil, false
	}
	var xp *tensor.Tensor
	defer func() {
		if xp != nil && !xp.RequiresGrad() {
			xp.Release() // without a graph only the layer read it
		}
	}()
	if r.mode == "GRU" { // b_hh stays inside: n's gate multiplies it by r
		xp = tensor.Linear(x, w.WeightIH, w.BiasIH)
		out, hT, ok = tensor.GRULayer(xp, h, w.WeightHH, w.BiasHH, reverse)
		return out, hT, nil, ok
	}
	both := w.BiasIH // b_ih + b_hh, added before the nonlinearity
	if both != nil {
		both = both.Add(w.BiasHH)
	}
	xp = tensor.Linear(x, w.WeightIH, both)
	if r.mode == "LSTM" {
		return tensor.LSTMLayer(xp, h, c, w.WeightHH, reverse)
	}
	out, hT, ok = tensor.RNNLayer(xp, h, w.WeightHH, r.mode == "RNN_RELU", reverse)
	return out, hT, nil, ok
}

// fusedRNN lets the tests run the layers step by step from element-wise
// ops, the path of devices without fused recurrent cells.
var fusedRNN = true

// cell advances one step: xt is the input projection W_ih·x + b_ih of
// this step.
func (r *RNNBase) cell(w *RNNWeights, xt, h, c *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
	H := r.HiddenSize
	switch r.mode {
	case "LSTM":
		g := xt.Add(tensor.Linear(h, w.WeightHH, w.BiasHH))
		i := g.Narrow(1, 0, H).Sigmoid()
		f := g.Narrow(1, H, H).Sigmoid()
		gg := g.Narrow(1, 2*H, H).Tanh()
		o := g.Narrow(1, 3*H, H).Sigmoid()
		c = f.Mul(c).Add(i.Mul(gg))
		return o.Mul(c.Tanh()), c
	case "GRU":
		gh := tensor.Linear(h, w.WeightHH, w.BiasHH)
		rz := xt.Narrow(1, 0, 2*H).Add(gh.Narrow(1, 0, 2*H)).Sigmoid()
		rg, z := rz.Narrow(1, 0, H), rz.Narrow(1, H, H)
		n := xt.Narrow(1, 2*H, H).Add(rg.Mul(gh.Narrow(1, 2*H, H))).Tanh()
		return n.Add(z.Mul(h.Sub(n))), nil // (1−z)·n + z·h
	case "RNN_RELU":
		return xt.Add(tensor.Linear(h, w.WeightHH, w.BiasHH)).ReLU(), nil
	default:
		return xt.Add(tensor.Linear(h, w.WeightHH, w.BiasHH)).Tanh(), nil
	}
}

// RNN is an Elman recurrent network, as torch.nn.RNN:
// h_t = tanh(W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh) (ReLU with
// NonlinearityReLU). See RNNBase for the shapes and parameter names.
type RNN struct{ RNNBase }

// NewRNN returns RNN(input, hidden, …) initialised as PyTorch does. It
// panics unless the sizes and the number of layers are positive and the
// dropout probability is in [0, 1].
func NewRNN(input, hidden int, opts ...RNNOption) *RNN {
	return &RNN{newRNNBase("NewRNN", "RNN_TANH", 1, input, hidden, opts)}
}

// Forward returns the output of every time step, from zero initial states.
func (r *RNN) Forward(x *tensor.Tensor) *tensor.Tensor {
	out, _ := r.Run(x, nil)
	return out
}

// Run returns the output and the final hidden states h_n [D·L, N, H],
// starting from h0 (nil: zeros). It panics (a *tensor.ShapeError) on
// input or state of the wrong shape.
func (r *RNN) Run(x, h0 *tensor.Tensor) (out, hn *tensor.Tensor) {
	out, hn, _ = r.forward("RNN", x, h0, nil)
	return out, hn
}

// LSTM is a long short-term memory network, as torch.nn.LSTM:
//
//	i, f, g, o = σ(…), σ(…), tanh(…), σ(…) of W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh
//	c_t = f ⊙ c_{t−1} + i ⊙ g
//	h_t = o ⊙ tanh(c_t)
//
// See RNNBase for the shapes and parameter names (no proj_size).
type LSTM struct{ RNNBase }

// LSTMState is an LSTM's hidden and cell states, each [D·L, N, H].
type LSTMState struct{ H, C *tensor.Tensor }

// NewLSTM returns LSTM(input, hidden, …) initialised as PyTorch does. It
// panics as NewRNN does.
func NewLSTM(input, hidden int, opts ...RNNOption) *LSTM {
	return &LSTM{newRNNBase("NewLSTM", "LSTM", 4, input, hidden, opts)}
}

// Forward returns the output of every time step, from zero initial states.
func (l *LSTM) Forward(x *tensor.Tensor) *tensor.Tensor {
	out, _ := l.Run(x, nil)
	return out
}

// Run returns the output and the final states (h_n, c_n), starting from
// state (nil, or nil fields: zeros). It panics (a *tensor.ShapeError) on
// input or states of the wrong shape.
func (l *LSTM) Run(x *tensor.Tensor, state *LSTMState) (out *tensor.Tensor, final LSTMState) {
	var h0, c0 *tensor.Tensor
	if state != nil {
		h0, c0 = state.H, state.C
	}
	out, final.H, final.C = l.forward("LSTM", x, h0, c0)
	return out, final
}

// GRU is a gated recurrent unit network, as torch.nn.GRU:
//
//	r = σ(W_ir·x + b_ir + W_hr·h + b_hr),  z = σ(W_iz·x + b_iz + W_hz·h + b_hz)
//	n = tanh(W_in·x + b_in + r ⊙ (W_hn·h + b_hn))
//	h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
//
// See RNNBase for the shapes and parameter names.
type GRU struct{ RNNBase }

// NewGRU returns GRU(input, hidden, …) initialised as PyTorch does. It
// panics as NewRNN does.
func NewGRU(input, hidden int, opts ...RNNOption) *GRU {
	return &GRU{newRNNBase("NewGRU", "GRU", 3, input, hidden, opts)}
}

// Forward returns the output of every time step, from zero initial states.
func (g *GRU) Forward(x *tensor.Tensor) *tensor.Tensor {
	out, _ := g.Run(x, nil)
	return out
}

// Run returns the output and the final hidden states h_n [D·L, N, H],
// starting from h0 (nil: zeros). It panics (a *tensor.ShapeError) on
// input or state of the wrong shape.
func (g *GRU) Run(x, h0 *tensor.Tensor) (out, hn *tensor.Tensor) {
	out, hn, _ = g.forward("GRU", x, h0, nil)
	return out, hn
}
