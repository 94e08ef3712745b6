//go:build race

package main

import "testing"

func init() {
	skipUnderRace = func(t *testing.T) { t.Skip("end-to-end training runs without the race detector") }
}
