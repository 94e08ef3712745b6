package tensor

import (
	"math"
)

// New returns a float32 tensor holding a copy of data with the given shape.
// With no shape argument at all it is 1-D of len(data); an empty, non-nil
// shape (New(d, []int{}...), or New(d, x.Shape()...) for a 0-D x) makes a
// 0-D scalar. It panics if the shape does not
// match the data's length.
func New(data []float32, shape ...int) *Tensor {
	if shape == nil {
		shape = []int{len(data)}
	}
	checkShape("New", shape)
	if numel(shape) != len(data) {
		shapePanic("New", shape, nil, "needs %d elements, got %d", numel(shape), len(data))
	}
	t := emptyUninit(defaultDevice(), Float32, shape) // every element written next
	t.dev.WriteF32(t.buf, 0, data)
	return t
}

// FromInt64 returns an int64 tensor (indices, class labels) holding a copy
// of data with the given shape (no shape: 1-D).
func FromInt64(data []int64, shape ...int) *Tensor {
	if shape == nil {
		shape = []int{len(data)}
	}
	checkShape("FromInt64", shape)
	if numel(shape) != len(data) {
		shapePanic("FromInt64", shape, nil, "needs %d elements, got %d", numel(shape), len(data))
	}
	t := empty(defaultDevice(), Int64, shape)
	t.dev.WriteI64(t.buf, 0, data)
	return t
}

// Scalar returns a 0-dimensional float32 tensor.
func Scalar(v float32) *Tensor { return New([]float32{v}, []int{}...) }

func checkShape(op string, shape []int) {
	for _, s := range shape {
		if s < 0 {
			shapePanic(op, shape, nil, "negative dimension %d", s)
		}
	}
}

// Zeros returns a float32 tensor of zeros.
func Zeros(shape ...int) *Tensor {
	checkShape("Zeros", shape)
	return empty(defaultDevice(), Float32, shape)
}

// Ones returns a float32 tensor of ones.
func Ones(shape ...int) *Tensor { return Full(1, shape...) }

// Full returns a float32 tensor filled with v.
func Full(v float32, shape ...int) *Tensor {
	t := Zeros(shape...)
	t.dev.Fill(t.buf, 0, t.Numel(), float64(v))
	return t
}

// ZerosLike returns zeros of t's shape.
func ZerosLike(t *Tensor) *Tensor { return Zeros(t.shape...) }

// OnesLike returns ones of t's shape.
func OnesLike(t *Tensor) *Tensor { return Ones(t.shape...) }

// Arange returns the 1-D tensor start, start+step, … up to but excluding
// end, as torch.arange. It panics if step is 0 or has the wrong sign.
func Arange(start, end, step float32) *Tensor {
	if step == 0 || (end-start)*step < 0 {
		shapePanic("Arange", nil, nil, "upper bound and larger bound inconsistent with step sign (start %v, end %v, step %v)", start, end, step)
	}
	n := int(math.Ceil(float64(end-start) / float64(step)))
	data := make([]float32, n)
	for i := range data {
		data[i] = float32(float64(start) + float64(i)*float64(step))
	}
	return New(data, n)
}

// Linspace returns steps evenly spaced values from start to end inclusive,
// as torch.linspace.
func Linspace(start, end float32, steps int) *Tensor {
	if steps < 0 {
		shapePanic("Linspace", nil, nil, "number of steps must be non-negative, got %d", steps)
	}
	data := make([]float32, steps)
	if steps == 1 {
		data[0] = start
	}
	if steps > 1 {
		step := (float64(end) - float64(start)) / float64(steps-1)
		half := steps / 2
		for i := range data { // symmetric, as PyTorch, so the end is exact
			if i < half {
				data[i] = float32(float64(start) + step*float64(i))
			} else {
				data[i] = float32(float64(end) - step*float64(steps-1-i))
			}
		}
	}
	return New(data, steps)
}

// Eye returns the n×n identity matrix.
func Eye(n int) *Tensor {
	checkShape("Eye", []int{n})
	data := make([]float32, n*n)
	for i := 0; i < n; i++ {
		data[i*n+i] = 1
	}
	return New(data, n, n)
}
