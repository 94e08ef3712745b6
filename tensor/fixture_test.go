package tensor

// Comparison against PyTorch. testdata/ops.json is written by
// testdata/gen_torch.py at the repository root (run it with Debian's
// PyTorch: /usr/bin/python3 testdata/gen_torch.py); go test only reads it.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"testing"
)

// fxTensor is one tensor in the fixture file: data is always in the logical
// row-major order of Shape.
type fxTensor struct {
	Shape  []int     `json:"shape"`
	DType  string    `json:"dtype"`
	Data   []float64 `json:"data"`
	Grad   bool      `json:"grad"`
	Layout string    `json:"layout"`
}

type fxCase struct {
	Name       string          `json:"name"`
	Op         string          `json:"op"`
	Args       map[string]any  `json:"args"`
	Inputs     []fxTensor      `json:"inputs"`
	Output     *fxTensor       `json:"output"`
	Outputs    []fxTensor      `json:"outputs"`
	GradOutput json.RawMessage `json:"grad_output"` // one tensor, a list (multi-output ops), or null
	Grads      []*fxTensor     `json:"grads"`
}

type fxPrint struct {
	Name         string    `json:"name"`
	Shape        []int     `json:"shape"`
	DType        string    `json:"dtype"`
	Data         []float64 `json:"data"`
	Arange       bool      `json:"arange"`
	RequiresGrad bool      `json:"requires_grad"`
	Str          string    `json:"str"`
}

type fxFile struct {
	Generator string    `json:"generator"`
	Torch     string    `json:"torch"`
	Cases     []fxCase  `json:"cases"`
	Prints    []fxPrint `json:"prints"`
}

func fxLoad(t *testing.T) *fxFile {
	t.Helper()
	raw, err := os.ReadFile("testdata/ops.json")
	if err != nil {
		t.Fatalf("%v (regenerate with /usr/bin/python3 testdata/gen_torch.py)", err)
	}
	var f fxFile
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatalf("testdata/ops.json: %v", err)
	}
	if len(f.Cases) == 0 {
		t.Fatal("testdata/ops.json: no cases")
	}
	return &f
}

// fxOp computes a single-output op from the fixture's inputs and args.
type fxOp func(in []*Tensor, args map[string]any) *Tensor

// fxMultiOp computes an op with several outputs (Split, Chunk).
type fxMultiOp func(in []*Tensor, args map[string]any) []*Tensor

func fxUnary(f func(*Tensor) *Tensor) fxOp {
	return func(in []*Tensor, _ map[string]any) *Tensor { return f(in[0]) }
}

func fxBinary(f func(a, b *Tensor) *Tensor) fxOp {
	return func(in []*Tensor, _ map[string]any) *Tensor { return f(in[0], in[1]) }
}

func fxScalar(f func(*Tensor, float32) *Tensor) fxOp {
	return func(in []*Tensor, a map[string]any) *Tensor { return f(in[0], fxFloat(a, "s")) }
}

func fxReduce(plain, keep func(*Tensor, ...int) *Tensor) fxOp {
	return func(in []*Tensor, a map[string]any) *Tensor {
		if fxBool(a, "keepdim") {
			return keep(in[0], fxInts(a, "dims")...)
		}
		return plain(in[0], fxInts(a, "dims")...)
	}
}

func fxMoment(plain, keep func(*Tensor, bool, ...int) *Tensor) fxOp {
	return func(in []*Tensor, a map[string]any) *Tensor {
		u := fxBool(a, "unbiased")
		if fxBool(a, "keepdim") {
			return keep(in[0], u, fxInts(a, "dims")...)
		}
		return plain(in[0], u, fxInts(a, "dims")...)
	}
}

func fxArg(plain func(*Tensor, ...int) *Tensor, keep func(*Tensor, int) *Tensor) fxOp {
	return func(in []*Tensor, a map[string]any) *Tensor {
		d, ok := fxOptInt(a, "dim")
		switch {
		case !ok:
			return plain(in[0])
		case fxBool(a, "keepdim"):
			return keep(in[0], d)
		}
		return plain(in[0], d)
	}
}

