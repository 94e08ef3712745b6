package tensor

import (
	"math"

	"github.com/nervelab/nerve/internal/device"
)

// reduceRaw reduces x over dims (sorted, unique; nil = none) with op,
// keeping reduced dims as size 1 when keepdim. No graph.
func reduceRaw(op device.ReduceOp, x *Tensor, dims []int, keepdim bool) *Tensor {
	cur := x.contig()
	shape := cloneInts(x.shape)
	for i := len(dims) - 1; i >= 0; {
		j := i // extend the run of consecutive dims downwards
		for j > 0 && dims[j-1] == dims[j]-1 {
			j--
		}
		outer, n, inner := splitAt(shape, dims[j], dims[i])
		dt := Float32
		if op == device.ArgMax || op == device.ArgMin {
			dt = Int64
		}
		for d := dims[j]; d <= dims[i]; d++ {
			shape[d] = 1
		}
		out := empty(x.dev, dt, shape)
		x.dev.Reduce(op, out.buf, cur.buf, cur.offset, outer, n, inner)
		cur = out
		i = j - 1
	}
	if cur == x {
		cur = x.copyRaw()
	}
	if !keepdim {
		return cur.viewAs(dropDims(shape, dims))
	}
	return cur
}

func dropDims(shape, dims []int) []int {
	out := []int{}
	k := 0
	for d, s := range shape {
		if k < len(dims) && dims[k] == d {
			k++
			continue
		}
		out = append(out, s)
	}
	return out
}

// keptShape is shape with dims set to 1.
func keptShape(shape, dims []int) []int {
	out := cloneInts(shape)
	for _, d := range dims {
		out[d] = 1
	}
	return out
}

// Sum returns the sum over dims (all elements if none), removing them.
func (x *Tensor) Sum(dims ...int) *Tensor { return x.sum("Sum", dims, false) }

// SumKeepDim is Sum keeping the reduced dims as size 1.
func (x *Tensor) SumKeepDim(dims ...int) *Tensor { return x.sum("Sum", dims, true) }

func (x *Tensor) sum(name string, dims []int, keep bool) *Tensor {
	x.mustFloat(name)
	ds := normDims(name, dims, x.Dim())
	out := reduceRaw(device.Sum, x, ds, keep)
	if needsGrad(x) {
		record(out, name, []*Tensor{x}, func(g *Tensor) []*Tensor {
			return []*Tensor{g.viewAs(keptShape(x.shape, ds)).broadcastTo(x.shape).copyRaw()}
		})
	}
	return out
}

// Mean returns the mean over dims (all elements if none), removing them.
func (x *Tensor) Mean(dims ...int) *Tensor { return x.mean(dims, false) }

// MeanKeepDim is Mean keeping the reduced dims as size 1.
func (x *Tensor) MeanKeepDim(dims ...int) *Tensor { return x.mean(dims, true) }

func (x *Tensor) mean(dims []int, keep bool) *Tensor {
	ds := normDims("Mean", dims, x.Dim())
	n := numel(x.shape) / max(1, numel(dropDims(x.shape, ds)))
	return x.sum("Mean", dims, keep).MulScalar(1 / float32(n))
}

// Max returns the maximum over dims (all elements if none), removing them.
// The gradient is split evenly among tied maxima. It panics on an empty
// reduction.
func (x *Tensor) Max(dims ...int) *Tensor { return x.extreme("Max", device.Max, dims, false) }

// MaxKeepDim is Max keeping the reduced dims as size 1.
func (x *Tensor) MaxKeepDim(dims ...int) *Tensor { return x.extreme("Max", device.Max, dims, true) }

// Min returns the minimum over dims (all elements if none), removing them.
func (x *Tensor) Min(dims ...int) *Tensor { return x.extreme("Min", device.Min, dims, false) }

// MinKeepDim is Min keeping the reduced dims as size 1.
func (x *Tensor) MinKeepDim(dims ...int) *Tensor { return x.extreme("Min", device.Min, dims, true) }

func (x *Tensor) extreme(name string, op device.ReduceOp, dims []int, keep bool) *Tensor {
	x.mustFloat(name)
	ds := normDims(name, dims, x.Dim())
	mustNonEmpty(name, x, ds)
	out := reduceRaw(op, x, ds, keep)
	if needsGrad(x) {
		record(out, name, []*Tensor{x}, func(g *Tensor) []*Tensor {
			ks := keptShape(x.shape, ds)
			mask := binaryRaw(name, device.Eq, x, out.viewAs(ks))
			count := reduceRaw(device.Sum, mask, ds, true)
			share := binaryRaw(name, device.Div, g.viewAs(ks), count)
			return []*Tensor{binaryRaw(name, device.Mul, mask, share)}
		})
	}
	return out
}

