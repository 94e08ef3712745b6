package main

import (
	"io"
	"testing"
)

func TestLinearLossDecreasesMonotonically(t *testing.T) {
	losses := run(io.Discard)
	if len(losses) != 100 {
		t.Fatalf("%d epochs", len(losses))
	}
	for i := 1; i < len(losses); i++ {
		if losses[i] >= losses[i-1] {
			t.Fatalf("loss rose at epoch %d: %v → %v", i+1, losses[i-1], losses[i])
		}
	}
	if losses[99] >= losses[0]/2 {
		t.Fatalf("loss barely fell: %v → %v", losses[0], losses[99])
	}
}
