package nn

// Comparison of Embedding, RNN, LSTM and GRU against PyTorch.
// testdata/rnn.json is written by testdata/gen_rnn.py at the repository
// root (run it with Debian's PyTorch: /usr/bin/python3 testdata/gen_rnn.py);
// go test only reads it.

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/nervelab/nerve/internal/gradcheck"
	"github.com/nervelab/nerve/tensor"
)

type rnnFxTensor struct {
	Name  string    `json:"name"`
	Shape []int     `json:"shape"`
	Data  []float32 `json:"data"`
}

func (f *rnnFxTensor) tensor() *tensor.Tensor { return tensor.New(f.Data, f.Shape...) }

type rnnFxCase struct {
	Name          string        `json:"name"`
	Mode          string        `json:"mode"`
	InputSize     int           `json:"input_size"`
	HiddenSize    int           `json:"hidden_size"`
	NumLayers     int           `json:"num_layers"`
	Bidirectional bool          `json:"bidirectional"`
	BatchFirst    bool          `json:"batch_first"`
	Bias          bool          `json:"bias"`
	Nonlinearity  string        `json:"nonlinearity"`
	Params        []rnnFxTensor `json:"params"`
	GradParams    []rnnFxTensor `json:"grad_params"`
	Input         rnnFxTensor   `json:"input"`
	Output        rnnFxTensor   `json:"output"`
	HN            rnnFxTensor   `json:"h_n"`
	CN            *rnnFxTensor  `json:"c_n"`
	H0            *rnnFxTensor  `json:"h0"`
	C0            *rnnFxTensor  `json:"c0"`
	GradOutput    rnnFxTensor   `json:"grad_output"`
	GradHN        rnnFxTensor   `json:"grad_h_n"`
	GradCN        *rnnFxTensor  `json:"grad_c_n"`
	GradInput     rnnFxTensor   `json:"grad_input"`
	GradH0        *rnnFxTensor  `json:"grad_h0"`
	GradC0        *rnnFxTensor  `json:"grad_c0"`
}

type rnnFxFile struct {
	RNN       []rnnFxCase `json:"rnn"`
	Embedding struct {
		Num        int         `json:"num"`
		Dim        int         `json:"dim"`
		PaddingIdx int         `json:"padding_idx"`
		Weight     rnnFxTensor `json:"weight"`
		Indices    struct {
			Shape []int   `json:"shape"`
			Data  []int64 `json:"data"`
		} `json:"indices"`
		Output     rnnFxTensor `json:"output"`
		GradOutput rnnFxTensor `json:"grad_output"`
		GradWeight rnnFxTensor `json:"grad_weight"`
	} `json:"embedding"`
}

func loadRNNFixtures(t *testing.T) *rnnFxFile {
	t.Helper()
	raw, err := os.ReadFile("testdata/rnn.json")
	if err != nil {
		t.Fatalf("%v (regenerate with /usr/bin/python3 testdata/gen_rnn.py)", err)
	}
	var f rnnFxFile
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatalf("testdata/rnn.json: %v", err)
	}
	if len(f.RNN) == 0 {
		t.Fatal("testdata/rnn.json: no cases")
	}
	return &f
}

// closeTo compares got with want elementwise within 1e-5 relative (and
// 1e-5 absolute for values near zero).
func closeTo(t *testing.T, what string, got *tensor.Tensor, want *rnnFxTensor) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: nil, want shape %v", what, want.Shape)
		return
	}
	if !slices.Equal(got.Shape(), want.Shape) {
		t.Errorf("%s: shape %v, want %v", what, got.Shape(), want.Shape)
		return
	}
	for i, g := range got.Data() {
		w := want.Data[i]
		if d := math.Abs(float64(g - w)); d > 2e-5+1e-5*math.Abs(float64(w)) || math.IsNaN(d) {
			t.Errorf("%s: element %d: %v, want %v", what, i, g, w)
			return
		}
	}
}

