package tensor_test

import (
	"fmt"
	"testing"

	"github.com/nervelab/nerve/tensor"
)

// BenchmarkMatMul reports GFLOP/s (2n³ flops per product) for square
// matrices: go test -run XXX -bench MatMul ./tensor
func BenchmarkMatMul(b *testing.B) {
	for _, n := range []int{64, 128, 256, 512, 1024} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			g := tensor.NewGenerator(1)
			x, y := g.Randn(n, n), g.Randn(n, n)
			x.MatMul(y) // warm the pool
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				x.MatMul(y)
			}
			flops := 2 * float64(n) * float64(n) * float64(n) * float64(b.N)
			b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
