package nn

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nervelab/nerve/internal/atomicfile"

	"github.com/nervelab/nerve/tensor"
)

func encodeST(t testing.TB, tensors map[string]*tensor.Tensor, md map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteSafetensors(&b, tensors, md); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// rawST assembles a file from a header string and a data section, padding
// nothing, for the corruption cases.
func rawST(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return append(b, data...)
}

func sameTensor(t *testing.T, name string, got, want *tensor.Tensor) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: missing", name)
	}
	if !slices.Equal(got.Shape(), want.Shape()) || got.DType() != want.DType() {
		t.Fatalf("%s: got %v %v, want %v %v", name, got.DType(), got.Shape(), want.DType(), want.Shape())
	}
	if want.DType() == tensor.Int64 {
		if !slices.Equal(got.Int64s(), want.Int64s()) {
			t.Fatalf("%s: got %v, want %v", name, got.Int64s(), want.Int64s())
		}
		return
	}
	g, w := got.Data(), want.Data()
	for i := range w {
		if math.Float32bits(g[i]) != math.Float32bits(w[i]) {
			t.Fatalf("%s: got %v, want %v", name, g, w)
		}
	}
}

func TestSafetensorsRoundTrip(t *testing.T) {
	in := map[string]*tensor.Tensor{
		"w":       tensor.New([]float32{1, -2.5, float32(math.Inf(1)), 3e-38, 0, 6}, 2, 3),
		"scalar":  tensor.Scalar(7.25),
		"empty":   tensor.New([]float32{}, 0, 3),
		"empty1":  tensor.New([]float32{}, 0),
		"idx":     tensor.FromInt64([]int64{math.MinInt64, -1, 0, math.MaxInt64}, 4, 1),
		"i0":      tensor.FromInt64([]int64{42}, []int{}...),
		"a<b>&\"": tensor.New([]float32{1}, 1, 1, 1),
		"view":    tensor.New([]float32{1, 2, 3, 4, 5, 6}, 2, 3).Transpose(0, 1),
	}
	md := map[string]string{"format": "pt", "note": "ünïcode <&>"}
	b := encodeST(t, in, md)
	n := binary.LittleEndian.Uint64(b)
	if n%8 != 0 {
		t.Errorf("header length %d is not a multiple of 8", n)
	}
	if !strings.HasPrefix(string(b[8:]), `{"__metadata__":{"format":"pt","note":"ünïcode <&>"},"a<b>&\"":{`) {
		t.Errorf("header: %s", b[8:8+n])
	}
	out, gotMD, err := ReadSafetensors(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(in) {
		t.Fatalf("got %d tensors, want %d", len(out), len(in))
	}
	for name, w := range in {
		sameTensor(t, name, out[name], w)
	}
	if len(gotMD) != 2 || gotMD["format"] != "pt" || gotMD["note"] != md["note"] {
		t.Errorf("metadata %v, want %v", gotMD, md)
	}
	// Unknown size reads to the end.
	out, _, err = ReadSafetensors(bytes.NewReader(b), -1)
	if err != nil || len(out) != len(in) {
		t.Fatalf("size -1: %v", err)
	}
	// Writing what was read gives the same bytes.
	if b2 := encodeST(t, out, md); !bytes.Equal(b, b2) {
		t.Error("rewrite differs")
	}
	// No tensors, no metadata.
	b = encodeST(t, nil, nil)
	if string(b[8:]) != "{}      " {
		t.Errorf("empty file header %q", b[8:])
	}
	out, gotMD, err = ReadSafetensors(bytes.NewReader(b), int64(len(b)))
	if err != nil || len(out) != 0 || gotMD != nil {
		t.Errorf("empty file: %v %v %v", out, gotMD, err)
	}
}

func TestSafetensorsWriteErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		m    map[string]*tensor.Tensor
	}{
		{"reserved", map[string]*tensor.Tensor{"__metadata__": tensor.Scalar(1)}},
		{"nil", map[string]*tensor.Tensor{"x": nil}},
	} {
		if err := WriteSafetensors(&bytes.Buffer{}, c.m, nil); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}

