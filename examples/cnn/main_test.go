package main

import (
	"os"
	"testing"
)

// TestCNNLearns trains one epoch on the first 6000 images of real MNIST; an untrained
// network scores about 10%, this one about 92%.
func TestCNNLearns(t *testing.T) {
	skipUnderRace(t)
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	os.Chdir(t.TempDir())
	acc, err := run(1, 6000)
	if err != nil {
		t.Fatal(err)
	}
	if acc < 0.85 {
		t.Fatalf("test accuracy %.3f after one epoch on 6000 images, want ≥ 0.85", acc)
	}
	if _, err := os.Stat("cnn.safetensors"); err != nil {
		t.Error(err)
	}
}

// skipUnderRace skips end-to-end training under the race detector (set in
// race_test.go).
var skipUnderRace = func(*testing.T) {}
