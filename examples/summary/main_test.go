package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestSummaryMatchesPyTorch(t *testing.T) {
	var out bytes.Buffer
	run(&out)
	want := `SimpleNN(
  (fc1): Linear(in_features=2, out_features=2, bias=True)
  (fc2): Linear(in_features=2, out_features=1, bias=True)
)`
	if !strings.HasPrefix(out.String(), want+"\n") {
		t.Fatalf("got:\n%s\nwant it to start with:\n%s", out.String(), want)
	}
	if !strings.Contains(out.String(), "9") { // 4+2+2+1 parameters
		t.Fatalf("no parameter total in:\n%s", out.String())
	}
}
