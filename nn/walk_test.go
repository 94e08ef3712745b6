package nn_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/nervelab/nerve/nn"
	"github.com/nervelab/nerve/tensor"
)

func names(m any) []string {
	var out []string
	for _, p := range nn.NamedParameters(m) {
		out = append(out, p.Name)
	}
	return out
}

func checkNames(t *testing.T, m any, want ...string) {
	t.Helper()
	if got := names(m); !slices.Equal(got, want) {
		t.Errorf("names\n got %v\nwant %v", got, want)
	}
}

type naming struct {
	FC1        *nn.Linear
	Weight     *tensor.Tensor
	HTTPProj   *tensor.Tensor
	ConvBN     *tensor.Tensor
	LSTM2      *tensor.Tensor
	X          *tensor.Tensor
	HiddenSize *tensor.Tensor
	Renamed    *tensor.Tensor `nn:"fc_out"`
	Skipped    *tensor.Tensor `nn:"-"`
	Nil        *tensor.Tensor
	private    *tensor.Tensor
	Config     struct{ W *tensor.Tensor } // a struct without Forward is not a module
}

func (naming) Forward(x *tensor.Tensor) *tensor.Tensor { return x }

func TestParameterNames(t *testing.T) {
	s := func() *tensor.Tensor { return tensor.Zeros(1) }
	m := &naming{FC1: nn.NewLinear(1, 1), Weight: s(), HTTPProj: s(), ConvBN: s(), LSTM2: s(), X: s(),
		HiddenSize: s(), Renamed: s(), Skipped: s(), private: s()}
	m.Config.W = s()
	checkNames(t, m, "fc1.weight", "fc1.bias", "weight", "httpProj", "convBN", "lstm2", "x",
		"hiddenSize", "fc_out")
}

type stack struct {
	Layers []*nn.Linear
	Pair   [2]nn.Module
	Extra  []*tensor.Tensor
	Head   nn.Module
}

func (s *stack) Forward(x *tensor.Tensor) *tensor.Tensor { return x }

func TestSlicesArraysAndInterfaces(t *testing.T) {
	m := &stack{
		Layers: []*nn.Linear{nn.NewLinear(2, 2), nn.NewLinear(2, 2, nn.NoBias())},
		Pair:   [2]nn.Module{nn.ReLU{}, nn.NewSequential(nn.NewLinear(2, 1))},
		Extra:  []*tensor.Tensor{tensor.Zeros(3), nil, tensor.Zeros(1)},
		Head:   nn.NewLinear(1, 1, nn.NoBias()),
	}
	checkNames(t, m, "layers.0.weight", "layers.0.bias", "layers.1.weight", "pair.1.0.weight",
		"pair.1.0.bias", "extra.0", "extra.2", "head.weight")
	// A slice or array of modules prints as PyTorch prints an nn.ModuleList.
	want := `stack(
  (layers): ModuleList(
    (0): Linear(in_features=2, out_features=2, bias=True)
    (1): Linear(in_features=2, out_features=2, bias=False)
  )
  (pair): ModuleList(
    (0): ReLU()
    (1): Sequential(
      (0): Linear(in_features=2, out_features=1, bias=True)
    )
  )
  (head): Linear(in_features=1, out_features=1, bias=False)
)`
	if got := nn.Summary(m); got != want {
		t.Errorf("summary\n%s\nwant\n%s", got, want)
	}
}

// ScaledLinear embeds a Linear: its fields are promoted, as Go promotes
// them, so its parameters are weight, bias and scale.
type ScaledLinear struct {
	*nn.Linear
	Scale *tensor.Tensor
}

type block struct {
	Drop nn.Dropout // at offset 0: the same address as the block
	FC   *nn.Linear
}

func (b *block) Forward(x *tensor.Tensor) *tensor.Tensor { return b.FC.Forward(b.Drop.Forward(x)) }

func TestModuleValueAtOffsetZero(t *testing.T) {
	b := &block{Drop: nn.Dropout{P: 0.5}, FC: nn.NewLinear(2, 2)}
	want := "block(\n  (drop): Dropout(p=0.5, inplace=False)\n  (fc): Linear(in_features=2, out_features=2, bias=True)\n)"
	if got := nn.Summary(b); got != want {
		t.Errorf("summary\n%s\nwant\n%s", got, want)
	}
	nn.Eval(b)
	if x := tensor.Ones(10); b.Drop.Forward(x) != x {
		t.Error("Eval did not reach the Dropout at offset 0")
	}
}

type embeds struct {
	ScaledLinear
	Drop nn.Dropout // by value: Eval must still reach it
	Tied *nn.Linear
	Also *nn.Linear // the same Linear again
}

func (e *embeds) Forward(x *tensor.Tensor) *tensor.Tensor { return x }

