package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/nervelab/nerve/internal/device"
)

// benchUnary times Device.Unary (and, for ReLU, its backward) on a 64×512
// activation.
func benchUnary(b *testing.B, op device.UnaryOp) {
	const n = 64 * 512
	var dev Device
	x, y := dev.Alloc(device.Float32, n), dev.Alloc(device.Float32, n)
	r := rand.New(rand.NewPCG(1, 1))
	for i, s := 0, f32s(x); i < n; i++ {
		s[i] = float32(r.NormFloat64() * 3)
	}
	b.SetBytes(8 * n)
	for b.Loop() {
		dev.Unary(op, 0, 0, y, 0, x, 0, n)
	}
}

func BenchmarkUnaryReLU(b *testing.B)    { benchUnary(b, device.ReLU) }
func BenchmarkUnaryExp(b *testing.B)     { benchUnary(b, device.Exp) }
func BenchmarkUnaryLog(b *testing.B)     { benchUnary(b, device.Log) }
func BenchmarkUnaryTanh(b *testing.B)    { benchUnary(b, device.Tanh) }
func BenchmarkUnarySigmoid(b *testing.B) { benchUnary(b, device.Sigmoid) }

func BenchmarkReLUBackward(b *testing.B) {
	const n = 64 * 512
	var dev Device
	x, g, dx := dev.Alloc(device.Float32, n), dev.Alloc(device.Float32, n), dev.Alloc(device.Float32, n)
	r := rand.New(rand.NewPCG(1, 1))
	for i, s := 0, f32s(x); i < n; i++ {
		s[i] = float32(r.NormFloat64())
	}
	b.SetBytes(12 * n)
	for b.Loop() {
		dev.UnaryBackward(device.ReLU, 0, 0, dx, g, x, nil, n)
	}
}

func BenchmarkBinaryAddDense(b *testing.B) {
	const n = 64 * 512
	var dev Device
	x, y, z := dev.Alloc(device.Float32, n), dev.Alloc(device.Float32, n), dev.Alloc(device.Float32, n)
	l := device.Layout{Shape: []int{64, 512}, Strides: []int{512, 1}}
	b.SetBytes(12 * n)
	for b.Loop() {
		dev.Binary(device.Add, z, l, x, l, y, l)
	}
}

// benchReduce times Device.Reduce over the rows of a 64×512 array.
func benchReduce(b *testing.B, op device.ReduceOp) {
	const rows, n = 64, 512
	var dev Device
	x, y := dev.Alloc(device.Float32, rows*n), dev.Alloc(device.Float32, rows)
	r := rand.New(rand.NewPCG(1, 1))
	for i, s := 0, f32s(x); i < rows*n; i++ {
		s[i] = float32(r.NormFloat64())
	}
	b.SetBytes(4 * rows * n)
	for b.Loop() {
		dev.Reduce(op, y, x, 0, rows, n, 1)
	}
}

func BenchmarkReduceSumRows(b *testing.B) { benchReduce(b, device.Sum) }
func BenchmarkReduceMaxRows(b *testing.B) { benchReduce(b, device.Max) }