func fxIntArg(f func(*Tensor, int) *Tensor, key string) fxOp {
	return func(in []*Tensor, a map[string]any) *Tensor { return f(in[0], fxInt(a, key)) }
}

func fxIntsArg(f func(*Tensor, ...int) *Tensor, key string) fxOp {
	return func(in []*Tensor, a map[string]any) *Tensor { return f(in[0], fxInts(a, key)...) }
}

var fxOps = map[string]fxOp{
	"add":     fxBinary((*Tensor).Add),
	"sub":     fxBinary((*Tensor).Sub),
	"mul":     fxBinary((*Tensor).Mul),
	"div":     fxBinary((*Tensor).Div),
	"pow":     fxBinary((*Tensor).Pow),
	"maximum": fxBinary((*Tensor).Maximum),
	"minimum": fxBinary((*Tensor).Minimum),
	"eq":      fxBinary((*Tensor).Eq),
	"ne":      fxBinary((*Tensor).Ne),
	"gt":      fxBinary((*Tensor).Gt),
	"ge":      fxBinary((*Tensor).Ge),
	"lt":      fxBinary((*Tensor).Lt),
	"le":      fxBinary((*Tensor).Le),
	"matmul":  fxBinary((*Tensor).MatMul),

	"add_scalar": fxScalar((*Tensor).AddScalar),
	"sub_scalar": fxScalar((*Tensor).SubScalar),
	"mul_scalar": fxScalar((*Tensor).MulScalar),
	"div_scalar": fxScalar((*Tensor).DivScalar),
	"pow_scalar": fxScalar((*Tensor).PowScalar),

	"neg":        fxUnary((*Tensor).Neg),
	"exp":        fxUnary((*Tensor).Exp),
	"log":        fxUnary((*Tensor).Log),
	"sqrt":       fxUnary((*Tensor).Sqrt),
	"abs":        fxUnary((*Tensor).Abs),
	"square":     fxUnary((*Tensor).Square),
	"reciprocal": fxUnary((*Tensor).Reciprocal),
	"relu":       fxUnary((*Tensor).ReLU),
	"gelu":       fxUnary((*Tensor).GELU),
	"silu":       fxUnary((*Tensor).SiLU),
	"sigmoid":    fxUnary((*Tensor).Sigmoid),
	"tanh":       fxUnary((*Tensor).Tanh),
	"clamp": func(in []*Tensor, a map[string]any) *Tensor {
		return in[0].Clamp(fxFloat(a, "min"), fxFloat(a, "max"))
	},
	"leaky_relu": func(in []*Tensor, a map[string]any) *Tensor { return in[0].LeakyReLU(fxFloat(a, "slope")) },
	"elu":        func(in []*Tensor, a map[string]any) *Tensor { return in[0].ELU(fxFloat(a, "alpha")) },
	"softplus": func(in []*Tensor, a map[string]any) *Tensor {
		return in[0].Softplus(fxFloat(a, "beta"), fxFloat(a, "threshold"))
	},
	"softmax":     fxIntArg((*Tensor).Softmax, "dim"),
	"log_softmax": fxIntArg((*Tensor).LogSoftmax, "dim"),

	"sum":       fxReduce((*Tensor).Sum, (*Tensor).SumKeepDim),
	"mean":      fxReduce((*Tensor).Mean, (*Tensor).MeanKeepDim),
	"max":       fxReduce((*Tensor).Max, (*Tensor).MaxKeepDim),
	"min":       fxReduce((*Tensor).Min, (*Tensor).MinKeepDim),
	"logsumexp": fxReduce((*Tensor).LogSumExp, (*Tensor).LogSumExpKeepDim),
	"var":       fxMoment((*Tensor).Var, (*Tensor).VarKeepDim),
	"std":       fxMoment((*Tensor).Std, (*Tensor).StdKeepDim),
	"argmax":    fxArg((*Tensor).ArgMax, (*Tensor).ArgMaxKeepDim),
	"argmin":    fxArg((*Tensor).ArgMin, (*Tensor).ArgMinKeepDim),

	"reshape":   fxIntsArg((*Tensor).Reshape, "shape"),
	"permute":   fxIntsArg((*Tensor).Permute, "dims"),
	"squeeze":   fxIntsArg((*Tensor).Squeeze, "dims"),
	"expand":    fxIntsArg((*Tensor).Expand, "shape"),
	"unsqueeze": fxIntArg((*Tensor).Unsqueeze, "dim"),
	"transpose": func(in []*Tensor, a map[string]any) *Tensor {
		return in[0].Transpose(fxInt(a, "d0"), fxInt(a, "d1"))
	},
	"narrow": func(in []*Tensor, a map[string]any) *Tensor {
		return in[0].Narrow(fxInt(a, "dim"), fxInt(a, "start"), fxInt(a, "length"))
	},
	"flatten": func(in []*Tensor, a map[string]any) *Tensor {
		return in[0].Flatten(fxInt(a, "start"), fxInt(a, "end"))
	},

	"cat":          func(in []*Tensor, a map[string]any) *Tensor { return Cat(in, fxInt(a, "dim")) },
	"stack":        func(in []*Tensor, a map[string]any) *Tensor { return Stack(in, fxInt(a, "dim")) },
	"index_select": func(in []*Tensor, a map[string]any) *Tensor { return in[0].IndexSelect(fxInt(a, "dim"), in[1]) },
	"gather":       func(in []*Tensor, a map[string]any) *Tensor { return in[0].Gather(fxInt(a, "dim"), in[1]) },
	"where":        func(in []*Tensor, _ map[string]any) *Tensor { return Where(in[0], in[1], in[2]) },
	"one_hot":      func(in []*Tensor, a map[string]any) *Tensor { return OneHot(in[0], fxInt(a, "classes")) },
}

