package cpu

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSumLanesMatchesRef runs sumLanesBlocks against sumLanesRef for
// lengths 0..67 and a few large ones at unaligned offsets, starting from
// nonzero partial sums, and wants the same bits in t and the same rest.
func TestSumLanesMatchesRef(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, n := range append(seq(68), 96, 1000, 4099) {
		for _, off := range []int{0, 1, 3} {
			s := vecInputs(r, off, n)
			for i := off; i < off+n; i++ {
				if s[i] != s[i] || math.IsInf(float64(s[i]), 0) {
					s[i] = float32(r.NormFloat64() * 1e6) // finite sums: comparable bits
				}
			}
			var got, want [sumLanes]float64
			for j := range got {
				got[j] = r.NormFloat64()
				want[j] = got[j]
			}
			x := s[off : off+n]
			restGot, restWant := sumLanesBlocks(&got, x), sumLanesRef(&want, x)
			if len(restGot) != len(restWant) || len(restGot) > 0 && &restGot[0] != &restWant[0] {
				t.Fatalf("n=%d off=%d: rest %d, want %d", n, off, len(restGot), len(restWant))
			}
			for j := range got {
				if math.Float64bits(got[j]) != math.Float64bits(want[j]) {
					t.Fatalf("n=%d off=%d: lane %d: %v vs %v", n, off, j, got[j], want[j])
				}
			}
		}
	}
}