func TestEmbeddedValueAndSharedModules(t *testing.T) {
	tied := nn.NewLinear(2, 2)
	m := &embeds{ScaledLinear: ScaledLinear{nn.NewLinear(3, 2), tensor.Ones(2)}, Drop: nn.Dropout{P: 0.5},
		Tied: tied, Also: tied}
	checkNames(t, m, "weight", "bias", "scale", "tied.weight", "tied.bias") // shared tensors listed once
	if s := nn.Summary(&m.ScaledLinear); s != "ScaledLinear(in_features=3, out_features=2, bias=True)" {
		t.Errorf("embedded ExtraRepr: %q", s)
	}
	nn.Eval(m)
	x := tensor.Ones(100)
	if m.Drop.Forward(x) != x {
		t.Fatal("Eval did not reach a Dropout held by value")
	}
	nn.Train(m)
	if m.Drop.Forward(x) == x {
		t.Fatal("Train did not reach a Dropout held by value")
	}
	if !strings.Contains(nn.Summary(m), "(drop): Dropout(p=0.5, inplace=False)") {
		t.Errorf("summary:\n%s", nn.Summary(m))
	}
}

type node struct {
	W      *tensor.Tensor
	Parent *node
	Kids   []*node
}

func (n *node) Forward(x *tensor.Tensor) *tensor.Tensor { return x }

func TestCyclesEndTheWalk(t *testing.T) {
	root := &node{W: tensor.Zeros(1)}
	kid := &node{W: tensor.Zeros(2), Parent: root}
	root.Kids = []*node{kid}
	root.Parent = root
	checkNames(t, root, "w", "kids.0.w")
	want := "node(\n  (kids): ModuleList(\n    (0): node(\n      (kids): ModuleList()\n    )\n  )\n)"
	if s := nn.Summary(root); s != want {
		t.Errorf("summary:\n%s", s)
	}
}

func TestZeroGradAndFrozen(t *testing.T) {
	m := newSimple()
	m.Forward(tensor.Ones(4, 2)).Sum().Backward()
	if m.FC1.Weight.Grad() == nil {
		t.Fatal("no gradient after Backward")
	}
	nn.ZeroGrad(m)
	for _, p := range nn.NamedParameters(m) {
		if p.Tensor.Grad() != nil {
			t.Fatalf("%s still has a gradient", p.Name)
		}
	}
	m.FC2.Bias.SetRequiresGrad(false)
	checkNames(t, m, "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias") // frozen still named
	if ps := nn.Parameters(m); len(ps) != 3 || slices.Contains(ps, m.FC2.Bias) {
		t.Fatalf("Parameters lists the frozen bias: %d tensors", len(ps))
	}
}

func TestFuncAndFlattenDefaults(t *testing.T) {
	relu := nn.Func((*tensor.Tensor).ReLU)
	seq := nn.NewSequential(nn.Flatten{}, relu, nn.Identity{})
	y := seq.Forward(tensor.New([]float32{-1, 2, -3, 4, 5, -6, 7, -8}, 2, 2, 2))
	if !slices.Equal(y.Shape(), []int{2, 4}) || !slices.Equal(y.Data(), []float32{0, 2, 0, 4, 5, 0, 7, 0}) {
		t.Fatalf("Flatten{} then ReLU: %v", y)
	}
	if got := (nn.Flatten{StartDim: 0, EndDim: -1}).Forward(tensor.Ones(2, 3, 4)).Shape(); !slices.Equal(got, []int{24}) {
		t.Fatalf("Flatten(0, -1): %v", got)
	}
	if got := nn.NewFlatten().Forward(tensor.Ones(2, 3, 4)).Shape(); !slices.Equal(got, []int{2, 12}) {
		t.Fatalf("NewFlatten(): %v", got)
	}
	if s := nn.Summary(nn.Flatten{}); s != "Flatten(start_dim=1, end_dim=-1)" {
		t.Fatalf("Flatten{} prints %q", s)
	}
}

// withBuffer has a parameter and a buffer, as a layer with running
// statistics does.
type withBuffer struct {
	W     *tensor.Tensor
	Stats *tensor.Tensor `nn:"running_stats,buffer"`
}

func (m *withBuffer) Forward(x *tensor.Tensor) *tensor.Tensor { return x }

func TestBuffersAreStateNotParameters(t *testing.T) {
	m := &struct {
		Layer *withBuffer
	}{&withBuffer{W: tensor.Ones(2).SetRequiresGrad(true), Stats: tensor.Zeros(3)}}
	checkNames(t, m, "layer.w")
	var bufs []string
	for _, b := range nn.NamedBuffers(m) {
		bufs = append(bufs, b.Name)
	}
	if !slices.Equal(bufs, []string{"layer.running_stats"}) {
		t.Errorf("NamedBuffers: %v", bufs)
	}
	if total, _ := nn.NumParameters(m); total != 2 {
		t.Errorf("NumParameters counts buffers: total %d, want 2", total)
	}
	sd := nn.StateDict(m)
	if len(sd) != 2 || sd["layer.running_stats"] != m.Layer.Stats || sd["layer.w"] != m.Layer.W {
		t.Errorf("StateDict: %v", sd)
	}
}