var fxMultiOps = map[string]fxMultiOp{
	"split": func(in []*Tensor, a map[string]any) []*Tensor { return in[0].Split(fxInt(a, "size"), fxInt(a, "dim")) },
	"chunk": func(in []*Tensor, a map[string]any) []*Tensor {
		return in[0].Chunk(fxInt(a, "chunks"), fxInt(a, "dim"))
	},
}

// Argument decoding. encoding/json gives numbers as float64 and lists as
// []any; a missing or mistyped argument is a broken fixture, so it panics
// (and the case reports it).

func fxNum(a map[string]any, k string) float64 {
	v, ok := a[k].(float64)
	if !ok {
		panic(fmt.Sprintf("fixture arg %q: want a number, have %#v", k, a[k]))
	}
	return v
}

func fxInt(a map[string]any, k string) int       { return int(fxNum(a, k)) }
func fxFloat(a map[string]any, k string) float32 { return float32(fxNum(a, k)) }

func fxOptInt(a map[string]any, k string) (int, bool) {
	if a[k] == nil {
		return 0, false
	}
	return fxInt(a, k), true
}

func fxBool(a map[string]any, k string) bool {
	v, ok := a[k].(bool)
	if !ok {
		panic(fmt.Sprintf("fixture arg %q: want a bool, have %#v", k, a[k]))
	}
	return v
}

func fxInts(a map[string]any, k string) []int {
	l, ok := a[k].([]any)
	if !ok {
		panic(fmt.Sprintf("fixture arg %q: want a list, have %#v", k, a[k]))
	}
	out := make([]int, len(l))
	for i, v := range l {
		f, ok := v.(float64)
		if !ok {
			panic(fmt.Sprintf("fixture arg %q[%d]: want a number, have %#v", k, i, v))
		}
		out[i] = int(f)
	}
	return out
}

