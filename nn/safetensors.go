package nn

// Reading and writing the safetensors format (https://github.com/huggingface/safetensors),
// the file format PyTorch and Hugging Face use to store weights:
//
//	8 bytes    little-endian uint64 N, the length of the header
//	N bytes    UTF-8 JSON header: {"name": {"dtype": "F32", "shape": [2, 3],
//	           "data_offsets": [begin, end]}, ..., "__metadata__": {"k": "v"}}
//	the rest   the data section: each tensor's elements, row-major and
//	           little-endian, at [begin, end) relative to the section's start
//
// Files are written as the reference library writes them: tensors in sorted
// name order, laid out back to back in that order, the header padded with
// spaces to a multiple of 8 bytes. Reading checks everything the reference
// library checks (the header length against the file, the JSON, the dtypes,
// that the tensors' byte ranges tile the data section exactly, with no gap
// or overlap, and that each range's length matches its shape), so a
// truncated or corrupt file is an error, never a panic or an absurd
// allocation.

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/nervelab/nerve/internal/atomicfile"

	"github.com/nervelab/nerve/tensor"
)

// maxHeaderLen bounds the JSON header, as the reference library does
// (100 MB): a larger length prefix is taken for corruption.
const maxHeaderLen = 100_000_000

// metadataKey is the reserved header key holding the string-to-string
// metadata.
const metadataKey = "__metadata__"

// dtypeSize gives the element size of the safetensors dtypes nerve reads.
// F32 and I64 load as themselves; F64, F16 and BF16 convert to float32.
var dtypeSize = map[string]int{"F32": 4, "I64": 8, "F64": 8, "F16": 2, "BF16": 2}

// knownDTypes are the other dtype names of the format, which nerve
// recognises but cannot hold.
var knownDTypes = map[string]bool{
	"BOOL": true, "U8": true, "I8": true, "U16": true, "I16": true, "U32": true,
	"I32": true, "U64": true, "F8_E4M3": true, "F8_E5M2": true, "F8_E8M0": true,
	"F4": true, "F6_E2M3": true, "F6_E3M2": true, "C64": true,
}

// WriteSafetensors writes tensors and (optionally) metadata to w in the
// safetensors format. The tensors must be float32 (written as F32) or int64
// (I64); the name "__metadata__" is reserved. Empty metadata writes no
// "__metadata__" entry.
func WriteSafetensors(w io.Writer, tensors map[string]*tensor.Tensor, metadata map[string]string) error {
	names := make([]string, 0, len(tensors))
	for name, t := range tensors {
		if name == metadataKey {
			return fmt.Errorf("safetensors: tensor name %q is reserved for metadata", name)
		}
		if t == nil {
			return fmt.Errorf("safetensors: tensor %q: nil tensor", name)
		}
		if dt := t.DType(); dt != tensor.Float32 && dt != tensor.Int64 {
			return fmt.Errorf("safetensors: tensor %q: unsupported dtype %v", name, dt)
		}
		names = append(names, name)
	}
	sort.Strings(names)

	var hdr bytes.Buffer
	enc := func(v any) {
		b, _ := marshalNoEscape(v)
		hdr.Write(b)
	}
	hdr.WriteByte('{')
	first := true
	if len(metadata) > 0 {
		hdr.WriteString(`"__metadata__":`)
		enc(metadata) // encoding/json writes map keys sorted
		first = false
	}
	var offset uint64
	sizes := make([]uint64, len(names))
	for i, name := range names {
		t := tensors[name]
		if !first {
			hdr.WriteByte(',')
		}
		first = false
		dt, size := "F32", uint64(4)
		if t.DType() == tensor.Int64 {
			dt, size = "I64", 8
		}
		n := uint64(t.Numel()) * size
		sizes[i] = n
		enc(name)
		shape := t.Shape()
		if shape == nil {
			shape = []int{}
		}
		fmt.Fprintf(&hdr, `:{"dtype":%q,"shape":`, dt)
		enc(shape)
		fmt.Fprintf(&hdr, `,"data_offsets":[%d,%d]}`, offset, offset+n)
		offset += n
	}
	hdr.WriteByte('}')
	for hdr.Len()%8 != 0 {
		hdr.WriteByte(' ')
	}

	var prefix [8]byte
	binary.LittleEndian.PutUint64(prefix[:], uint64(hdr.Len()))
	if _, err := w.Write(prefix[:]); err != nil {
		return fmt.Errorf("safetensors: write: %w", err)
	}
	if _, err := w.Write(hdr.Bytes()); err != nil {
		return fmt.Errorf("safetensors: write: %w", err)
	}
	for i, name := range names {
		t := tensors[name]
		buf := make([]byte, sizes[i])
		if t.DType() == tensor.Int64 {
			for j, v := range t.Int64s() {
				binary.LittleEndian.PutUint64(buf[8*j:], uint64(v))
			}
		} else {
			for j, v := range t.Data() {
				binary.LittleEndian.PutUint32(buf[4*j:], math.Float32bits(v))
			}
		}
		if _, err := w.Write(buf); err != nil {
			return fmt.Errorf("safetensors: write tensor %q: %w", name, err)
		}
	}
	return nil
}

