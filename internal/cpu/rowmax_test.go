package cpu

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestRowExtremeMatchesRowArg checks that wherever rowExtreme answers, its
// answer has the bits of the element rowArg selects, for lengths 0..67 and
// a few large ones at unaligned offsets, over rows with NaN, ±0, ±Inf and
// denormals mixed in, and over rows of mixed-sign zeros.
func TestRowExtremeMatchesRowArg(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	answered := 0
	for _, n := range append(seq(68), 64, 100, 255, 1000, 4099) {
		for _, off := range []int{0, 1, 3} {
			for trial := range 4 {
				s := vecInputs(r, off, n)
				switch trial {
				case 0: // no NaN
					for i := off; i < off+n; i++ {
						if s[i] != s[i] {
							s[i] = 1
						}
					}
				case 1: // zeros of both signs, below some negatives
					for i := off; i < off+n; i++ {
						s[i] = float32(math.Copysign(0, float64(r.IntN(2)*2-1)))
						if r.IntN(3) == 0 {
							s[i] = -float32(r.ExpFloat64())
						}
					}
				}
				x := s[off : off+n]
				for _, isMax := range []bool{true, false} {
					v, ok := rowExtreme(x, isMax)
					if !ok {
						continue
					}
					answered++
					want := x[rowArg(x, 0, 1, n, isMax)]
					if math.Float32bits(v) != math.Float32bits(want) {
						t.Fatalf("n=%d off=%d trial %d isMax=%v: %v, want %v", n, off, trial, isMax, v, want)
					}
				}
			}
		}
	}
	if hasSIMDExtreme && answered == 0 {
		t.Fatal("rowExtreme never answered")
	}
}