// fxSwapLast returns the shape with its last two dims swapped and the data
// rearranged to the row-major order of that shape.
func fxSwapLast(shape []int, data []float64) ([]int, []float64) {
	n := len(shape)
	r, c := shape[n-2], shape[n-1]
	sw := slices.Clone(shape)
	sw[n-2], sw[n-1] = c, r
	out := make([]float64, len(data))
	for b := 0; b < len(data)/(r*c); b++ {
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				out[b*r*c+j*r+i] = data[b*r*c+i*c+j]
			}
		}
	}
	return sw, out
}

// fxNew builds a contiguous tensor from fixture data.
func fxNew(shape []int, dtype string, data []float64) *Tensor {
	if dtype == "int64" {
		v := make([]int64, len(data))
		for i, x := range data {
			v[i] = int64(x)
		}
		return FromInt64(v, shape...)
	}
	v := make([]float32, len(data))
	for i, x := range data {
		v[i] = float32(x)
	}
	return New(v, shape...)
}

// fxInput builds an input: it returns the tensor the op sees and the leaf
// whose gradient is checked (they differ for a transposed layout, where the
// leaf is the contiguous base and the op sees its transpose).
func fxInput(ft fxTensor) (x, leaf *Tensor) {
	switch ft.Layout {
	case "", "contiguous":
		leaf = fxNew(ft.Shape, ft.DType, ft.Data)
		if ft.Grad {
			leaf.SetRequiresGrad(true)
		}
		return leaf, leaf
	case "transposed":
		sw, data := fxSwapLast(ft.Shape, ft.Data)
		leaf = fxNew(sw, ft.DType, data)
		if ft.Grad {
			leaf.SetRequiresGrad(true)
		}
		return leaf.Transpose(-2, -1), leaf
	}
	panic(fmt.Sprintf("fixture: unknown layout %q", ft.Layout))
}

// fxCompare reports whether got matches want within atol + rtol·|want|
// (exactly for int64) and, if not, describes the first differences.
func fxCompare(got *Tensor, want fxTensor, atol, rtol float64) string {
	if !slices.Equal(got.Shape(), want.Shape) {
		return fmt.Sprintf("shape %v, want %v", got.Shape(), want.Shape)
	}
	var g []float64
	if want.DType == "int64" {
		if got.DType() != Int64 {
			return fmt.Sprintf("dtype %v, want int64", got.DType())
		}
		for _, v := range got.Int64s() {
			g = append(g, float64(v))
		}
		atol, rtol = 0, 0
	} else {
		if want.DType != "" && got.DType() != Float32 {
			return fmt.Sprintf("dtype %v, want float32", got.DType())
		}
		for _, v := range got.Data() {
			g = append(g, float64(v))
		}
	}
	var buf bytes.Buffer
	bad := 0
	for i, w := range want.Data {
		if math.Abs(g[i]-w) <= atol+rtol*math.Abs(w) {
			continue // a NaN fails this test and lands below
		}
		if bad++; bad <= 5 {
			fmt.Fprintf(&buf, "\n\t[%d] got %.9g, want %.9g", i, g[i], w)
		}
	}
	if bad == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d elements differ:%s", bad, len(want.Data), buf.String())
}

func fxGradOutputs(c *fxCase) []fxTensor {
	raw := bytes.TrimSpace(c.GradOutput)
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var gs []fxTensor
	if raw[0] == '[' {
		if err := json.Unmarshal(raw, &gs); err != nil {
			panic(fmt.Sprintf("fixture grad_output: %v", err))
		}
		return gs
	}
	var g fxTensor
	if err := json.Unmarshal(raw, &g); err != nil {
		panic(fmt.Sprintf("fixture grad_output: %v", err))
	}
	return []fxTensor{g}
}