// marshalNoEscape is json.Marshal without HTML escaping of <, > and &, as
// serde_json writes.
func marshalNoEscape(v any) ([]byte, error) {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// ReadSafetensors reads a safetensors file of size bytes from r and
// returns its tensors (F32 and I64 as float32 and int64 tensors; F64, F16
// and BF16 converted to float32) and its metadata (nil when the file has
// none). size is the file's length, used to validate the header before
// anything large is allocated; a negative size reads r to its end.
func ReadSafetensors(r io.Reader, size int64) (map[string]*tensor.Tensor, map[string]string, error) {
	return readSafetensors(r, size, "safetensors: ")
}

// stEntry is one tensor of a header.
type stEntry struct {
	name       string
	dtype      string
	shape      []int
	begin, end uint64
}

func readSafetensors(r io.Reader, size int64, prefix string) (map[string]*tensor.Tensor, map[string]string, error) {
	errf := func(format string, args ...any) error {
		return fmt.Errorf(prefix+format, args...)
	}
	if size >= 0 && size < 8 {
		return nil, nil, errf("file has %d bytes, too short for the 8-byte header length", size)
	}
	var lenBuf [8]byte
	if _, err := io.ReadFull(r, lenBuf[:]); err != nil {
		return nil, nil, errf("reading header length: %v (file too short)", err)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > maxHeaderLen {
		return nil, nil, errf("header length %d exceeds the limit of %d bytes", n, maxHeaderLen)
	}
	if size >= 0 && n > uint64(size)-8 {
		return nil, nil, errf("header length %d exceeds the file's %d bytes after the length prefix", n, size-8)
	}
	hdr, err := readChunked(r, int64(n))
	if err != nil {
		return nil, nil, errf("reading header: %v", err)
	}
	if int64(len(hdr)) != int64(n) {
		return nil, nil, errf("header truncated: %d of %d bytes", len(hdr), n)
	}
	entries, metadata, err := parseHeader(hdr)
	if err != nil {
		return nil, nil, errf("%v", err)
	}

	var data []byte
	if size >= 0 {
		dataLen := size - 8 - int64(n)
		if err := checkOffsets(entries, uint64(dataLen)); err != nil {
			return nil, nil, errf("%v", err)
		}
		data, err = readChunked(r, dataLen)
		if err != nil {
			return nil, nil, errf("reading data: %v", err)
		}
		if int64(len(data)) != dataLen {
			return nil, nil, errf("data section truncated: %d of %d bytes", len(data), dataLen)
		}
	} else {
		data, err = io.ReadAll(r)
		if err != nil {
			return nil, nil, errf("reading data: %v", err)
		}
		if err := checkOffsets(entries, uint64(len(data))); err != nil {
			return nil, nil, errf("%v", err)
		}
	}

	out := make(map[string]*tensor.Tensor, len(entries))
	for _, e := range entries {
		out[e.name] = decodeTensor(e, data[e.begin:e.end])
	}
	return out, metadata, nil
}

// readChunked reads up to n bytes, growing its buffer only as data
// arrives, so that a lying length costs no more memory than the bytes
// actually there.
func readChunked(r io.Reader, n int64) ([]byte, error) {
	const chunk = 1 << 20
	buf := make([]byte, 0, min(n, chunk))
	for int64(len(buf)) < n {
		want := min(n-int64(len(buf)), chunk)
		buf = slices.Grow(buf, int(want))
		m, err := io.ReadFull(r, buf[len(buf):len(buf)+int(want)])
		buf = buf[:len(buf)+m]
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	return buf, nil
}

// parseHeader parses the JSON header, rejecting duplicate keys (which
// encoding/json would silently merge).
func parseHeader(hdr []byte) ([]stEntry, map[string]string, error) {
	if !utf8.Valid(hdr) {
		return nil, nil, errors.New("header is not valid UTF-8")
	}
	if len(hdr) == 0 || hdr[0] != '{' {
		return nil, nil, errors.New("header is not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(hdr))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, nil, fmt.Errorf("header is not a JSON object")
	}
	seen := map[string]bool{}
	var entries []stEntry
	var metadata map[string]string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, fmt.Errorf("invalid header JSON: %v", err)
		}
		name, ok := tok.(string)
		if !ok {
			return nil, nil, fmt.Errorf("invalid header JSON: unexpected %v", tok)
		}
		if seen[name] {
			return nil, nil, fmt.Errorf("tensor %q: duplicate key in header", name)
		}
		seen[name] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, fmt.Errorf("tensor %q: invalid header JSON: %v", name, err)
		}
		if name == metadataKey {
			if err := parseMetadata(raw, &metadata); err != nil {
				return nil, nil, err
			}
			continue
		}
		e, err := parseEntry(name, raw)
		if err != nil {
			return nil, nil, fmt.Errorf("tensor %q: %v", name, err)
		}
		entries = append(entries, e)
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, nil, fmt.Errorf("invalid header JSON: unterminated object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, fmt.Errorf("invalid header JSON: trailing data after the object")
	}
	return entries, metadata, nil
}

func parseMetadata(raw json.RawMessage, out *map[string]string) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return fmt.Errorf("%s is not a JSON object", metadataKey)
	}
	md := make(map[string]string, len(m))
	for k, v := range m {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return fmt.Errorf("%s: value of %q is not a string", metadataKey, k)
		}
		md[k] = s
	}
	*out = md
	return nil
}

