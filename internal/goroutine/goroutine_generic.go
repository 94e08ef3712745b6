//go:build !amd64 || purego

package goroutine

// ID returns an identifier of the calling goroutine (its number).
func ID() uintptr { return stackID() }