func mustNonEmpty(name string, x *Tensor, dims []int) {
	for _, d := range dims {
		if x.shape[d] == 0 {
			shapePanic(name, x.shape, nil, "cannot reduce over the zero-size dimension %d", d)
		}
	}
	if x.Numel() == 0 && len(dims) == 0 && x.Dim() > 0 {
		shapePanic(name, x.shape, nil, "cannot reduce an empty tensor")
	}
}

// ArgMax returns the int64 index of the maximum along dim, removing it; with
// no dim, the index into the flattened tensor. Ties give the first index.
// At most one dim may be given.
func (x *Tensor) ArgMax(dim ...int) *Tensor { return x.argExt("ArgMax", device.ArgMax, dim, false) }

// ArgMaxKeepDim is ArgMax along dim keeping it as size 1.
func (x *Tensor) ArgMaxKeepDim(dim int) *Tensor {
	return x.argExt("ArgMax", device.ArgMax, []int{dim}, true)
}

// ArgMin is ArgMax for the minimum.
func (x *Tensor) ArgMin(dim ...int) *Tensor { return x.argExt("ArgMin", device.ArgMin, dim, false) }

// ArgMinKeepDim is ArgMin along dim keeping it as size 1.
func (x *Tensor) ArgMinKeepDim(dim int) *Tensor {
	return x.argExt("ArgMin", device.ArgMin, []int{dim}, true)
}

func (x *Tensor) argExt(name string, op device.ReduceOp, dim []int, keep bool) *Tensor {
	x.mustFloat(name)
	switch len(dim) {
	case 0:
		flat := x.Detach().Reshape(-1)
		mustNonEmpty(name, flat, []int{0})
		return reduceRaw(op, flat, []int{0}, false)
	case 1:
		d := normDim(name, dim[0], x.Dim())
		if x.Dim() == 0 {
			return reduceRaw(op, x.Detach().Reshape(1), []int{0}, false)
		}
		mustNonEmpty(name, x, []int{d})
		return reduceRaw(op, x.Detach(), []int{d}, keep)
	}
	indexPanic(name, "takes at most one dim, got %v", dim)
	return nil
}

// LogSumExp returns log Σ exp(x) over dims, computed stably.
func (x *Tensor) LogSumExp(dims ...int) *Tensor { return x.logSumExp(dims, false) }

// LogSumExpKeepDim is LogSumExp keeping the reduced dims as size 1.
func (x *Tensor) LogSumExpKeepDim(dims ...int) *Tensor { return x.logSumExp(dims, true) }

func (x *Tensor) logSumExp(dims []int, keep bool) *Tensor {
	x.mustFloat("LogSumExp")
	ds := normDims("LogSumExp", dims, x.Dim())
	ks := keptShape(x.shape, ds)
	m := reduceRaw(device.Max, x, ds, true)
	finite := m.Data()
	for i, v := range finite {
		if math.IsInf(float64(v), 0) || math.IsNaN(float64(v)) {
			finite[i] = 0
		}
	}
	m = New(finite, ks...)
	s := reduceRaw(device.Sum, unaryRaw(device.Exp, 0, 0, binaryRaw("LogSumExp", subOp, x, m)), ds, true)
	out := binaryRaw("LogSumExp", addOp, unaryRaw(device.Log, 0, 0, s), m)
	if !keep {
		out = out.viewAs(dropDims(x.shape, ds))
	}
	if needsGrad(x) {
		record(out, "LogSumExp", []*Tensor{x}, func(g *Tensor) []*Tensor {
			p := unaryRaw(device.Exp, 0, 0, binaryRaw("LogSumExp", subOp, x, out.viewAs(ks)))
			return []*Tensor{binaryRaw("LogSumExp", mulOp, p, g.viewAs(ks))}
		})
	}
	return out
}

// Var returns the variance over dims (all elements if none), removing them;
// unbiased divides by N−1 (Bessel's correction) instead of N.
func (x *Tensor) Var(unbiased bool, dims ...int) *Tensor { return x.variance(unbiased, dims, false) }

// VarKeepDim is Var keeping the reduced dims as size 1.
func (x *Tensor) VarKeepDim(unbiased bool, dims ...int) *Tensor {
	return x.variance(unbiased, dims, true)
}

// Std returns the standard deviation, the square root of Var.
func (x *Tensor) Std(unbiased bool, dims ...int) *Tensor { return x.Var(unbiased, dims...).Sqrt() }

// StdKeepDim is Std keeping the reduced dims as size 1.
func (x *Tensor) StdKeepDim(unbiased bool, dims ...int) *Tensor {
	return x.VarKeepDim(unbiased, dims...).Sqrt()
}

func (x *Tensor) variance(unbiased bool, dims []int, keep bool) *Tensor {
	ds := normDims("Var", dims, x.Dim())
	n := numel(x.shape) / max(1, numel(dropDims(x.shape, ds)))
	if unbiased {
		n--
	}
	d := x.Sub(x.MeanKeepDim(dims...))
	ss := d.Mul(d).sum("Var", dims, keep)
	return ss.MulScalar(1 / float32(n))
}