func fxRun(t *testing.T, c *fxCase) {
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("panic: %v", r)
		}
	}()
	in := make([]*Tensor, len(c.Inputs))
	leaves := make([]*Tensor, len(c.Inputs))
	for i, ft := range c.Inputs {
		in[i], leaves[i] = fxInput(ft)
	}

	var outs []*Tensor
	var wants []fxTensor
	if f, ok := fxOps[c.Op]; ok {
		if c.Output == nil {
			t.Fatalf("op %q has no \"output\" in the fixture", c.Op)
		}
		outs, wants = []*Tensor{f(in, c.Args)}, []fxTensor{*c.Output}
	} else if f, ok := fxMultiOps[c.Op]; ok {
		outs, wants = f(in, c.Args), c.Outputs
	} else {
		t.Fatalf("no nerve op for fixture op %q", c.Op)
	}
	if len(outs) != len(wants) {
		t.Fatalf("%d outputs, want %d", len(outs), len(wants))
	}
	for i := range outs {
		if msg := fxCompare(outs[i], wants[i], 1e-5, 1e-4); msg != "" {
			t.Errorf("output %d: %s", i, msg)
		}
	}
	if t.Failed() {
		return
	}

	gouts := fxGradOutputs(c)
	if gouts == nil {
		return
	}
	if len(gouts) != len(outs) {
		t.Fatalf("%d grad_outputs for %d outputs", len(gouts), len(outs))
	}
	if c.Output != nil {
		outs[0].BackwardWith(fxNew(gouts[0].Shape, "float32", gouts[0].Data))
	} else {
		var total *Tensor
		for i, o := range outs {
			s := o.Mul(fxNew(gouts[i].Shape, "float32", gouts[i].Data)).Sum()
			if total == nil {
				total = s
			} else {
				total = total.Add(s)
			}
		}
		total.Backward()
	}
	for i, want := range c.Grads {
		if want == nil {
			continue
		}
		g := leaves[i].Grad()
		if g == nil {
			t.Errorf("input %d: no gradient", i)
			continue
		}
		if c.Inputs[i].Layout == "transposed" {
			g = g.Transpose(-2, -1)
		}
		if msg := fxCompare(g, *want, 1e-4, 1e-3); msg != "" {
			t.Errorf("grad of input %d: %s", i, msg)
		}
	}
}

// TestOpsMatchTorch runs every case of testdata/ops.json: the nerve op on the
// fixture's inputs must give PyTorch's output and, after BackwardWith the
// fixture's upstream gradient, PyTorch's input gradients.
func TestOpsMatchTorch(t *testing.T) {
	f := fxLoad(t)
	seen := map[string]bool{}
	for i := range f.Cases {
		c := &f.Cases[i]
		seen[c.Op] = true
		t.Run(c.Name, func(t *testing.T) { fxRun(t, c) })
	}
	// Every op in the tables must be exercised by the fixture.
	var missing []string
	for op := range fxOps {
		if !seen[op] {
			missing = append(missing, op)
		}
	}
	for op := range fxMultiOps {
		if !seen[op] {
			missing = append(missing, op)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("ops with no fixture case (regenerate testdata/ops.json?): %v", missing)
	}
}

// TestPrintMatchesTorch checks that fmt.Sprint of a tensor is PyTorch's
// str() of the same tensor, character for character.
func TestPrintMatchesTorch(t *testing.T) {
	f := fxLoad(t)
	if len(f.Prints) == 0 {
		t.Fatal("testdata/ops.json: no prints")
	}
	for _, p := range f.Prints {
		t.Run(p.Name, func(t *testing.T) {
			data := p.Data
			if p.Arange {
				n := 1
				for _, d := range p.Shape {
					n *= d
				}
				data = make([]float64, n)
				for i := range data {
					data[i] = float64(i)
				}
			}
			x := fxNew(p.Shape, p.DType, data)
			if p.RequiresGrad {
				x.SetRequiresGrad(true)
			}
			if got := fmt.Sprint(x); got != p.Str {
				t.Errorf("fmt.Sprint:\n%s\nwant (PyTorch):\n%s", got, p.Str)
			}
		})
	}
}
