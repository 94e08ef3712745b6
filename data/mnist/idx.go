package mnist

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// maxIDXBytes is the largest payload ReadIDX accepts, checked against the
// header before anything is allocated.
const maxIDXBytes = 1 << 31

// ReadIDX reads one file in the IDX format of the MNIST distribution,
// gzip-compressed or raw (sniffed from the gzip magic 1f 8b). It returns the
// dimensions from the header and the payload, one byte per element in
// row-major order.
//
// The header is the magic 0x00 0x00 <type> <ndims> followed by ndims
// big-endian uint32 sizes. Only the unsigned-byte type 0x08 is supported.
// ReadIDX returns an error for a wrong magic or type, a zero dimension, a
// payload over 2 GiB (refused before allocating), a truncated header or
// payload (saying how many bytes were expected and how many came), and
// trailing bytes after the payload.
func ReadIDX(r io.Reader) (dims []int, data []byte, err error) {
	br := bufio.NewReader(r)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("idx: %w", err)
		}
		defer zr.Close()
		br = bufio.NewReader(zr)
	}
	dims, n, err := readIDXHeader(br)
	if err != nil {
		return nil, nil, err
	}
	data, err = readN(br, n)
	if err != nil {
		return nil, nil, err
	}
	if err := expectEOF(br, n); err != nil {
		return nil, nil, err
	}
	return dims, data, nil
}

// readIDXHeader reads and checks the magic and the dimensions and returns
// the payload size in bytes.
func readIDXHeader(r io.Reader) (dims []int, n int, err error) {
	var magic [4]byte
	if got, err := io.ReadFull(r, magic[:]); err != nil {
		return nil, 0, truncated("header", 4, got, err)
	}
	if magic[0] != 0 || magic[1] != 0 {
		return nil, 0, fmt.Errorf("idx: bad magic % x, want 00 00 08 <ndims>", magic)
	}
	if magic[2] != 0x08 {
		return nil, 0, fmt.Errorf("idx: element type 0x%02x not supported (only 0x08, unsigned byte)", magic[2])
	}
	nd := int(magic[3])
	if nd == 0 {
		return nil, 0, errors.New("idx: header declares 0 dimensions")
	}
	raw := make([]byte, 4*nd)
	if got, err := io.ReadFull(r, raw); err != nil {
		return nil, 0, truncated("header", 4+len(raw), 4+got, err)
	}
	dims = make([]int, nd)
	for i := range dims {
		dims[i] = int(binary.BigEndian.Uint32(raw[4*i:]))
		if dims[i] == 0 {
			return nil, 0, fmt.Errorf("idx: dimensions %v: dimension %d is 0", dims[:i+1], i)
		}
	}
	n = 1
	for _, d := range dims {
		if uint64(n)*uint64(d) > maxIDXBytes {
			return nil, 0, fmt.Errorf("idx: dimensions %v need more than the limit of %d bytes", dims, maxIDXBytes)
		}
		n *= d
	}
	return dims, n, nil
}

// readN reads exactly n bytes, growing the buffer as data arrives so that a
// short file that promises much does not allocate it all up front.
func readN(r io.Reader, n int) ([]byte, error) {
	const chunk = 64 << 20
	buf := make([]byte, 0, min(n, chunk))
	for len(buf) < n {
		if len(buf) == cap(buf) {
			buf = append(buf, make([]byte, min(n, 2*cap(buf))-cap(buf))...)[:len(buf)]
		}
		got, err := io.ReadFull(r, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+got]
		if err != nil {
			return nil, truncated("data", n, len(buf), err)
		}
	}
	return buf, nil
}

// expectEOF reports an error if r holds anything after the n-byte payload.
// For gzip input, reading to the end also verifies the checksum.
func expectEOF(r io.Reader, n int) error {
	var b [1]byte
	switch got, err := io.ReadFull(r, b[:]); {
	case got == 1:
		extra, _ := io.Copy(io.Discard, r)
		return fmt.Errorf("idx: %d trailing bytes after the %d-byte payload", extra+1, n)
	case err == io.EOF:
		return nil
	default:
		return fmt.Errorf("idx: %w", err)
	}
}

// truncated turns a short read into an error that says what was expected;
// other read errors are passed on.
func truncated(what string, want, got int, err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("idx: truncated %s: expected %d bytes, got %d", what, want, got)
	}
	return fmt.Errorf("idx: reading %s: %w", what, err)
}