// parseEntry parses and checks one tensor's header entry, short of its
// offsets against the data section.
func parseEntry(name string, raw json.RawMessage) (stEntry, error) {
	e := stEntry{name: name}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return e, fmt.Errorf("header entry is not a JSON object: %.40s", raw)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return e, fmt.Errorf("invalid header entry: %v", err)
	}
	for _, k := range []string{"dtype", "shape", "data_offsets"} {
		if _, ok := fields[k]; !ok {
			return e, fmt.Errorf("header entry has no %q", k)
		}
	}
	if err := json.Unmarshal(fields["dtype"], &e.dtype); err != nil {
		return e, fmt.Errorf("dtype is not a string: %s", fields["dtype"])
	}
	elem, ok := dtypeSize[e.dtype]
	if !ok {
		if knownDTypes[e.dtype] {
			return e, fmt.Errorf("dtype %s is not supported (nerve reads F32, I64, F64, F16 and BF16)", e.dtype)
		}
		return e, fmt.Errorf("unknown dtype %q", e.dtype)
	}
	var shape []int64
	if err := json.Unmarshal(fields["shape"], &shape); err != nil || shape == nil && !bytes.Equal(bytes.TrimSpace(fields["shape"]), []byte("[]")) {
		return e, fmt.Errorf("shape is not a list of integers: %s", fields["shape"])
	}
	numel := uint64(1)
	e.shape = make([]int, len(shape))
	for i, d := range shape {
		if d < 0 {
			return e, fmt.Errorf("negative dimension %d in shape %v", d, shape)
		}
		if d > 0 && numel > (1<<53)/uint64(d) {
			return e, fmt.Errorf("shape %v is too large", shape)
		}
		numel *= uint64(d)
		e.shape[i] = int(d)
	}
	var offs []int64
	if err := json.Unmarshal(fields["data_offsets"], &offs); err != nil || len(offs) != 2 {
		return e, fmt.Errorf("data_offsets is not a pair of integers: %s", fields["data_offsets"])
	}
	if offs[0] < 0 || offs[1] < 0 {
		return e, fmt.Errorf("negative data_offsets %v", offs)
	}
	if offs[0] > offs[1] {
		return e, fmt.Errorf("data_offsets %v: begin is after end", offs)
	}
	e.begin, e.end = uint64(offs[0]), uint64(offs[1])
	if want := numel * uint64(elem); e.end-e.begin != want {
		return e, fmt.Errorf("data_offsets %v hold %d bytes, but %s shape %v needs %d", offs, e.end-e.begin, e.dtype, shape, want)
	}
	return e, nil
}

