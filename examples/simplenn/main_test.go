package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestSimpleNNConverges(t *testing.T) {
	var out bytes.Buffer
	if loss := run(&out); loss >= 1e-3 {
		t.Fatalf("final loss %v, want < 1e-3\n%s", loss, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 10 || !strings.HasPrefix(lines[9], "Epoch [100/100], Loss: ") {
		t.Fatalf("unexpected output:\n%s", out.String())
	}
}
