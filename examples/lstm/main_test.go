package main

import (
	"os"
	"testing"
)

// TestRowLSTMLearns trains one epoch on the first 10000 images: an untrained
// network scores about 10%.
func TestRowLSTMLearns(t *testing.T) {
	skipUnderRace(t)
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	os.Chdir(t.TempDir())
	acc, err := run(1, 10000)
	if err != nil {
		t.Fatal(err)
	}
	if acc < 0.6 {
		t.Fatalf("test accuracy %.3f after one epoch on 10000 images, want ≥ 0.6", acc)
	}
	if _, err := os.Stat("lstm.safetensors"); err != nil {
		t.Error(err)
	}
}

// skipUnderRace skips end-to-end training under the race detector (set in
// race_test.go).
var skipUnderRace = func(*testing.T) {}