// checkOffsets checks that the tensors' byte ranges tile the data section
// [0, dataLen) exactly, in some order, as the reference library requires.
func checkOffsets(entries []stEntry, dataLen uint64) error {
	sorted := slices.Clone(entries)
	slices.SortFunc(sorted, func(a, b stEntry) int {
		if a.begin != b.begin {
			return cmpU64(a.begin, b.begin)
		}
		if a.end != b.end {
			return cmpU64(a.end, b.end)
		}
		return strings.Compare(a.name, b.name)
	})
	var pos uint64
	for _, e := range sorted {
		if e.end > dataLen {
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] run past the data section's %d bytes", e.name, e.begin, e.end, dataLen)
		}
		if e.begin > pos {
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] leave a gap after byte %d", e.name, e.begin, e.end, pos)
		}
		if e.begin < pos {
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] overlap the previous tensor, which ends at %d", e.name, e.begin, e.end, pos)
		}
		pos = e.end
	}
	if pos != dataLen {
		return fmt.Errorf("data section has %d bytes, but the tensors cover only %d", dataLen, pos)
	}
	return nil
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// decodeTensor builds the tensor of a checked entry from its bytes.
func decodeTensor(e stEntry, b []byte) *tensor.Tensor {
	shape := e.shape
	if shape == nil {
		shape = []int{}
	}
	if e.dtype == "I64" {
		v := make([]int64, len(b)/8)
		for i := range v {
			v[i] = int64(binary.LittleEndian.Uint64(b[8*i:]))
		}
		return tensor.FromInt64(v, shape...)
	}
	var v []float32
	switch e.dtype {
	case "F32":
		v = make([]float32, len(b)/4)
		for i := range v {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
	case "F64":
		v = make([]float32, len(b)/8)
		for i := range v {
			v[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:])))
		}
	case "F16":
		v = make([]float32, len(b)/2)
		for i := range v {
			v[i] = halfToFloat32(binary.LittleEndian.Uint16(b[2*i:]))
		}
	case "BF16":
		v = make([]float32, len(b)/2)
		for i := range v {
			v[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(b[2*i:])) << 16)
		}
	}
	return tensor.New(v, shape...)
}

// halfToFloat32 converts an IEEE 754 binary16 value exactly.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // inf, nan
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: frac * 2^-24
		f := float32(frac) * (1.0 / (1 << 24))
		if sign != 0 {
			f = -f
		}
		return f
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}

