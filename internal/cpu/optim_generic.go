//go:build !amd64 || purego

package cpu

import "github.com/nervelab/nerve/internal/device"

// adamBlock is adamLoop: no SIMD kernel in this build.
func adamBlock(p, g, m, v []float32, a *device.AdamParams) { adamLoop(p, g, m, v, a) }

// sgdBlock is sgdLoop: no SIMD kernel in this build.
func sgdBlock(p, g, b []float32, a *device.SGDParams) { sgdLoop(p, g, b, a) }
