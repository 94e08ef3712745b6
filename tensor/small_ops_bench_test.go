package tensor

import "testing"

// The per-op overhead on tiny tensors: the dispatch, allocation and graph
// bookkeeping that dominate small models (one op on 10 elements).

// BenchmarkAdd10 is Add on two 10-element tensors, no graph.
func BenchmarkAdd10(b *testing.B) {
	x := New([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	y := New([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = x.Add(y)
	}
}

// BenchmarkAdd10Grad is the same with a graph node recorded.
func BenchmarkAdd10Grad(b *testing.B) {
	x := New([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}).SetRequiresGrad(true)
	y := New([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = x.Add(y)
	}
}
