package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

func TestSequentialTrainsAndPlots(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	losses, err := run(&out, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(losses) != 50 || losses[49] >= losses[0] {
		t.Fatalf("loss did not fall over 50 epochs: %v", losses)
	}
	for _, f := range []string{"sequential_loss.png", "sequential_predictions.png"} {
		fh, err := os.Open(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(fh)
		fh.Close()
		if err != nil || img.Bounds().Dx() < 100 {
			t.Fatalf("%s: not a usable PNG (%v)", f, err)
		}
	}
}
