package main

import (
	"os"
	"testing"
)

func TestQuickstartLearns(t *testing.T) {
	skipUnderRace(t)
	dir := t.TempDir()
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	os.Chdir(dir)
	acc, err := run(1, 3000)
	if err != nil {
		t.Fatal(err)
	}
	if acc < 0.85 {
		t.Fatalf("test accuracy %.3f after one epoch on 3000 images, want ≥ 0.85", acc)
	}
	for _, f := range []string{"loss.png", "mnist.safetensors", "mnist.ckpt"} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("%s not written: %v", f, err)
		}
	}
}

// skipUnderRace skips end-to-end training under the race detector (set in
// race_test.go).
var skipUnderRace = func(*testing.T) {}
