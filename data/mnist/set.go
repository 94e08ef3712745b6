package mnist

import (
	"fmt"
	"sync"

	"github.com/nervelab/nerve/data"
	"github.com/nervelab/nerve/tensor"
)

// Mean and Std are the mean and standard deviation of the MNIST training
// pixels scaled to [0, 1], as in PyTorch's Normalize((0.1307,), (0.3081,)).
const Mean, Std = 0.1307, 0.3081

// Set is one MNIST split held as raw bytes (47 MB for the training set,
// not 188 MB of float32); pixels are converted as examples are read.
//
// Set implements data.Dataset and data.Batcher. An example's input is a
// float32 [1, Rows, Cols] image with pixels scaled to [0, 1], as PyTorch's
// ToTensor gives; with Normalized set, each pixel v becomes
// (v-Mean)/Std. Its target is a 0-d int64 class index.
type Set struct {
	Images     []uint8 // N×Rows×Cols pixels, row-major, 0..255
	Labels     []uint8 // N labels, 0..9
	N          int
	Rows, Cols int
	Normalized bool // inputs are (v-Mean)/Std rather than v in [0, 1]
}

var (
	_ data.Dataset      = (*Set)(nil)
	_ data.FreshBatcher = (*Set)(nil)
)

// FreshBatches reports true: Batch converts the examples into new tensors.
func (s *Set) FreshBatches() bool { return true }

// pixel maps a byte to its [0, 1] value; normal maps it to the normalized one.
var pixel, normal [256]float32

func init() {
	for i := range pixel {
		pixel[i] = float32(i) / 255
		normal[i] = (pixel[i] - Mean) / Std
	}
}

// Len returns N.
func (s *Set) Len() int { return s.N }

// Item returns example i: x float32 [1, Rows, Cols], y a 0-d int64 label.
// It panics with a *tensor.IndexError if i is out of range.
func (s *Set) Item(i int) (x, y *tensor.Tensor) {
	s.check("Item", i)
	px := make([]float32, s.Rows*s.Cols)
	s.fill(px, i)
	return tensor.New(px, 1, s.Rows, s.Cols), tensor.FromInt64([]int64{int64(s.Labels[i])}, []int{}...)
}

// Batch returns the examples idx stacked: x float32 [B, 1, Rows, Cols] and
// y int64 [B], with B = len(idx). It panics with a *tensor.IndexError if an
// index is out of range.
func (s *Set) Batch(idx []int) (x, y *tensor.Tensor) {
	size := s.Rows * s.Cols
	sp := scratch.Get().(*[]float32)
	defer scratch.Put(sp)
	if cap(*sp) < len(idx)*size {
		*sp = make([]float32, len(idx)*size)
	}
	px := (*sp)[:len(idx)*size]
	labels := make([]int64, len(idx))
	for b, i := range idx {
		s.check("Batch", i)
		s.fill(px[b*size:(b+1)*size], i)
		labels[b] = int64(s.Labels[i])
	}
	return tensor.New(px, len(idx), 1, s.Rows, s.Cols), tensor.FromInt64(labels, len(idx))
}

// scratch holds the pixels Batch converts before tensor.New copies them,
// so that a training loop does not leave a batch of garbage per step.
var scratch = sync.Pool{New: func() any { return new([]float32) }}

// Image returns the pixels of image i scaled to [0, 1], Rows×Cols
// row-major, whatever Normalized says (for plotting). It panics with a
// *tensor.IndexError if i is out of range.
func (s *Set) Image(i int) []float32 {
	s.check("Image", i)
	px := make([]float32, s.Rows*s.Cols)
	for j, v := range s.pixels(i) {
		px[j] = pixel[v]
	}
	return px
}

// Label returns the class of example i, 0..9. It panics with a
// *tensor.IndexError if i is out of range.
func (s *Set) Label(i int) int {
	s.check("Label", i)
	return int(s.Labels[i])
}

func (s *Set) pixels(i int) []uint8 {
	size := s.Rows * s.Cols
	return s.Images[i*size : (i+1)*size]
}

// fill writes image i, converted, into dst.
func (s *Set) fill(dst []float32, i int) {
	table := &pixel
	if s.Normalized {
		table = &normal
	}
	for j, v := range s.pixels(i) {
		dst[j] = table[v]
	}
}

func (s *Set) check(op string, i int) {
	if i < 0 || i >= s.N {
		panic(&tensor.IndexError{Op: "mnist.Set." + op, Why: fmt.Sprintf("index %d out of range for %d examples", i, s.N)})
	}
}
