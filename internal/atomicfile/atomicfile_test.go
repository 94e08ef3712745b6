package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteReplacesOrKeepsOld(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.bin")
	if err := WriteBytes(p, []byte("old")); err != nil {
		t.Fatal(err)
	}
	check := func(want string) {
		t.Helper()
		b, err := os.ReadFile(p)
		if err != nil || string(b) != want {
			t.Fatalf("file holds %q (%v), want %q", b, err, want)
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 1 {
			t.Fatalf("temporary file left behind: %v", ents)
		}
	}
	big := make([]byte, 3<<20)
	for _, n := range []int{0, 2, 2 << 20} {
		Hook = func(w io.Writer) io.Writer { return FailAfter(w, n) }
		err := WriteBytes(p, big)
		Hook = nil
		if err == nil {
			t.Fatalf("fail after %d: no error", n)
		}
		check("old")
	}
	if err := Write(p, func(io.Writer) error { return errors.New("encoder broke") }); err == nil {
		t.Fatal("fill error lost")
	}
	check("old")
	Rename = func(string, string) error { return errors.New("rename refused") }
	err := WriteBytes(p, []byte("new"))
	Rename = os.Rename
	if err == nil {
		t.Fatal("rename error lost")
	}
	check("old")
	if err := WriteBytes(p, []byte("new")); err != nil {
		t.Fatal(err)
	}
	check("new")
	if err := WriteBytes(filepath.Join(dir, "missing", "f"), nil); err == nil {
		t.Fatal("write into a missing directory succeeded")
	}
}