// rnnModel is what the three layers have in common for the tests.
type rnnModel interface {
	Module
	namedTensors() []Named
}

func newFixtureModel(t *testing.T, c *rnnFxCase) (rnnModel, func(x, h0, c0 *tensor.Tensor) (out, hn, cn *tensor.Tensor)) {
	t.Helper()
	opts := []RNNOption{Layers(c.NumLayers)}
	if c.BatchFirst {
		opts = append(opts, BatchFirst())
	}
	if c.Bidirectional {
		opts = append(opts, Bidirectional())
	}
	if !c.Bias {
		opts = append(opts, RNNNoBias())
	}
	if c.Nonlinearity == "relu" {
		opts = append(opts, NonlinearityReLU())
	}
	switch c.Mode {
	case "LSTM":
		m := NewLSTM(c.InputSize, c.HiddenSize, opts...)
		return m, func(x, h0, c0 *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor, *tensor.Tensor) {
			var st *LSTMState
			if h0 != nil {
				st = &LSTMState{H: h0, C: c0}
			}
			out, f := m.Run(x, st)
			return out, f.H, f.C
		}
	case "GRU":
		m := NewGRU(c.InputSize, c.HiddenSize, opts...)
		return m, func(x, h0, _ *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor, *tensor.Tensor) {
			out, hn := m.Run(x, h0)
			return out, hn, nil
		}
	default:
		m := NewRNN(c.InputSize, c.HiddenSize, opts...)
		return m, func(x, h0, _ *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor, *tensor.Tensor) {
			out, hn := m.Run(x, h0)
			return out, hn, nil
		}
	}
}

func TestRNNFixtures(t *testing.T) {
	t.Run("fused", func(t *testing.T) { testRNNFixtures(t) })
	fusedRNN = false
	defer func() { fusedRNN = true }()
	t.Run("composed", func(t *testing.T) { testRNNFixtures(t) })
}

func testRNNFixtures(t *testing.T) {
	f := loadRNNFixtures(t)
	for i := range f.RNN {
		c := &f.RNN[i]
		t.Run(c.Name, func(t *testing.T) {
			m, run := newFixtureModel(t, c)
			state := StateDict(m)
			if len(state) != len(c.Params) {
				t.Fatalf("%d tensors, PyTorch has %d", len(state), len(c.Params))
			}
			names := NamedParameters(m)
			for j, p := range c.Params {
				if names[j].Name != p.Name {
					t.Fatalf("parameter %d is %q, PyTorch's is %q", j, names[j].Name, p.Name)
				}
				if !slices.Equal(names[j].Tensor.Shape(), p.Shape) {
					t.Fatalf("%s: shape %v, PyTorch's %v", p.Name, names[j].Tensor.Shape(), p.Shape)
				}
				names[j].Tensor.CopyFrom(p.tensor())
			}
			x := c.Input.tensor().SetRequiresGrad(true)
			var h0, c0 *tensor.Tensor
			if c.H0 != nil {
				h0 = c.H0.tensor().SetRequiresGrad(true)
			}
			if c.C0 != nil {
				c0 = c.C0.tensor().SetRequiresGrad(true)
			}
			out, hn, cn := run(x, h0, c0)
			closeTo(t, "output", out, &c.Output)
			closeTo(t, "h_n", hn, &c.HN)
			loss := out.Mul(c.GradOutput.tensor()).Sum().Add(hn.Mul(c.GradHN.tensor()).Sum())
			if c.CN != nil {
				closeTo(t, "c_n", cn, c.CN)
				loss = loss.Add(cn.Mul(c.GradCN.tensor()).Sum())
			}
			loss.Backward()
			closeTo(t, "grad input", x.Grad(), &c.GradInput)
			if h0 != nil {
				closeTo(t, "grad h0", h0.Grad(), c.GradH0)
			}
			if c0 != nil {
				closeTo(t, "grad c0", c0.Grad(), c.GradC0)
			}
			for j, g := range c.GradParams {
				closeTo(t, "grad "+g.Name, names[j].Tensor.Grad(), &g)
			}
		})
	}
}

