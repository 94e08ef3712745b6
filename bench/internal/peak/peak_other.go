//go:build !amd64

package peak

func kernels() []Kernel {
	why := "no FMA loop for this architecture"
	return []Kernel{{Name: "AVX-512", Lanes: 16, Why: why}, {Name: "AVX2", Lanes: 8, Why: why}}
}