func TestSafetensorsOtherDTypes(t *testing.T) {
	data := binary.LittleEndian.AppendUint64(nil, math.Float64bits(1.0/3))
	data = binary.LittleEndian.AppendUint64(data, math.Float64bits(-2))
	data = binary.LittleEndian.AppendUint16(data, 0x3c00) // f16 1
	data = binary.LittleEndian.AppendUint16(data, 0xc000) // f16 -2
	data = binary.LittleEndian.AppendUint16(data, 0x0001) // f16 2^-24
	data = binary.LittleEndian.AppendUint16(data, 0x7c00) // f16 +inf
	data = binary.LittleEndian.AppendUint16(data, 0x3f80) // bf16 1
	data = binary.LittleEndian.AppendUint16(data, 0xc0a0) // bf16 -5
	h := `{"d":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"h":{"dtype":"F16","shape":[2,2],"data_offsets":[16,24]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[24,28]}}`
	b := rawST(h, data)
	out, _, err := ReadSafetensors(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	sameTensor(t, "d", out["d"], tensor.New([]float32{float32(1.0 / 3), -2}))
	sameTensor(t, "h", out["h"], tensor.New([]float32{1, -2, 1.0 / (1 << 24), float32(math.Inf(1))}, 2, 2))
	sameTensor(t, "b", out["b"], tensor.New([]float32{1, -5}))
}

func TestHalfToFloat32(t *testing.T) {
	for _, c := range []struct {
		h    uint16
		want float32
	}{{0x0000, 0}, {0x3c00, 1}, {0x3555, 0.333251953125}, {0x7bff, 65504}, {0x0400, 1.0 / (1 << 14)}, {0x03ff, 1023.0 / (1 << 24)}, {0x8001, -1.0 / (1 << 24)}, {0xfc00, float32(math.Inf(-1))}} {
		if got := halfToFloat32(c.h); got != c.want {
			t.Errorf("%#04x: got %v, want %v", c.h, got, c.want)
		}
	}
	if f := halfToFloat32(0x7e00); f == f {
		t.Error("nan")
	}
	if f := halfToFloat32(0x8000); math.Float32bits(f) != 1<<31 {
		t.Error("-0")
	}
}

// corruptCases are malformed files, each with a fragment its error must hold.
func corruptCases() []struct {
	name, want string
	file       []byte
} {
	f8 := make([]byte, 8)
	good := `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`
	huge := binary.LittleEndian.AppendUint64(nil, 1<<40)
	return []struct {
		name, want string
		file       []byte
	}{
		{"empty", "too short", nil},
		{"short prefix", "too short", []byte{1, 0, 0}},
		{"header past end", "exceeds the file", rawST(good, f8)[:20]},
		{"header over limit", "exceeds the limit", append(huge, "{}"...)},
		{"header max uint64", "exceeds the limit", append(binary.LittleEndian.AppendUint64(nil, math.MaxUint64), "{}"...)},
		{"invalid json", "invalid header JSON", rawST(`{"a":{"dtype":"F32",`, nil)},
		{"not object", "not a JSON object", rawST(`["a"]`, nil)},
		{"trailing", "trailing", rawST(`{}{}`, nil)},
		{"bad utf8", "UTF-8", rawST("{\"\xff\":1}", nil)},
		{"entry not object", `tensor "a": header entry is not a JSON object`, rawST(`{"a":[1,2]}`, nil)},
		{"entry null", `tensor "a": header entry is not a JSON object`, rawST(`{"a":null}`, nil)},
		{"no dtype", `tensor "a": header entry has no "dtype"`, rawST(`{"a":{"shape":[2],"data_offsets":[0,8]}}`, f8)},
		{"no offsets", `has no "data_offsets"`, rawST(`{"a":{"dtype":"F32","shape":[2]}}`, f8)},
		{"unknown dtype", `tensor "a": unknown dtype "F33"`, rawST(`{"a":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}}`, f8)},
		{"unsupported dtype", `tensor "a": dtype I32 is not supported`, rawST(`{"a":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}}`, f8)},
		{"dtype not string", "dtype is not a string", rawST(`{"a":{"dtype":4,"shape":[2],"data_offsets":[0,8]}}`, f8)},
		{"negative dim", `tensor "a": negative dimension`, rawST(`{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}`, f8)},
		{"huge dims", `tensor "a": shape [4294967296 4294967296] is too large`, rawST(`{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}`, f8)},
		{"dim overflow", `tensor "a": shape is not a list`, rawST(`{"a":{"dtype":"F32","shape":[1e30],"data_offsets":[0,8]}}`, f8)},
		{"fraction dim", `shape is not a list`, rawST(`{"a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}}`, f8)},
		{"shape null", `shape is not a list`, rawST(`{"a":{"dtype":"F32","shape":null,"data_offsets":[0,8]}}`, f8)},
		{"three offsets", "not a pair", rawST(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8,9]}}`, f8)},
		{"negative offset", "negative data_offsets", rawST(`{"a":{"dtype":"F32","shape":[0],"data_offsets":[-8,-8]}}`, f8)},
		{"begin after end", `tensor "a": data_offsets [8 0]: begin is after end`, rawST(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}`, f8)},
		{"length vs shape", `tensor "a": data_offsets [0 8] hold 8 bytes, but F32 shape [3] needs 12`, rawST(`{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, f8)},
		{"out of range", `tensor "a": data_offsets [0, 8] run past the data section's 4 bytes`, rawST(good, f8[:4])},
		{"offsets huge", `run past`, rawST(`{"a":{"dtype":"F32","shape":[268435456],"data_offsets":[0,1073741824]}}`, f8)},
		{"gap", `tensor "b": data_offsets [12, 16] leave a gap after byte 8`, rawST(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}}`, make([]byte, 16))},
		{"overlap", `overlap the previous tensor`, rawST(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f8)},
		{"trailing data", "the tensors cover only 8", rawST(good, make([]byte, 12))},
		{"leading gap", `leave a gap after byte 0`, rawST(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f8)},
		{"duplicate", `tensor "a": duplicate key`, rawST(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f8)},
		{"metadata not object", "__metadata__ is not a JSON object", rawST(`{"__metadata__":[1]}`, nil)},
		{"metadata not string", `value of "k" is not a string`, rawST(`{"__metadata__":{"k":1}}`, nil)},
		{"duplicate metadata", `duplicate key`, rawST(`{"__metadata__":{},"__metadata__":{}}`, nil)},
	}
}

func TestSafetensorsCorrupt(t *testing.T) {
	for _, c := range corruptCases() {
		_, _, err := ReadSafetensors(bytes.NewReader(c.file), int64(len(c.file)))
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "safetensors: ") {
			t.Errorf("%s: error %q does not hold %q", c.name, err, c.want)
		}
		// Unknown size (read to the end) also fails.
		if _, _, err := ReadSafetensors(bytes.NewReader(c.file), -1); err == nil {
			t.Errorf("%s, size -1: no error", c.name)
		}
	}
	// A size that lies (larger than what r holds) is a truncation error.
	b := encodeST(t, map[string]*tensor.Tensor{"a": tensor.Ones(4)}, nil)
	if _, _, err := ReadSafetensors(bytes.NewReader(b[:len(b)-3]), int64(len(b))); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("truncated data: %v", err)
	}
	// Every truncation of a good file fails without panicking.
	for i := range len(b) {
		if _, _, err := ReadSafetensors(bytes.NewReader(b[:i]), int64(i)); err == nil {
			t.Errorf("truncated to %d bytes: no error", i)
		}
	}
}

func TestLoadTensorsErrorsNameFile(t *testing.T) {
	dir := t.TempDir()
	for _, c := range corruptCases() {
		p := filepath.Join(dir, "bad.safetensors")
		if err := os.WriteFile(p, c.file, 0o644); err != nil {
			t.Fatal(err)
		}
		_, _, err := LoadTensors(p)
		if err == nil || !strings.HasPrefix(err.Error(), "safetensors: "+p+": ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if _, _, err := LoadTensors(filepath.Join(dir, "nope")); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if _, _, err := LoadTensors(dir); err == nil {
		t.Error("directory: no error")
	}
}

func TestSaveLoadTensors(t *testing.T) {
	p := filepath.Join(t.TempDir(), "m.safetensors")
	in := map[string]*tensor.Tensor{"w": tensor.New([]float32{1, 2, 3, 4}, 2, 2), "n": tensor.FromInt64([]int64{5})}
	if err := SaveTensors(p, in, map[string]string{"epoch": "3"}); err != nil {
		t.Fatal(err)
	}
	out, md, err := LoadTensors(p)
	if err != nil {
		t.Fatal(err)
	}
	for name, w := range in {
		sameTensor(t, name, out[name], w)
	}
	if md["epoch"] != "3" {
		t.Errorf("metadata %v", md)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", st.Mode())
	}
}

func TestSaveTensorsAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "m.safetensors")
	good := map[string]*tensor.Tensor{"w": tensor.New([]float32{1, 2, 3}, 3)}
	if err := SaveTensors(p, good, nil); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(p)
	check := func(what string) {
		t.Helper()
		after, err := os.ReadFile(p)
		if err != nil || !bytes.Equal(before, after) {
			t.Fatalf("%s: file at path changed", what)
		}
		out, _, err := LoadTensors(p)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		sameTensor(t, "w", out["w"], good["w"])
		ents, _ := os.ReadDir(dir)
		if len(ents) != 1 {
			t.Fatalf("%s: temp file left behind: %v", what, ents)
		}
	}
	big := map[string]*tensor.Tensor{"w": tensor.Ones(3 << 20)} // more than the 1 MiB buffer
	for _, n := range []int{0, 5, 100, 2 << 20} {
		atomicfile.Hook = func(w io.Writer) io.Writer { return atomicfile.FailAfter(w, n) }
		err := SaveTensors(p, big, nil)
		atomicfile.Hook = nil
		if err == nil || !strings.Contains(err.Error(), "disk full") || !strings.Contains(err.Error(), p) {
			t.Fatalf("fail after %d: %v", n, err)
		}
		check("failing writer")
	}
	// A write error from WriteSafetensors itself (bad input).
	if err := SaveTensors(p, map[string]*tensor.Tensor{"x": nil}, nil); err == nil {
		t.Fatal("nil tensor saved")
	}
	check("bad input")
	// The rename fails: the target is a directory.
	d := filepath.Join(dir, "sub")
	if err := os.Mkdir(d, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := SaveTensors(d, good, nil); err == nil {
		t.Fatal("saved over a directory")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 {
		t.Fatalf("temp file left behind: %v", ents)
	}
	os.RemoveAll(d)
	check("rename onto directory")
	// WriteSafetensors into a failing writer reports the error.
	if err := WriteSafetensors(atomicfile.FailAfter(io.Discard, 20), big, nil); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("failing writer: %v", err)
	}
}

func TestLoadInto(t *testing.T) {
	model := func() map[string]*tensor.Tensor {
		return map[string]*tensor.Tensor{
			"fc1.weight": tensor.Zeros(3, 2),
			"fc1.bias":   tensor.Zeros(2),
			"fc2.bias":   tensor.Zeros(1),
			"steps":      tensor.FromInt64([]int64{0}),
		}
	}
	dst := model()
	src := map[string]*tensor.Tensor{
		"fc1.weight": tensor.Ones(2, 2),
		"fc1.bias":   tensor.Ones(2),
		"fc3.weight": tensor.Ones(1),
		"steps":      tensor.New([]float32{1}),
	}
	err := LoadInto(dst, src)
	if err == nil {
		t.Fatal("no error")
	}
	want := "nn.LoadInto: 4 mismatches, nothing loaded:\n" +
		"\t\"fc1.weight\": shape [2 2] in file, [3 2] in model\n" +
		"\tmissing \"fc2.bias\"\n" +
		"\tunexpected \"fc3.weight\"\n" +
		"\t\"steps\": dtype float32 in file, int64 in model"
	if err.Error() != want {
		t.Errorf("error\n%s\nwant\n%s", err, want)
	}
	for name, d := range dst {
		for _, v := range d.Data() {
			if v != 0 {
				t.Fatalf("%s was written despite the mismatch", name)
			}
		}
	}
	// A matching source loads in place (the same *Tensor, new values).
	dst = model()
	w := dst["fc1.weight"]
	src = map[string]*tensor.Tensor{
		"fc1.weight": tensor.New([]float32{1, 2, 3, 4, 5, 6}, 3, 2),
		"fc1.bias":   tensor.Ones(2),
		"fc2.bias":   tensor.Full(7, 1),
		"steps":      tensor.FromInt64([]int64{9}),
	}
	if err := LoadInto(dst, src); err != nil {
		t.Fatal(err)
	}
	if dst["fc1.weight"] != w {
		t.Fatal("tensor replaced, not loaded in place")
	}
	for name := range src {
		sameTensor(t, name, dst[name], src[name])
	}
	if err := LoadInto(map[string]*tensor.Tensor{"a": tensor.Zeros(1)}, map[string]*tensor.Tensor{}); err == nil || err.Error() != "nn.LoadInto: 1 mismatch, nothing loaded:\n\tmissing \"a\"" {
		t.Errorf("one mismatch: %v", err)
	}
}

// TestSafetensorsTorchFixture reads a file written by PyTorch
// (testdata/gen_safetensors.py) and compares it with the JSON of the same
// tensors, exactly; nerve's writer then reproduces the file byte for byte.
func TestSafetensorsTorchFixture(t *testing.T) {
	var fx struct {
		Metadata map[string]string `json:"metadata"`
		Tensors  map[string]struct {
			DType string            `json:"dtype"`
			Shape []int             `json:"shape"`
			Data  []json.RawMessage `json:"data"`
		} `json:"tensors"`
	}
	raw, err := os.ReadFile("testdata/torch_state.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &fx); err != nil {
		t.Fatal(err)
	}
	got, md, err := LoadTensors("testdata/torch_state.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(fx.Tensors) || len(got) != 5 {
		t.Fatalf("got %d tensors, fixture has %d", len(got), len(fx.Tensors))
	}
	for _, name := range []string{"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "step"} {
		if _, ok := fx.Tensors[name]; !ok {
			t.Fatalf("fixture lacks %s", name)
		}
	}
	for name, f := range fx.Tensors {
		var want *tensor.Tensor
		switch f.DType {
		case "I64":
			v := make([]int64, len(f.Data))
			for i, d := range f.Data {
				if err := json.Unmarshal(d, &v[i]); err != nil {
					t.Fatal(err)
				}
			}
			want = tensor.FromInt64(v, f.Shape...)
		case "F32":
			v := make([]float32, len(f.Data))
			for i, d := range f.Data {
				var x float64
				if err := json.Unmarshal(d, &x); err != nil {
					t.Fatal(err)
				}
				v[i] = float32(x)
				if float64(v[i]) != x {
					t.Fatalf("%s: %v is not a float32", name, x)
				}
			}
			want = tensor.New(v, f.Shape...)
		default:
			t.Fatalf("%s: dtype %s", name, f.DType)
		}
		sameTensor(t, name, got[name], want)
	}
	if len(md) != len(fx.Metadata) || md["format"] != "pt" {
		t.Errorf("metadata %v, want %v", md, fx.Metadata)
	}
	file, _ := os.ReadFile("testdata/torch_state.safetensors")
	if b := encodeST(t, got, md); !bytes.Equal(b, file) {
		t.Errorf("nerve's writer does not reproduce the PyTorch-side file:\n%q\n%q", b, file)
	}
}

func FuzzReadSafetensors(f *testing.F) {
	f.Add(encodeST(f, map[string]*tensor.Tensor{
		"a": tensor.New([]float32{1, 2, 3, 4}, 2, 2),
		"b": tensor.FromInt64([]int64{1, -2}),
		"c": tensor.Scalar(3),
		"e": tensor.New([]float32{}, 0),
	}, map[string]string{"k": "v"}))
	if b, err := os.ReadFile("testdata/torch_state.safetensors"); err == nil {
		f.Add(b)
	}
	for _, c := range corruptCases() {
		f.Add(c.file)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		out, _, err := ReadSafetensors(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		// What reads must write back and read again the same.
		var buf bytes.Buffer
		if err := WriteSafetensors(&buf, out, nil); err != nil {
			t.Fatal(err)
		}
		again, _, err := ReadSafetensors(&buf, int64(buf.Len()))
		if err != nil || len(again) != len(out) {
			t.Fatalf("re-read: %v", err)
		}
		if _, _, err := ReadSafetensors(bytes.NewReader(b), -1); err != nil {
			t.Fatalf("size -1 fails where the size passes: %v", err)
		}
	})
}
