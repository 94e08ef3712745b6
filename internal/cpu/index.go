package cpu

import "github.com/nervelab/nerve/internal/device"

// The index kernels check every index before writing anything, so a call
// that returns an *device.IndexError leaves dst unchanged. Data buffers may
// be Float32 or Int64 (dst and src alike); index buffers are Int64. Negative
// indices are out of range (the tensor package wraps Python-style negative
// indices before calling).

// checkIndex returns an *device.IndexError for the first index of idx
// outside [0, n).
func checkIndex(idx []int64, n int) error {
	for _, v := range idx {
		if v < 0 || v >= int64(n) {
			return &device.IndexError{Index: v, N: n}
		}
	}
	return nil
}

// colBlock is the column range of one parallel unit in IndexAdd.
const colBlock = 512

// IndexSelect sets dst[o, j, i] = src[o, idx[j], i] for src [outer, n,
// inner], idx [m] and dst [outer, m, inner].
func (Device) IndexSelect(dst, src, idx device.Buffer, outer, n, inner, m int) error {
	ix := i64s(idx)[:m]
	if err := checkIndex(ix, n); err != nil {
		return err
	}
	if buf(dst).dt == device.Int64 {
		indexSelect(i64s(dst), i64s(src), ix, outer, n, inner)
	} else {
		indexSelect(f32s(dst), f32s(src), ix, outer, n, inner)
	}
	return nil
}

func indexSelect[T float32 | int64](d, s []T, ix []int64, outer, n, inner int) {
	m := len(ix)
	parallelFor(outer*m, max(1, grainElems/max(inner, 1)), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			o, j := r/m, r%m
			so := (o*n + int(ix[j])) * inner
			copy(d[r*inner:(r+1)*inner], s[so:so+inner])
		}
	})
}

// IndexAdd adds src [outer, m, inner] into dst [outer, n, inner]:
// dst[o, idx[j], i] += src[o, j, i], the adjoint of IndexSelect. Repeated
// indices accumulate.
func (Device) IndexAdd(dst, src, idx device.Buffer, outer, n, inner, m int) error {
	ix := i64s(idx)[:m]
	if err := checkIndex(ix, n); err != nil {
		return err
	}
	if buf(dst).dt == device.Int64 {
		indexAdd(i64s(dst), i64s(src), ix, outer, n, inner)
	} else {
		indexAdd(f32s(dst), f32s(src), ix, outer, n, inner)
	}
	return nil
}

// indexAdd splits the work by output row block and column block, which
// never collide however the indices repeat.
func indexAdd[T float32 | int64](d, s []T, ix []int64, outer, n, inner int) {
	m := len(ix)
	nb := (inner + colBlock - 1) / colBlock
	run := func(lo, hi int) {
		for u := lo; u < hi; u++ {
			o, i0 := u/nb, (u%nb)*colBlock
			i1 := min(i0+colBlock, inner)
			for j, t := range ix {
				dr := d[(o*n+int(t))*inner+i0 : (o*n+int(t))*inner+i1]
				sr := s[(o*m+j)*inner+i0 : (o*m+j)*inner+i1]
				for i, v := range sr {
					dr[i] += v
				}
			}
		}
	}
	if outer*m*inner < parallelThreshold {
		run(0, outer*nb)
		return
	}
	parallelFor(outer*nb, 1, run)
}

// Gather sets dst[o, j, i] = src[o, idx[o, j, i], i] for src [outer, n,
// inner] and idx, dst [outer, m, inner].
func (Device) Gather(dst, src, idx device.Buffer, outer, n, inner, m int) error {
	ix := i64s(idx)[:outer*m*inner]
	if err := checkIndex(ix, n); err != nil {
		return err
	}
	if buf(dst).dt == device.Int64 {
		gather(i64s(dst), i64s(src), ix, outer, n, inner, m)
	} else {
		gather(f32s(dst), f32s(src), ix, outer, n, inner, m)
	}
	return nil
}

func gather[T float32 | int64](d, s []T, ix []int64, outer, n, inner, m int) {
	d = d[:len(ix)]
	parallelElems(len(ix), func(lo, hi int) {
		for e := lo; e < hi; e++ {
			o, i := e/(m*inner), e%inner
			d[e] = s[(o*n+int(ix[e]))*inner+i]
		}
	})
}

// ScatterAdd adds src [outer, m, inner] into dst [outer, n, inner]:
// dst[o, idx[o, j, i], i] += src[o, j, i], the adjoint of Gather. Repeated
// indices accumulate.
func (Device) ScatterAdd(dst, src, idx device.Buffer, outer, n, inner, m int) error {
	ix := i64s(idx)[:outer*m*inner]
	if err := checkIndex(ix, n); err != nil {
		return err
	}
	if buf(dst).dt == device.Int64 {
		scatterAdd(i64s(dst), i64s(src), ix, outer, n, inner, m)
	} else {
		scatterAdd(f32s(dst), f32s(src), ix, outer, n, inner, m)
	}
	return nil
}

// scatterAdd splits the work by outer index, whose output slabs are
// disjoint.
func scatterAdd[T float32 | int64](d, s []T, ix []int64, outer, n, inner, m int) {
	run := func(lo, hi int) {
		for o := lo; o < hi; o++ {
			for j := range m {
				r := (o*m + j) * inner
				for i, t := range ix[r : r+inner] {
					d[(o*n+int(t))*inner+i] += s[r+i]
				}
			}
		}
	}
	if outer*m*inner < parallelThreshold {
		run(0, outer)
		return
	}
	parallelFor(outer, max(1, grainElems/max(m*inner, 1)), run)
}

// OneHot writes 1 at (r, idx[r]) of dst [count, classes] (Float32 or Int64,
// zeroed by the caller).
func (Device) OneHot(dst, idx device.Buffer, count, classes int) error {
	ix := i64s(idx)[:count]
	if err := checkIndex(ix, classes); err != nil {
		return err
	}
	if buf(dst).dt == device.Int64 {
		d := i64s(dst)
		for r, c := range ix {
			d[r*classes+int(c)] = 1
		}
		return nil
	}
	d := f32s(dst)
	for r, c := range ix {
		d[r*classes+int(c)] = 1
	}
	return nil
}
