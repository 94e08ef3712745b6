package tensor

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Printing follows torch/_tensor_str.py with its default options:
// precision 4, line width 80, summarise above 1000 elements with 3 edge
// items.
const (
	printPrecision = 4
	printLineWidth = 80
	printThreshold = 1000
	printEdgeItems = 3
)

// String formats t as PyTorch prints a tensor, e.g.
//
//	tensor([[1.0000, 2.5000],
//	        [3.0000, 4.0000]], requires_grad=True)
//
// Large tensors are summarised with "...".
func (t *Tensor) String() string {
	const prefix = "tensor("
	indent := len(prefix)
	var body string
	if t.Numel() == 0 {
		body = "[]"
	} else {
		summarize := t.Numel() > printThreshold
		h := hostOf(t)
		f := newFormatter(h.summarized(summarize), t.DType() == Int64)
		body = h.format(indent, summarize, f)
	}
	var suffixes []string
	if t.Numel() == 0 && t.Dim() != 1 {
		suffixes = append(suffixes, "size=("+sizeTuple(t.shape)+")")
	}
	switch {
	case t.node != nil:
		suffixes = append(suffixes, "grad_fn=<"+t.node.op+"Backward0>")
	case t.requiresGrad:
		suffixes = append(suffixes, "requires_grad=True")
	}
	return addSuffixes(prefix+body, suffixes, indent)
}

func sizeTuple(s []int) string {
	if len(s) == 1 {
		return strconv.Itoa(s[0]) + ","
	}
	return joinInts(s)
}

func addSuffixes(s string, suffixes []string, indent int) string {
	var b strings.Builder
	b.WriteString(s)
	last := len(s) - strings.LastIndex(s, "\n") + 1
	for _, suf := range suffixes {
		if last+len(suf)+2 > printLineWidth {
			b.WriteString(",\n" + strings.Repeat(" ", indent) + suf)
			last = indent + len(suf)
		} else {
			b.WriteString(", " + suf)
			last += len(suf) + 2
		}
	}
	b.WriteString(")")
	return b.String()
}

// hostTensor is a host copy used for printing.
type hostTensor struct {
	shape []int
	data  []float64
}

func hostOf(t *Tensor) hostTensor {
	h := hostTensor{shape: t.shape}
	if t.DType() == Int64 {
		for _, v := range t.Int64s() {
			h.data = append(h.data, float64(v))
		}
		return h
	}
	for _, v := range t.Data() {
		h.data = append(h.data, float64(v))
	}
	return h
}

// sub returns the i-th slice along the first dim.
func (h hostTensor) sub(i int) hostTensor {
	n := numel(h.shape[1:])
	return hostTensor{shape: h.shape[1:], data: h.data[i*n : (i+1)*n]}
}

// rows returns the indices along dim 0 that are shown.
func (h hostTensor) rows(summarize bool) (head, tail []int) {
	n := h.shape[0]
	if summarize && n > 2*printEdgeItems {
		for i := 0; i < printEdgeItems; i++ {
			head = append(head, i)
			tail = append(tail, n-printEdgeItems+i)
		}
		return head, tail
	}
	for i := 0; i < n; i++ {
		head = append(head, i)
	}
	return head, nil
}

// summarized returns the values the formatter sees (edge items only).
func (h hostTensor) summarized(summarize bool) []float64 {
	if len(h.shape) == 0 {
		return h.data
	}
	head, tail := h.rows(summarize)
	var out []float64
	for _, i := range append(head, tail...) {
		if len(h.shape) == 1 {
			out = append(out, h.data[i])
		} else {
			out = append(out, h.sub(i).summarized(summarize)...)
		}
	}
	return out
}

func (h hostTensor) format(indent int, summarize bool, f *formatter) string {
	switch len(h.shape) {
	case 0:
		return f.format(h.data[0])
	case 1:
		return h.vector(indent, summarize, f)
	}
	head, tail := h.rows(summarize)
	var parts []string
	for _, i := range head {
		parts = append(parts, h.sub(i).format(indent+1, summarize, f))
	}
	if tail != nil {
		parts = append(parts, "...")
		for _, i := range tail {
			parts = append(parts, h.sub(i).format(indent+1, summarize, f))
		}
	}
	sep := "," + strings.Repeat("\n", len(h.shape)-1) + strings.Repeat(" ", indent+1)
	return "[" + strings.Join(parts, sep) + "]"
}

func (h hostTensor) vector(indent int, summarize bool, f *formatter) string {
	perLine := max(1, (printLineWidth-indent)/(f.width+2))
	head, tail := h.rows(summarize)
	var items []string
	for _, i := range head {
		items = append(items, f.format(h.data[i]))
	}
	if tail != nil {
		items = append(items, " ...")
		for _, i := range tail {
			items = append(items, f.format(h.data[i]))
		}
	}
	var lines []string
	for i := 0; i < len(items); i += perLine {
		lines = append(lines, strings.Join(items[i:min(i+perLine, len(items))], ", "))
	}
	return "[" + strings.Join(lines, ",\n"+strings.Repeat(" ", indent+1)) + "]"
}

// formatter mirrors PyTorch's _Formatter: integer mode when every finite
// value is whole, scientific mode for wide or extreme ranges.
type formatter struct {
	isInt, intMode, sciMode bool
	width                   int
}

func newFormatter(vals []float64, isInt bool) *formatter {
	f := &formatter{isInt: isInt, intMode: true, width: 1}
	if isInt {
		for _, v := range vals {
			f.width = max(f.width, len(strconv.FormatInt(int64(v), 10)))
		}
		return f
	}
	var nz []float64
	for _, v := range vals {
		if !math.IsInf(v, 0) && !math.IsNaN(v) && v != 0 {
			nz = append(nz, v)
		}
	}
	if len(nz) == 0 {
		return f
	}
	lo, hi := math.Inf(1), 0.0
	for _, v := range nz {
		lo, hi = math.Min(lo, math.Abs(v)), math.Max(hi, math.Abs(v))
		if v != math.Ceil(v) {
			f.intMode = false
		}
	}
	f.sciMode = hi/lo > 1000 || hi > 1e8 || (!f.intMode && lo < 1e-4)
	for _, v := range nz {
		switch {
		case f.sciMode:
			f.width = max(f.width, len(sci(v)))
		case f.intMode:
			f.width = max(f.width, len(fmt.Sprintf("%.0f", v))+1)
		default:
			f.width = max(f.width, len(fmt.Sprintf("%.*f", printPrecision, v)))
		}
	}
	return f
}

func sci(v float64) string { return fmt.Sprintf("%.*e", printPrecision, v) }

func (f *formatter) format(v float64) string {
	var s string
	switch {
	case f.isInt:
		s = strconv.FormatInt(int64(v), 10)
	case math.IsNaN(v):
		s = "nan"
	case math.IsInf(v, 1):
		s = "inf"
	case math.IsInf(v, -1):
		s = "-inf"
	case f.sciMode:
		s = sci(v)
	case f.intMode:
		s = fmt.Sprintf("%.0f", v) + "."
	default:
		s = fmt.Sprintf("%.*f", printPrecision, v)
	}
	if len(s) < f.width {
		s = strings.Repeat(" ", f.width-len(s)) + s
	}
	return s
}
