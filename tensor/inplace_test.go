package tensor_test

import (
	"errors"
	"testing"

	"github.com/nervelab/nerve/tensor"
)

// TestReLUInPlace: relu_ overwrites the storage (and views of it), works
// on a strided view, and refuses a tensor a graph may read.
func TestReLUInPlace(t *testing.T) {
	x := tensor.New([]float32{-1, 2, -3, 4, 0, -0.5}, 2, 3)
	v := x.Reshape(6)
	x.ReLUInPlace()
	if want := []float32{0, 2, 0, 4, 0, 0}; !equalF(v.Data(), want) {
		t.Fatalf("after ReLUInPlace %v, want %v", v.Data(), want)
	}
	y := tensor.New([]float32{-1, 2, -3, 4, 5, -6}, 2, 3)
	y.T().ReLUInPlace() // a non-contiguous view of y's storage
	if want := []float32{0, 2, 0, 4, 5, 0}; !equalF(y.Data(), want) {
		t.Fatalf("through a transposed view %v, want %v", y.Data(), want)
	}
	w := tensor.Ones(3).SetRequiresGrad(true)
	var ge *tensor.GradError
	if err := tensor.Catch(func() { w.ReLUInPlace() }); !errors.As(err, &ge) {
		t.Fatalf("on a tensor requiring grad: got %v, want a *GradError", err)
	}
	tensor.NoGrad(func() { w.ReLUInPlace() }) // a parameter, under no_grad as in init code
}
