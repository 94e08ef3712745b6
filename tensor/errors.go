package tensor

import (
	"errors"
	"fmt"

	"github.com/nervelab/nerve/internal/device"
)

// ErrFreed is the panic value of an op given a tensor whose memory was
// given back: a gradient kept from before ZeroGrad (ZeroGrad lets the next
// Backward reuse its memory). Clone a gradient to keep it.
var ErrFreed = device.ErrFreed

// ShapeError is the panic value of an op given shapes it cannot work with.
// It names the op and the shapes, as PyTorch's messages do:
//
//	Add: shapes [2 3] and [4] cannot be broadcast
type ShapeError struct {
	Op   string
	A, B []int // B is nil when only one shape is involved
	Why  string
}

func (e *ShapeError) Error() string {
	if e.B == nil {
		return fmt.Sprintf("%s: shape %v: %s", e.Op, e.A, e.Why)
	}
	return fmt.Sprintf("%s: shapes %v and %v %s", e.Op, e.A, e.B, e.Why)
}

// IndexError is the panic value of an op given a dimension or an index out
// of range.
type IndexError struct {
	Op  string
	Why string
}

func (e *IndexError) Error() string { return e.Op + ": " + e.Why }

// DTypeError is the panic value of an op given a tensor of the wrong dtype,
// e.g. Exp on an int64 tensor.
type DTypeError struct {
	Op   string
	Got  DType
	Want string
}

func (e *DTypeError) Error() string {
	return fmt.Sprintf("%s: expected %s tensor, got %s", e.Op, e.Want, e.Got)
}

// GradError is the panic value of autograd misuse: Backward on a non-scalar
// without a gradient, on a tensor that does not require grad, or through a
// graph already freed by an earlier Backward.
type GradError struct {
	Op  string
	Why string
}

func (e *GradError) Error() string { return e.Op + ": " + e.Why }

// Catch runs fn and returns the nerve panic it raised (a *ShapeError,
// *IndexError, *DTypeError, *GradError or ErrFreed) as an error, or nil. Any other
// panic is not nerve's and is re-raised. Servers and command-line tools use
// Catch to turn a misuse into an error message instead of a crash.
func Catch(fn func()) (err error) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		switch e := r.(type) {
		case *ShapeError:
			err = e
		case *IndexError:
			err = e
		case *DTypeError:
			err = e
		case *GradError:
			err = e
		case error:
			if !errors.Is(e, ErrFreed) {
				panic(r)
			}
			err = e
		default:
			panic(r)
		}
	}()
	fn()
	return nil
}

func shapePanic(op string, a, b []int, format string, args ...any) {
	panic(&ShapeError{Op: op, A: cloneInts(a), B: cloneInts(b), Why: fmt.Sprintf(format, args...)})
}

func indexPanic(op, format string, args ...any) {
	panic(&IndexError{Op: op, Why: fmt.Sprintf(format, args...)})
}

func cloneInts(s []int) []int {
	if s == nil {
		return nil
	}
	return append(make([]int, 0, len(s)), s...)
}
