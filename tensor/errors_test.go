package tensor_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/nervelab/nerve/tensor"
)

func TestMisusePanicsNameOpAndShapes(t *testing.T) {
	a, b := tensor.Zeros(2, 3), tensor.Zeros(4)
	cases := []struct {
		f    func()
		want string
	}{
		{func() { a.Add(b) }, "Add: shapes [2 3] and [4] cannot be broadcast"},
		{func() { a.Mul(tensor.Zeros(3, 2)) }, "Mul: shapes [2 3] and [3 2] cannot be broadcast"},
		{func() { a.MatMul(tensor.Zeros(4, 5)) }, "MatMul: shapes [2 3] and [4 5] cannot be multiplied (inner dims 3 != 4)"},
		{func() { a.MatMul(b) }, "MatMul: shapes [2 3] and [4] cannot be multiplied (inner dims 3 != 4)"},
		{func() { a.Reshape(4, -1) }, "Reshape: shapes [2 3] and [4 -1] is invalid for input of size 6"},
		{func() { a.Sum(2) }, "Sum: dimension out of range (expected to be in range of [-2, 1], but got 2)"},
		{func() { tensor.Cat([]*tensor.Tensor{a, tensor.Zeros(3, 3)}, 1) }, "Cat: shapes [2 3] and [3 3] sizes must match except in dimension 1"},
		{func() { a.IndexSelect(1, tensor.FromInt64([]int64{0, 3})) }, "IndexSelect: index 3 is out of bounds for dimension with size 3"},
		{func() { a.Gather(1, tensor.FromInt64([]int64{0, -1}, 2, 1)) }, "Gather: index -1 is out of bounds for dimension with size 3"},
		{func() { tensor.FromInt64([]int64{1}).Exp() }, "Exp: expected float32 tensor, got int64"},
		{func() { tensor.New([]float32{1, 2, 3}, 2, 2) }, "New: shape [2 2]: needs 4 elements, got 3"},
		{func() { a.Item() }, "Item: shape [2 3]: a tensor with 6 elements cannot be converted to a scalar"},
		{func() { a.At(2, 0) }, "At: index 2 is out of bounds for dimension 0 with size 2"},
		{func() { a.View(3, 2).Transpose(0, 1).View(6) }, "View: shapes [2 3] and [6] view size is not compatible with input tensor's size and stride; use Reshape"},
	}
	for _, c := range cases {
		err := tensor.Catch(c.f)
		if err == nil {
			t.Errorf("no panic, want %q", c.want)
			continue
		}
		if err.Error() != c.want {
			t.Errorf("got  %q\nwant %q", err.Error(), c.want)
		}
	}
}

func TestCatchTypes(t *testing.T) {
	err := tensor.Catch(func() { tensor.Zeros(2).Add(tensor.Zeros(3)) })
	var se *tensor.ShapeError
	if !errors.As(err, &se) || se.Op != "Add" {
		t.Fatalf("got %T %v, want *ShapeError for Add", err, err)
	}
	if tensor.Catch(func() {}) != nil {
		t.Fatal("Catch of a clean function returned an error")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("Catch swallowed a panic that is not nerve's")
		}
	}()
	_ = tensor.Catch(func() { panic("not ours") })
}

// TestMatMulInto checks the out form against MatMul, into a view at an
// offset and with broadcast batch dims, and its refusals.
func TestMatMulInto(t *testing.T) {
	g := tensor.NewGenerator(4)
	a, b := g.Randn(3, 5, 7), g.Randn(7, 4)
	big := tensor.Full(-1, 2, 3, 5, 4)
	out := big.Narrow(0, 1, 1).Reshape(3, 5, 4) // a contiguous view at an offset
	tensor.MatMulInto(out, a, b)
	if want := a.MatMul(b).Data(); !equalF(out.Data(), want) {
		t.Fatalf("MatMulInto %v, want %v", out.Data(), want)
	}
	if first := big.Narrow(0, 0, 1).Data(); first[0] != -1 || first[len(first)-1] != -1 {
		t.Fatal("MatMulInto wrote outside out")
	}
	for _, c := range []struct {
		name      string
		out, a, b *tensor.Tensor
		want      string
	}{
		{"wrong out shape", tensor.Zeros(5, 5), g.Randn(5, 7), g.Randn(7, 4), "product's shape"},
		{"inner dims", tensor.Zeros(5, 4), g.Randn(5, 6), g.Randn(7, 4), "inner dims"},
		{"vector", tensor.Zeros(4), g.Randn(7), g.Randn(7, 4), "at least 2"},
		{"grad", tensor.Zeros(5, 4), g.Randn(5, 7).SetRequiresGrad(true), g.Randn(7, 4), "requires grad"},
		{"strided out", tensor.Zeros(4, 5).T(), g.Randn(5, 7), g.Randn(7, 4), "contiguous"},
	} {
		err := tensor.Catch(func() { tensor.MatMulInto(c.out, c.a, c.b) })
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error about %q", c.name, err, c.want)
		}
	}
}

// TestRelease: a released tensor and its views fail loudly; a tensor that
// requires grad cannot be released.
func TestRelease(t *testing.T) {
	x := tensor.Ones(64, 64)
	v := x.Reshape(4096)
	if !v.SharesStorage(x) || x.SharesStorage(tensor.Ones(64, 64)) {
		t.Fatal("SharesStorage")
	}
	x.Release()
	if err := tensor.Catch(func() { v.Sum() }); !errors.Is(err, tensor.ErrFreed) {
		t.Fatalf("a view of a released tensor: got %v, want ErrFreed", err)
	}
	p := tensor.Ones(3).SetRequiresGrad(true)
	if err := tensor.Catch(p.Release); err == nil || !strings.Contains(err.Error(), "requires grad") {
		t.Fatalf("releasing a parameter: got %v", err)
	}
}