// SaveTensors writes tensors and metadata to the file at path in the
// safetensors format, atomically: it writes a temporary file in the same
// directory, syncs and closes it, then renames it over path. On any
// failure the temporary file is removed and an existing file at path is
// left untouched.
func SaveTensors(path string, tensors map[string]*tensor.Tensor, metadata map[string]string) error {
	err := atomicfile.Write(path, func(w io.Writer) error {
		return WriteSafetensors(w, tensors, metadata)
	})
	if err != nil {
		return fmt.Errorf("safetensors: %s: %w", path, unprefix(err))
	}
	return nil
}

// unprefix strips the "safetensors: " of an error from WriteSafetensors so
// that it is not repeated once the path is added.
type unprefixed struct{ err error }

func (u unprefixed) Error() string { return strings.TrimPrefix(u.err.Error(), "safetensors: ") }
func (u unprefixed) Unwrap() error { return u.err }

func unprefix(err error) error { return unprefixed{err} }

// LoadTensors reads the safetensors file at path; see ReadSafetensors.
// Errors name the file.
func LoadTensors(path string) (map[string]*tensor.Tensor, map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("safetensors: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("safetensors: %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("safetensors: %s: not a regular file", path)
	}
	return readSafetensors(bufio.NewReaderSize(f, 1<<20), st.Size(), "safetensors: "+path+": ")
}

// LoadInto copies the tensors of src (as loaded from a file) into the
// existing tensors of dst (a model's parameters by name) in place. It
// first checks every name, shape and dtype: any missing, unexpected or
// mismatched tensor is reported, all in one error with one line per
// problem sorted by name, and then nothing is copied.
func LoadInto(dst map[string]*tensor.Tensor, src map[string]*tensor.Tensor) error {
	if err := checkState(dst, src); err != nil {
		return fmt.Errorf("nn.LoadInto: %w", err)
	}
	copyState(dst, src)
	return nil
}

// checkState returns an error listing every difference in names, shapes
// and dtypes between dst and src.
func checkState(dst map[string]*tensor.Tensor, src map[string]*tensor.Tensor) error {
	type problem struct{ name, msg string }
	var probs []problem
	for name, d := range dst {
		s, ok := src[name]
		switch {
		case !ok:
			probs = append(probs, problem{name, fmt.Sprintf("missing %q", name)})
		case d == nil:
			probs = append(probs, problem{name, fmt.Sprintf("%q: nil tensor in model", name)})
		case s == nil:
			probs = append(probs, problem{name, fmt.Sprintf("%q: nil tensor in file", name)})
		case !slices.Equal(s.Shape(), d.Shape()):
			probs = append(probs, problem{name, fmt.Sprintf("%q: shape %v in file, %v in model", name, s.Shape(), d.Shape())})
		case s.DType() != d.DType():
			probs = append(probs, problem{name, fmt.Sprintf("%q: dtype %v in file, %v in model", name, s.DType(), d.DType())})
		}
	}
	for name := range src {
		if _, ok := dst[name]; !ok {
			probs = append(probs, problem{name, fmt.Sprintf("unexpected %q", name)})
		}
	}
	if len(probs) == 0 {
		return nil
	}
	sort.Slice(probs, func(i, j int) bool {
		if probs[i].name != probs[j].name {
			return probs[i].name < probs[j].name
		}
		return probs[i].msg < probs[j].msg
	})
	lines := make([]string, len(probs))
	for i, p := range probs {
		lines[i] = p.msg
	}
	noun := "mismatches"
	if len(probs) == 1 {
		noun = "mismatch"
	}
	return fmt.Errorf("%d %s, nothing loaded:\n\t%s", len(probs), noun, strings.Join(lines, "\n\t"))
}

// copyState copies src into dst, whose names and shapes checkState has
// checked.
func copyState(dst map[string]*tensor.Tensor, src map[string]*tensor.Tensor) {
	for name, d := range dst {
		d.CopyFrom(src[name])
	}
}
