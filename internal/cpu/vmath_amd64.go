//go:build amd64 && !purego

package cpu

// The AVX-512 kernels below set d[i] = F(s[i]) for i < n, n a multiple of
// 16, evaluating in float64 and rounding once: within 1 ulp of the
// reference loops of vmath.go.

//go:noescape
func expAVX512(d, s *float32, n int)

//go:noescape
func logAVX512(d, s *float32, n int)

//go:noescape
func tanhAVX512(d, s *float32, n int)

//go:noescape
func sigmoidAVX512(d, s *float32, n int)

func vmath(kernel func(d, s *float32, n int), ref func(d, s []float32), d, s []float32) {
	s = s[:len(d)]
	if n := len(d) &^ 15; hasAVX512 && n >= simdMin {
		kernel(&d[0], &s[0], n)
		d, s = d[n:], s[n:]
	}
	ref(d, s)
}

func expLoop(d, s []float32)     { vmath(expAVX512, expRef, d, s) }
func logLoop(d, s []float32)     { vmath(logAVX512, logRef, d, s) }
func tanhLoop(d, s []float32)    { vmath(tanhAVX512, tanhRef, d, s) }
func sigmoidLoop(d, s []float32) { vmath(sigmoidAVX512, sigmoidRef, d, s) }
