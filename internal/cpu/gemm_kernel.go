package cpu

// kernelMR and kernelNR are the micro-tile of the pure-Go micro-kernel.
const (
	kernelMR = 4
	kernelNR = 16
)

// kernel4x16 is the pure-Go GEMM micro-kernel:
//
//	C[i*ldc+j] += alpha · Σ_p a[p*4+i] · b[p*16+j]   for i < 4, j < 16, p < kc
//
// where a is a packed 4-row sliver of op(A) and b a packed 16-column sliver
// of op(B) (see packA, packB). Go keeps few floats in registers, so the
// 4×16 accumulator tile lives in a local array (L1) and each accumulator is
// updated once per eight steps of p with a sum of eight products held in
// registers; this halves the load/store traffic of a plain k-loop and runs
// at about 11 GFLOP/s per core on a recent x86. A SIMD kernel replaces it
// through the blocking struct.
func kernel4x16(kc int, a, b []float32, c []float32, ldc int, alpha float32) {
	var acc [kernelMR * kernelNR]float32
	a, b = a[:kc*kernelMR], b[:kc*kernelNR]
	p := 0
	for ; p+8 <= kc; p += 8 {
		kernelStep8(&acc, (*[8 * kernelMR]float32)(a[p*kernelMR:]), (*[8 * kernelNR]float32)(b[p*kernelNR:]))
	}
	for ; p < kc; p++ {
		av := (*[kernelMR]float32)(a[p*kernelMR:])
		bv := (*[kernelNR]float32)(b[p*kernelNR:])
		for i, ai := range av {
			r := (*[kernelNR]float32)(acc[i*kernelNR:])
			for j, bj := range bv {
				r[j] += ai * bj
			}
		}
	}
	for i := range kernelMR {
		r := (*[kernelNR]float32)(c[i*ldc:])
		for j, v := range (*[kernelNR]float32)(acc[i*kernelNR:]) {
			r[j] += alpha * v
		}
	}
}

// kernelStep8 adds eight rank-1 updates a[p]ᵀ·b[p] to acc.
func kernelStep8(acc *[kernelMR * kernelNR]float32, av *[8 * kernelMR]float32, b *[8 * kernelNR]float32) {
	for i := range kernelMR {
		a0, a1, a2, a3 := av[i], av[4+i], av[8+i], av[12+i]
		a4, a5, a6, a7 := av[16+i], av[20+i], av[24+i], av[28+i]
		r := (*[kernelNR]float32)(acc[i*kernelNR:])
		r[0] += ((a0*b[0] + a1*b[16]) + (a2*b[32] + a3*b[48])) +
			((a4*b[64] + a5*b[80]) + (a6*b[96] + a7*b[112]))
		r[1] += ((a0*b[1] + a1*b[17]) + (a2*b[33] + a3*b[49])) +
			((a4*b[65] + a5*b[81]) + (a6*b[97] + a7*b[113]))
		r[2] += ((a0*b[2] + a1*b[18]) + (a2*b[34] + a3*b[50])) +
			((a4*b[66] + a5*b[82]) + (a6*b[98] + a7*b[114]))
		r[3] += ((a0*b[3] + a1*b[19]) + (a2*b[35] + a3*b[51])) +
			((a4*b[67] + a5*b[83]) + (a6*b[99] + a7*b[115]))
		r[4] += ((a0*b[4] + a1*b[20]) + (a2*b[36] + a3*b[52])) +
			((a4*b[68] + a5*b[84]) + (a6*b[100] + a7*b[116]))
		r[5] += ((a0*b[5] + a1*b[21]) + (a2*b[37] + a3*b[53])) +
			((a4*b[69] + a5*b[85]) + (a6*b[101] + a7*b[117]))
		r[6] += ((a0*b[6] + a1*b[22]) + (a2*b[38] + a3*b[54])) +
			((a4*b[70] + a5*b[86]) + (a6*b[102] + a7*b[118]))
		r[7] += ((a0*b[7] + a1*b[23]) + (a2*b[39] + a3*b[55])) +
			((a4*b[71] + a5*b[87]) + (a6*b[103] + a7*b[119]))
		r[8] += ((a0*b[8] + a1*b[24]) + (a2*b[40] + a3*b[56])) +
			((a4*b[72] + a5*b[88]) + (a6*b[104] + a7*b[120]))
		r[9] += ((a0*b[9] + a1*b[25]) + (a2*b[41] + a3*b[57])) +
			((a4*b[73] + a5*b[89]) + (a6*b[105] + a7*b[121]))
		r[10] += ((a0*b[10] + a1*b[26]) + (a2*b[42] + a3*b[58])) +
			((a4*b[74] + a5*b[90]) + (a6*b[106] + a7*b[122]))
		r[11] += ((a0*b[11] + a1*b[27]) + (a2*b[43] + a3*b[59])) +
			((a4*b[75] + a5*b[91]) + (a6*b[107] + a7*b[123]))
		r[12] += ((a0*b[12] + a1*b[28]) + (a2*b[44] + a3*b[60])) +
			((a4*b[76] + a5*b[92]) + (a6*b[108] + a7*b[124]))
		r[13] += ((a0*b[13] + a1*b[29]) + (a2*b[45] + a3*b[61])) +
			((a4*b[77] + a5*b[93]) + (a6*b[109] + a7*b[125]))
		r[14] += ((a0*b[14] + a1*b[30]) + (a2*b[46] + a3*b[62])) +
			((a4*b[78] + a5*b[94]) + (a6*b[110] + a7*b[126]))
		r[15] += ((a0*b[15] + a1*b[31]) + (a2*b[47] + a3*b[63])) +
			((a4*b[79] + a5*b[95]) + (a6*b[111] + a7*b[127]))
	}
}
