package nn

import (
	"fmt"
	"reflect"
	"strings"
)

// ExtraReprer is implemented by modules that print settings inside their
// parentheses, like PyTorch's extra_repr: Linear(in_features=2, …).
type ExtraReprer interface{ ExtraRepr() string }

// Summary returns the module tree as PyTorch's print(model) shows it:
//
//	SimpleNN(
//	  (fc1): Linear(in_features=2, out_features=2, bias=True)
//	  (fc2): Linear(in_features=2, out_features=1, bias=True)
//	)
//
// Each module prints as its Go type's name followed by its ExtraRepr (if
// it has one) and its sub-modules — those the parameter walk finds, keyed
// as in NamedParameters: (fc1), (0), (layers.0) for a slice field. A
// module met again inside itself (a cycle) is not printed again.
func Summary(m any) string { return summary(m, map[visit]bool{}) }

func summary(m any, path map[visit]bool) string {
	if p, ok := pointerOf(m); ok {
		path[p] = true
		defer delete(path, p)
	}
	var extra []string
	if e, ok := m.(ExtraReprer); ok && e.ExtraRepr() != "" {
		extra = strings.Split(e.ExtraRepr(), "\n")
	}
	var kids []string
	for _, c := range children(m) {
		if p, ok := pointerOf(c.module); c.module == nil || ok && path[p] {
			continue
		}
		kids = append(kids, "("+c.name+"): "+addIndent(summary(c.module, path), 2))
	}
	s := typeName(m) + "("
	lines := append(extra, kids...)
	switch {
	case len(extra) == 1 && len(kids) == 0:
		s += extra[0]
	case len(lines) > 0:
		s += "\n  " + strings.Join(lines, "\n  ") + "\n"
	}
	return s + ")"
}

func addIndent(s string, n int) string {
	lines := strings.Split(s, "\n")
	pad := strings.Repeat(" ", n)
	for i := 1; i < len(lines); i++ {
		lines[i] = pad + lines[i]
	}
	return strings.Join(lines, "\n")
}

func typeName(m any) string {
	if _, ok := m.(moduleList); ok {
		return "ModuleList"
	}
	t := reflect.TypeOf(m)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

// SummaryTable returns a table of m's tensors — name, shape, number of
// elements, trainable or not — with totals, like the parameter table of
// Keras's model.summary().
func SummaryTable(m any) string {
	var b strings.Builder
	ps := NamedParameters(m)
	w := len("Parameter")
	for _, p := range ps {
		w = max(w, len(p.Name))
	}
	row := func(a, b2, c, d string) string { return fmt.Sprintf("%-*s  %-14s %10s  %s\n", w, a, b2, c, d) }
	b.WriteString(row("Parameter", "Shape", "Count", "Trainable"))
	b.WriteString(strings.Repeat("-", w+40) + "\n")
	for _, p := range ps {
		tr := "yes"
		if !p.Tensor.RequiresGrad() {
			tr = "no"
		}
		b.WriteString(row(p.Name, fmt.Sprint(p.Tensor.Shape()), fmt.Sprint(p.Tensor.Numel()), tr))
	}
	total, trainable := NumParameters(m)
	b.WriteString(strings.Repeat("-", w+40) + "\n")
	fmt.Fprintf(&b, "Total parameters: %d\nTrainable parameters: %d\nNon-trainable parameters: %d\n",
		total, trainable, total-trainable)
	return b.String()
}
