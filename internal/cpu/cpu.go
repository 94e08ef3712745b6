// Package cpu is nerve's CPU backend: buffers are Go slices and every
// kernel is a pure-Go loop, split over all cores by a small worker pool for
// large inputs. Importing the package (usually blank) registers the device
// under the name "cpu".
//
// Kernels for matrix products follow BLIS: operands are packed into
// contiguous panels and a register-blocked micro-kernel computes small tiles
// of C (see gemm.go). The pure-Go micro-kernel is a function value so that a
// SIMD one can replace it once it exists.
package cpu

import (
	"fmt"
	"unsafe"

	"github.com/nervelab/nerve/internal/device"
)

func init() {
	device.Register(Device{})
}

// Device is the CPU device. Its zero value is ready to use; it has no state,
// so all methods are safe for concurrent use on distinct output buffers.
type Device struct{}

var _ device.Device = Device{}

// buffer is CPU memory: n elements of dtype dt from p, a []float32 or an
// []int64 by dtype. It is kept this small (24 bytes, 96 with a small
// buffer's elements) because every tensor has one: tiny ops are dominated
// by the garbage collections their allocations bring.
type buffer struct {
	p     unsafe.Pointer // the first element; nil once the buffer was freed
	n     int
	dt    device.DType
	freed bool // Free gave the memory back: any use is a bug of the caller
}

// floats returns the elements of a Float32 buffer.
func (b *buffer) floats() []float32 { return unsafe.Slice((*float32)(b.p), b.n) }

// ints returns the elements of an Int64 buffer.
func (b *buffer) ints() []int64 { return unsafe.Slice((*int64)(b.p), b.n) }

func newFloats(f []float32) *buffer {
	return &buffer{p: unsafe.Pointer(unsafe.SliceData(f)), n: len(f), dt: device.Float32}
}

func (b *buffer) Len() int { return b.n }

func (b *buffer) DType() device.DType { return b.dt }

// f32s returns the float32 slice behind a Float32 buffer of this device.
func f32s(b device.Buffer) []float32 {
	cb := buf(b)
	if cb.dt != device.Float32 {
		panic(fmt.Sprintf("cpu: want a float32 buffer, have %v", cb.dt))
	}
	return cb.floats()
}

// i64s returns the int64 slice behind an Int64 buffer of this device.
func i64s(b device.Buffer) []int64 {
	cb := buf(b)
	if cb.dt != device.Int64 {
		panic(fmt.Sprintf("cpu: want an int64 buffer, have %v", cb.dt))
	}
	return cb.ints()
}

func buf(b device.Buffer) *buffer {
	cb, ok := b.(*buffer)
	if !ok {
		panic(fmt.Sprintf("cpu: buffer %T does not belong to the cpu device", b))
	}
	if cb.freed {
		panic(device.ErrFreed)
	}
	return cb
}

// smallBuf is the largest float32 buffer allocated together with its
// descriptor (one allocation instead of two: tiny tensors are dominated
// by such overheads).
const smallBuf = 16

type smallBuffer struct {
	buffer
	arr [smallBuf]float32
}

// Name returns "cpu".
func (Device) Name() string { return "cpu" }

// Alloc returns a zero-filled buffer of n elements of dt. It panics for an
// unknown dtype or a negative n.
func (d Device) Alloc(dt device.DType, n int) device.Buffer {
	b := d.AllocUninit(dt, n)
	if cb := b.(*buffer); cb.dt == device.Float32 && n > smallBuf {
		clearFloats(cb.floats())
	}
	return b
}

// AllocUninit is Alloc for a buffer the caller overwrites entirely before
// reading it: a float32 buffer may come from the cache of freed buffers
// (see Free) still holding old values.
func (Device) AllocUninit(dt device.DType, n int) device.Buffer {
	switch dt {
	case device.Float32:
		if n <= smallBuf {
			sb := &smallBuffer{}
			sb.p, sb.n, sb.dt = unsafe.Pointer(&sb.arr), n, dt
			return &sb.buffer
		}
		if f := floatCache.get(n); f != nil {
			return newFloats(f)
		}
		return newFloats(make([]float32, n))
	case device.Int64:
		i := make([]int64, n)
		return &buffer{p: unsafe.Pointer(unsafe.SliceData(i)), n: n, dt: dt}
	}
	panic(fmt.Sprintf("cpu: Alloc of unsupported dtype %v", dt))
}

// Free gives the buffer's memory back: a large float32 buffer goes to the
// cache that later allocations of the same length take from. The buffer
// must not be used again; every method given it panics with
// device.ErrFreed. Freeing a buffer twice is harmless.
func (Device) Free(b device.Buffer) {
	cb, ok := b.(*buffer)
	if !ok || cb.freed {
		return
	}
	if cb.dt == device.Float32 && cb.n > smallBuf {
		floatCache.put(cb.floats())
	}
	cb.p, cb.n, cb.freed = nil, 0, true
}

// clearFloats zeroes s, over the pool when it is large.
func clearFloats(s []float32) {
	if len(s) < parallelThreshold {
		clear(s)
		return
	}
	parallelElems(len(s), func(lo, hi int) { clear(s[lo:hi]) })
}

// WriteF32 copies src into dst starting at element off.
func (Device) WriteF32(dst device.Buffer, off int, src []float32) {
	copy(f32s(dst)[off:off+len(src)], src)
}

// ReadF32 copies len(dst) elements of src starting at off into dst.
func (Device) ReadF32(dst []float32, src device.Buffer, off int) {
	copy(dst, f32s(src)[off:off+len(dst)])
}

