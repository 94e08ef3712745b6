package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDoseFindsBias(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	b, err := run(&out, dir)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(float64(b)+16.01) > 0.05 {
		t.Fatalf("final bias %v, want -16.01 ± 0.05", b)
	}
	if !strings.Contains(out.String(), "Num steps: ") {
		t.Fatalf("no early-stopping line in:\n%s", out.String())
	}
	for _, f := range []string{"dose_loss.png", "dose_fit.png"} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil || st.Size() < 1000 {
			t.Fatalf("%s: %v (size %v)", f, err, st)
		}
	}
}
