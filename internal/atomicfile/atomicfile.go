// Package atomicfile replaces a file in one step: the new content goes to
// a temporary file in the same directory, which is synced, closed and
// renamed over the target. A failure at any step leaves the old file
// untouched and no temporary file behind. Models, checkpoints, plots and
// metrics are all written this way, so an interrupted save never loses
// work.
package atomicfile

import (
	"bufio"
	"errors"
	"io"
	"os"
	"path/filepath"
)

// Hook, when set (by tests), wraps the writer fill receives, to make a
// write fail part way.
var Hook func(io.Writer) io.Writer

// Rename is os.Rename; tests replace it to make the last step fail.
var Rename = os.Rename

// Write calls fill with a buffered writer onto a temporary file beside
// path and, if fill and every following step succeed, renames it over
// path. Errors are returned as they come, without the path: callers add
// their own context.
func Write(path string, fill func(w io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	var w io.Writer = f
	if Hook != nil {
		w = Hook(w)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if err := fill(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := Rename(tmp, path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil { // persist the rename; best effort
		d.Sync()
		d.Close()
	}
	return nil
}

// WriteBytes writes data to path atomically.
func WriteBytes(path string, data []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// ErrDiskFull is the error of a FailAfter writer.
var ErrDiskFull = errors.New("disk full")

// FailAfter returns a writer that passes the first n bytes to w and then
// fails with ErrDiskFull: with Hook, tests interrupt a save part way.
func FailAfter(w io.Writer, n int) io.Writer { return &failAfter{w, n} }

type failAfter struct {
	w io.Writer
	n int
}

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		n, _ := f.w.Write(p[:f.n])
		f.n = 0
		return n, ErrDiskFull
	}
	f.n -= len(p)
	return f.w.Write(p)
}