func TestEmbeddingFixture(t *testing.T) {
	e := loadRNNFixtures(t).Embedding
	m := NewEmbedding(e.Num, e.Dim, PaddingIdx(e.PaddingIdx))
	if m.PaddingIdx != int64(e.PaddingIdx) {
		t.Fatalf("PaddingIdx %d, want %d", m.PaddingIdx, e.PaddingIdx)
	}
	for _, v := range m.Weight.Narrow(0, e.PaddingIdx, 1).Data() {
		if v != 0 {
			t.Fatalf("padding row initialised to %v, want 0", v)
		}
	}
	m.Weight.CopyFrom(e.Weight.tensor())
	out := m.Forward(tensor.FromInt64(e.Indices.Data, e.Indices.Shape...))
	closeTo(t, "output", out, &e.Output)
	out.Mul(e.GradOutput.tensor()).Sum().Backward()
	closeTo(t, "grad weight", m.Weight.Grad(), &e.GradWeight)
}

func TestEmbeddingIndexOutOfRange(t *testing.T) {
	m := NewEmbedding(4, 2)
	for _, bad := range []int64{4, -1} {
		err := tensor.Catch(func() { m.Forward(tensor.FromInt64([]int64{0, bad}, 2)) })
		var ie *tensor.IndexError
		if !errors.As(err, &ie) {
			t.Errorf("index %d: got %v, want a *tensor.IndexError", bad, err)
		}
	}
	if got := NewEmbedding(5, 3, PaddingIdx(-1)).PaddingIdx; got != 4 {
		t.Errorf("PaddingIdx(-1) of 5 rows is %d, want 4", got)
	}
}