// WriteI64 copies src into dst starting at element off.
func (Device) WriteI64(dst device.Buffer, off int, src []int64) {
	copy(i64s(dst)[off:off+len(src)], src)
}

// ReadI64 copies len(dst) elements of src starting at off into dst.
func (Device) ReadI64(dst []int64, src device.Buffer, off int) {
	copy(dst, i64s(src)[off:off+len(dst)])
}

// Fill sets dst[off:off+n] to v, converted to the buffer's dtype.
func (Device) Fill(dst device.Buffer, off, n int, v float64) {
	cb := buf(dst)
	if cb.dt == device.Int64 {
		fillSlice(cb.ints()[off:off+n], int64(v))
		return
	}
	fillSlice(cb.floats()[off:off+n], float32(v))
}

func fillSlice[T float32 | int64](s []T, v T) {
	if len(s) < parallelThreshold {
		fillPart(s, v)
		return
	}
	parallelElems(len(s), func(lo, hi int) { fillPart(s[lo:hi], v) })
}

func fillPart[T float32 | int64](s []T, v T) {
	if v == 0 {
		clear(s)
		return
	}
	for i := range s {
		s[i] = v
	}
}

// Copy copies the strided view sl of src into the strided view dl of dst,
// converting between dtypes: int64→float32 rounds to nearest, float32→int64
// truncates toward zero (as Go's conversion does).
func (Device) Copy(dst device.Buffer, dl device.Layout, src device.Buffer, sl device.Layout) {
	d, s := buf(dst), buf(src)
	var it iter
	it.init(dl.Shape, dl, sl)
	if it.total == 0 {
		return
	}
	if d.dt == device.Float32 && s.dt == device.Float32 && it.transposed() {
		copyTransposed(d.floats(), s.floats(), it)
		return
	}
	if it.total < parallelThreshold && d.dt == device.Float32 && s.dt == device.Float32 {
		df, sf := d.floats(), s.floats() // inline, with no closure on the heap
		it.walkRows(0, it.total/it.n, func(o, st [maxOps]int, n int) { copyRow(df, sf, o[0], o[1], n, st[0], st[1]) })
		return
	}
	row := copyRowFunc(d, s)
	it.parallelRows(func(o, st [maxOps]int, n int) { row(o[0], o[1], n, st[0], st[1]) })
}

// copyRowFunc returns the loop that copies one row of n elements with the
// given offsets and strides between the dtypes of d and s.
func copyRowFunc(d, s *buffer) func(do, so, n, ds, ss int) {
	switch {
	case d.dt == device.Float32 && s.dt == device.Float32:
		df, sf := d.floats(), s.floats()
		return func(do, so, n, ds, ss int) { copyRow(df, sf, do, so, n, ds, ss) }
	case d.dt == device.Int64 && s.dt == device.Int64:
		di, si := d.ints(), s.ints()
		return func(do, so, n, ds, ss int) { copyRow(di, si, do, so, n, ds, ss) }
	case d.dt == device.Float32:
		df, si := d.floats(), s.ints()
		return func(do, so, n, ds, ss int) {
			for k := range n {
				df[do+k*ds] = float32(si[so+k*ss])
			}
		}
	default:
		di, sf := d.ints(), s.floats()
		return func(do, so, n, ds, ss int) {
			for k := range n {
				di[do+k*ds] = int64(sf[so+k*ss])
			}
		}
	}
}

// copyRow copies n elements with strides ds, ss; unit strides use copy.
func copyRow[T float32 | int64](d, s []T, do, so, n, ds, ss int) {
	switch {
	case ds == 1 && ss == 1:
		copy(d[do:do+n], s[so:so+n])
	case ss == 0:
		v := s[so]
		for k := range n {
			d[do+k*ds] = v
		}
	default:
		for k := range n {
			d[do+k*ds] = s[so+k*ss]
		}
	}
}

// transposeTile is the side of the square blocks copyTransposed moves, small
// enough that a block of source and destination stays in L1.
const transposeTile = 32

// copyTransposed copies views whose last two dimensions are transposed
// relative to each other (dst inner stride 1, src stride 1 on the dimension
// before), block by block so both sides are read and written in cache
// lines. Leading dimensions are walked one 2-D matrix at a time.
func copyTransposed(d, s []float32, it iter) {
	nd := it.ndim
	rows, cols := it.shape[nd-2], it.shape[nd-1]
	dr, sc := it.strides[0][nd-2], it.strides[1][nd-1]
	mats := it.total / (rows * cols)
	parallelFor(mats*rows, max(1, grainElems/cols), func(lo, hi int) {
		for r0 := lo; r0 < hi; {
			m, r := r0/rows, r0%rows
			n := min(hi-r0, rows-r, transposeTile)
			o := it.offsetsAt(m, nd-2)
			transposeBlock(d, s, o[0]+r*dr, o[1]+r, n, cols, dr, sc)
			r0 += n
		}
	})
}

// transposeBlock copies an n×cols block: d[do + i*dr + j] = s[so + i + j*sc].
func transposeBlock(d, s []float32, do, so, n, cols, dr, sc int) {
	for j0 := 0; j0 < cols; j0 += transposeTile {
		j1 := min(j0+transposeTile, cols)
		for i := range n {
			drow := d[do+i*dr+j0 : do+i*dr+j1]
			si := so + i + j0*sc
			for j := range drow {
				drow[j] = s[si+j*sc]
			}
		}
	}
}
