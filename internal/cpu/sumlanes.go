package cpu

// sumLanes is the number of partial sums rowSum keeps on a unit stride.
const sumLanes = 32

// sumLanesRef adds x's whole blocks of sumLanes elements into t, element j
// of each block into t[j], and returns the rest of x.
func sumLanesRef(t *[sumLanes]float64, x []float32) []float32 {
	for len(x) >= sumLanes {
		for j, v := range x[:sumLanes] {
			t[j] += float64(v)
		}
		x = x[sumLanes:]
	}
	return x
}
