package peak

import "golang.org/x/sys/cpu"

func fma512(n int)
func fma256(n int)

func kernels() []Kernel {
	k512 := Kernel{Name: "AVX-512", Lanes: 16, OK: cpu.X86.HasAVX512F, run: fma512}
	if !k512.OK {
		k512.Why = "CPU or OS without AVX-512F"
	}
	k256 := Kernel{Name: "AVX2", Lanes: 8, OK: cpu.X86.HasAVX2 && cpu.X86.HasFMA, run: fma256}
	if !k256.OK {
		k256.Why = "CPU or OS without AVX2+FMA"
	}
	return []Kernel{k512, k256}
}
