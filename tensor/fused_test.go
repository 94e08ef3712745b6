package tensor

import (
	"fmt"
	"math"
	"testing"
)

// TestSquaredErrorMatchesComposed checks the fused squared error against
// Sub, Square and Mean (or Sum) bit for bit: the loss and the gradients of
// both operands, for sizes around the kernel's blocks (sums of 32 lanes,
// squares held 256 at a time), for a non-unit upstream gradient, and for
// non-contiguous operands.
func TestSquaredErrorMatchesComposed(t *testing.T) {
	g := NewGenerator(3)
	bits := func(ts ...*Tensor) []uint32 {
		var out []uint32
		for _, x := range ts {
			for _, v := range x.Data() {
				out = append(out, math.Float32bits(v))
			}
		}
		return out
	}
	for _, n := range []int{0, 1, 7, 31, 32, 33, 255, 256, 257, 511, 600, 1000} {
		for _, mean := range []bool{true, false} {
			for _, strided := range []bool{false, true} {
				name := fmt.Sprintf("n=%d/mean=%v/strided=%v", n, mean, strided)
				p0, y0 := g.Randn(n, 1).MulScalar(3), g.Randn(n, 1)
				if strided { // columns of [n, 2]: stride 2, and an offset for p
					p0, y0 = g.Randn(n, 2).Narrow(1, 1, 1), g.Randn(n, 2).Narrow(1, 0, 1)
				}
				seed := Scalar(-0.75)
				run := func(fused bool) ([]uint32, []uint32) {
					p, y := p0.Detach().SetRequiresGrad(true), y0.Detach().SetRequiresGrad(true)
					var l *Tensor
					if fused {
						var ok bool
						if l, ok = SquaredError(p, y, mean); !ok {
							t.Fatalf("%s: the cpu device declined", name)
						}
					} else if l = p.Sub(y).Square(); mean {
						l = l.Mean()
					} else {
						l = l.Sum()
					}
					if l.Dim() != 0 {
						t.Fatalf("%s: loss of shape %v, want a scalar", name, l.Shape())
					}
					l.BackwardWith(seed)
					return bits(l), bits(p.Grad(), y.Grad())
				}
				fl, fg := run(true)
				cl, cg := run(false)
				if fmt.Sprint(fl) != fmt.Sprint(cl) {
					t.Errorf("%s: loss bits %x, composed %x", name, fl, cl)
				}
				if fmt.Sprint(fg) != fmt.Sprint(cg) {
					t.Errorf("%s: gradient bits differ from the composed ops'", name)
				}
			}
		}
	}
}

// TestSquaredErrorGraph checks which operands get a gradient, that no
// graph is recorded without one, and the errors for bad operands.
func TestSquaredErrorGraph(t *testing.T) {
	p, y := New([]float32{1, 2, 3}, 3), New([]float32{1, 0, 5}, 3)
	l, _ := SquaredError(p, y, true)
	if l.RequiresGrad() || l.Item() != float32(8.0/3) {
		t.Fatalf("no-grad loss %v (requires grad %v), want 8/3", l.Item(), l.RequiresGrad())
	}
	p.SetRequiresGrad(true)
	l, _ = SquaredError(p, y, false)
	l.Backward()
	if got, want := fmt.Sprint(p.Grad().Data()), "[0 4 -4]"; got != want || y.Grad() != nil {
		t.Fatalf("pred's gradient %v (want %v), target's %v (want none)", got, want, y.Grad())
	}
	for _, c := range []struct {
		name string
		fn   func()
	}{
		{"shapes", func() { SquaredError(Ones(2, 3), Ones(3), true) }},
		{"int64 target", func() { SquaredError(Ones(3), Arange(0, 3, 1).Long(), true) }},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", c.name)
				}
			}()
			c.fn()
		}()
	}
}