func TestRNNNamesAndSave(t *testing.T) {
	m := NewLSTM(3, 4, Layers(2), Bidirectional())
	var got []string
	for _, p := range NamedParameters(m) {
		got = append(got, p.Name)
	}
	want := []string{}
	for _, l := range []string{"l0", "l0_reverse", "l1", "l1_reverse"} {
		for _, w := range []string{"weight_ih_", "weight_hh_", "bias_ih_", "bias_hh_"} {
			want = append(want, w+l)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("names %v\nwant %v", got, want)
	}
	if s := NamedParameters(m)[4].Tensor.Shape(); !slices.Equal(s, []int{16, 3}) {
		t.Errorf("weight_ih_l0_reverse shape %v, want [16 3]", s)
	}
	if s := NamedParameters(m)[8].Tensor.Shape(); !slices.Equal(s, []int{16, 8}) {
		t.Errorf("weight_ih_l1 shape %v, want [16 8]", s)
	}
	type model struct {
		Emb  *Embedding
		LSTM *LSTM
		Head *Linear
	}
	src := &model{NewEmbedding(10, 3), m, NewLinear(8, 2)}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := Save(src, path); err != nil {
		t.Fatal(err)
	}
	file, _, err := LoadTensors(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"emb.weight", "lstm.weight_ih_l0", "lstm.bias_hh_l1_reverse", "head.bias"} {
		if file[n] == nil {
			t.Errorf("saved file lacks %q", n)
		}
	}
	dst := &model{NewEmbedding(10, 3), NewLSTM(3, 4, Layers(2), Bidirectional()), NewLinear(8, 2)}
	if err := Load(dst, path); err != nil {
		t.Fatal(err)
	}
	a, b := src.LSTM.Weights[3].BiasHH.Data(), dst.LSTM.Weights[3].BiasHH.Data()
	if !slices.Equal(a, b) {
		t.Error("Load did not restore bias_hh_l1_reverse")
	}
	if s := Summary(m); s != "LSTM(3, 4, num_layers=2, bidirectional=True)" {
		t.Errorf("Summary: %q", s)
	}
}

// rnnGradcheck checks the gradients of x, h0 (and c0) and every weight of
// a small two-layer bidirectional model against finite differences.
func rnnGradcheck(t *testing.T, name string, lstm bool) {
	g := tensor.NewGenerator(3)
	opts := []RNNOption{Layers(2), Bidirectional(), BatchFirst(), RNNGenerator(g)}
	var base *RNNBase
	var run func(x, h, c *tensor.Tensor) *tensor.Tensor
	if lstm {
		m := NewLSTM(2, 3, opts...)
		base = &m.RNNBase
		run = func(x, h, c *tensor.Tensor) *tensor.Tensor {
			out, f := m.Run(x, &LSTMState{h, c})
			return tensor.Cat([]*tensor.Tensor{out.Reshape(-1), f.H.Reshape(-1), f.C.Reshape(-1)}, 0)
		}
	} else {
		m := NewGRU(2, 3, opts...)
		base = &m.RNNBase
		run = func(x, h, _ *tensor.Tensor) *tensor.Tensor {
			out, hn := m.Run(x, h)
			return tensor.Cat([]*tensor.Tensor{out.Reshape(-1), hn.Reshape(-1)}, 0)
		}
	}
	xs := []*tensor.Tensor{g.Randn(2, 3, 2), g.Randn(4, 2, 3), g.Randn(4, 2, 3)}
	for _, w := range base.Weights {
		xs = append(xs, w.WeightIH, w.WeightHH, w.BiasIH, w.BiasHH)
	}
	for _, x := range xs {
		x.SetRequiresGrad(true)
	}
	gradcheck.CheckOpts(t, name, gradcheck.Options{Eps: 1e-2, Atol: 2e-2, Rtol: 2e-2}, func(v []*tensor.Tensor) *tensor.Tensor {
		for i := range base.Weights {
			w := &base.Weights[i]
			w.WeightIH, w.WeightHH, w.BiasIH, w.BiasHH = v[3+4*i], v[4+4*i], v[5+4*i], v[6+4*i]
		}
		return run(v[0], v[1], v[2])
	}, xs...)
}

func TestLSTMGradcheck(t *testing.T) { rnnGradcheck(t, "LSTM", true) }
func TestGRUGradcheck(t *testing.T)  { rnnGradcheck(t, "GRU", false) }

func TestRNNGradcheckComposed(t *testing.T) {
	fusedRNN = false
	defer func() { fusedRNN = true }()
	rnnGradcheck(t, "LSTM (composed)", true)
	rnnGradcheck(t, "GRU (composed)", false)
}

func TestRNNShapes(t *testing.T) {
	m := NewGRU(3, 4, Layers(2), Bidirectional(), BatchFirst())
	out, hn := m.Run(tensor.Randn(5, 7, 3), nil)
	if !slices.Equal(out.Shape(), []int{5, 7, 8}) || !slices.Equal(hn.Shape(), []int{4, 5, 4}) {
		t.Errorf("batch-first shapes %v %v, want [5 7 8] [4 5 4]", out.Shape(), hn.Shape())
	}
	err := tensor.Catch(func() { m.Forward(tensor.Randn(5, 7, 2)) })
	var se *tensor.ShapeError
	if !errors.As(err, &se) {
		t.Errorf("wrong input size: got %v, want a *tensor.ShapeError", err)
	}
	err = tensor.Catch(func() { m.Run(tensor.Randn(5, 7, 3), tensor.Zeros(2, 5, 4)) })
	if !errors.As(err, &se) {
		t.Errorf("wrong h0 shape: got %v, want a *tensor.ShapeError", err)
	}
}

func TestRNNDropoutOnlyInTraining(t *testing.T) {
	m := NewLSTM(3, 4, Layers(2), RNNDropout(0.5), RNNGenerator(tensor.NewGenerator(1)))
	x := tensor.Randn(4, 2, 3)
	b := m.Forward(x).Data()
	Eval(m)
	c := m.Forward(x).Data()
	Train(m)
	m.Dropout = 0
	a := m.Forward(x).Data()
	if slices.Equal(a, b) {
		t.Error("dropout between layers changed nothing in training mode")
	}
	if !slices.Equal(a, c) {
		t.Error("evaluation mode differs from the no-dropout output")
	}
}

// TestRNNLoadTorchSafetensors loads a state_dict that PyTorch wrote
// (testdata/rnn.safetensors, from gen_rnn.py) into the same model built in
// Go: every name and shape must match, and the model must run.
func TestRNNLoadTorchSafetensors(t *testing.T) {
	m := NewSequential(NewEmbedding(10, 3), NewLSTM(3, 4, Layers(2), Bidirectional()), NewGRU(8, 2, BatchFirst()))
	if err := Load(m, "testdata/rnn.safetensors"); err != nil {
		t.Fatal(err)
	}
	file, _, err := LoadTensors("testdata/rnn.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if len(file) != len(NamedParameters(m)) {
		t.Errorf("file has %d tensors, model %d", len(file), len(NamedParameters(m)))
	}
	lstm := m.Layers[1].(*LSTM)
	if !slices.Equal(lstm.Weights[3].WeightHH.Data(), file["1.weight_hh_l1_reverse"].Data()) {
		t.Error("1.weight_hh_l1_reverse was not loaded into layer 1's reverse direction")
	}
	out := m.Forward(tensor.FromInt64([]int64{1, 2, 3, 4, 5, 6}, 3, 2))
	if !slices.Equal(out.Shape(), []int{3, 2, 2}) {
		t.Errorf("output shape %v, want [3 2 2]", out.Shape())
	}
}

func TestEmbeddingWantsInt64(t *testing.T) {
	err := tensor.Catch(func() { NewEmbedding(4, 2).Forward(tensor.New([]float32{1}, 1)) })
	var de *tensor.DTypeError
	if !errors.As(err, &de) {
		t.Errorf("float indices: got %v, want a *tensor.DTypeError", err)
	}
}

// TestRNNConcurrentInference runs one model's Forward from several
// goroutines at once in evaluation mode without a graph: every result
// must equal the serial one (run with -race).
func TestRNNConcurrentInference(t *testing.T) {
	models := []Module{NewLSTM(3, 4, Layers(2), RNNDropout(0.5)), NewGRU(3, 4, Bidirectional()), NewRNN(3, 4)}
	x := tensor.Randn(5, 2, 3)
	for _, m := range models {
		Eval(m)
		var want []float32
		tensor.NoGrad(func() { want = m.Forward(x).Data() })
		errs := make(chan string, 4)
		for range 4 {
			go func() {
				var got []float32
				tensor.NoGrad(func() { got = m.Forward(x).Data() })
				if !slices.Equal(got, want) {
					errs <- Summary(m) + ": concurrent result differs"
					return
				}
				errs <- ""
			}()
		}
		for range 4 {
			if e := <-errs; e != "" {
				t.Error(e)
			}
		}
	}
}

// TestRNNInferenceMatchesTraining: without a graph the fused layers reuse
// one step's activation buffer and free the input projection; the outputs
// and final states must equal those computed with a graph.
func TestRNNInferenceMatchesTraining(t *testing.T) {
	x := tensor.NewGenerator(5).Randn(6, 3, 4)
	for _, m := range []*RNNBase{
		&NewLSTM(4, 5, Layers(2), Bidirectional()).RNNBase, &NewGRU(4, 5, Bidirectional()).RNNBase, &NewRNN(4, 5, Layers(2)).RNNBase,
	} {
		out, hn, cn := m.forward("test", x, nil, nil)
		want := [][]float32{out.Data(), hn.Data()}
		if cn != nil {
			want = append(want, cn.Data())
		}
		tensor.NoGrad(func() { out, hn, cn = m.forward("test", x, nil, nil) })
		got := [][]float32{out.Data(), hn.Data()}
		if cn != nil {
			got = append(got, cn.Data())
		}
		for i := range want {
			if !slices.Equal(got[i], want[i]) {
				t.Errorf("%s: result %d differs without a graph", m.mode, i)
			}
		}
	}
}
