package csv

import (
	"cmp"
	stdcsv "encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Task says what the target columns hold.
type Task int

const (
	// Auto chooses Classification if any target cell is not a number
	// (empty cells aside), else Regression.
	Auto Task = iota
	// Regression targets are numbers, one or more columns.
	Regression
	// Classification has one target column of class names.
	Classification
)

// ParseTask parses "auto", "regression" or "classification" (any case).
func ParseTask(s string) (Task, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "auto", "":
		return Auto, nil
	case "regression":
		return Regression, nil
	case "classification":
		return Classification, nil
	}
	return Auto, fmt.Errorf("csv: unknown task %q, want auto, regression or classification", s)
}

// String returns the name ParseTask accepts.
func (t Task) String() string {
	switch t {
	case Auto:
		return "auto"
	case Regression:
		return "regression"
	case Classification:
		return "classification"
	}
	return fmt.Sprintf("Task(%d)", int(t))
}

// Options says how to read a file.
type Options struct {
	// Targets names the target columns by their header. Empty means the
	// last column. Classification allows exactly one.
	Targets []string
	// Task is Auto (the zero value), Regression or Classification.
	Task Task
}

// Load reads the CSV file at path; see Read.
func Load(path string, opts Options) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("csv: %w", err)
	}
	defer f.Close()
	return Read(f, path, opts)
}

// Read reads CSV text with a header row from r into a Table. name is used
// in error messages (usually the file's path). Every column that is not a
// target is a feature and must hold finite numbers. Leading and trailing
// spaces around names and cells are ignored; blank lines are skipped.
//
// Errors name the file, the line (1-based; the header is line 1) and the
// column: an empty input or one without data rows, a duplicate or empty
// column name, an unknown target column (listing the columns there are), a
// row with the wrong number of fields, and an empty, non-numeric, NaN or
// infinite feature cell (or target cell, for regression).
func Read(r io.Reader, name string, opts Options) (*Table, error) {
	rd := &reader{cr: stdcsv.NewReader(r), name: name}
	rd.cr.FieldsPerRecord = -1 // checked here, with a better message
	header, err := rd.header()
	if err != nil {
		return nil, err
	}
	t, cols, err := rd.columns(header, opts)
	if err != nil {
		return nil, err
	}
	targets, lines, err := rd.rows(t, header, cols)
	if err != nil {
		return nil, err
	}
	if err := rd.targets(t, targets, lines); err != nil {
		return nil, err
	}
	return t, nil
}

type reader struct {
	cr   *stdcsv.Reader
	name string
}

func (rd *reader) errorf(line int, format string, args ...any) error {
	return fmt.Errorf("csv: %s: line %d%s", rd.name, line, fmt.Sprintf(format, args...))
}

func (rd *reader) header() ([]string, error) {
	header, err := rd.cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("csv: %s: empty file, want a header row of column names", rd.name)
	}
	if err != nil {
		return nil, rd.wrap(err)
	}
	seen := make(map[string]int, len(header))
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		header[i] = h
		if h == "" {
			return nil, rd.errorf(1, ": column %d has no name", i+1)
		}
		if j, ok := seen[h]; ok {
			return nil, rd.errorf(1, ", column %q: name used twice (columns %d and %d)", h, j+1, i+1)
		}
		seen[h] = i
	}
	return header, nil
}

// wrap turns an error from encoding/csv (which carries its own line) into
// one of ours.
func (rd *reader) wrap(err error) error {
	var pe *stdcsv.ParseError
	if errors.As(err, &pe) {
		return rd.errorf(pe.Line, ": %v", pe.Err)
	}
	return fmt.Errorf("csv: %s: %w", rd.name, err)
}

// columns splits the header into features and targets: cols lists the
// header index of each feature, then of each target.
func (rd *reader) columns(header []string, opts Options) (*Table, []int, error) {
	if opts.Task < Auto || opts.Task > Classification {
		return nil, nil, fmt.Errorf("csv: %s: unknown task %v", rd.name, opts.Task)
	}
	targets := opts.Targets
	if len(targets) == 0 {
		targets = header[len(header)-1:]
	}
	if opts.Task == Classification && len(targets) != 1 {
		return nil, nil, fmt.Errorf("csv: %s: classification needs exactly one target column, got %d (%s)", rd.name, len(targets), quoteList(targets))
	}
	isTarget := make(map[string]bool, len(targets))
	t := &Table{Task: opts.Task}
	var tcols []int
	for _, name := range targets {
		i := slices.Index(header, name)
		if i < 0 {
			return nil, nil, fmt.Errorf("csv: %s: no target column %q; the columns are %s", rd.name, name, quoteList(header))
		}
		if isTarget[name] {
			return nil, nil, fmt.Errorf("csv: %s: target column %q named twice", rd.name, name)
		}
		isTarget[name] = true
		tcols = append(tcols, i)
		t.Targets = append(t.Targets, name)
	}
	var cols []int
	for i, h := range header {
		if !isTarget[h] {
			cols = append(cols, i)
			t.Features = append(t.Features, h)
		}
	}
	if len(t.Features) == 0 {
		return nil, nil, fmt.Errorf("csv: %s: no feature columns: every column (%s) is a target", rd.name, quoteList(header))
	}
	return t, append(cols, tcols...), nil
}

// rows parses the feature cells into t.X and returns the target cells,
// row-major, and each row's line number.
func (rd *reader) rows(t *Table, header []string, cols []int) (targets []string, lines []int, err error) {
	nf := len(t.Features)
	for {
		rec, err := rd.cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, rd.wrap(err)
		}
		line, _ := rd.cr.FieldPos(0)
		if len(rec) != len(header) {
			return nil, nil, rd.errorf(line, ": %d fields, want %d (one per column of the header)", len(rec), len(header))
		}
		for _, c := range cols[:nf] {
			v, err := parseCell(rec[c])
			if err != nil {
				return nil, nil, rd.errorf(line, ", column %q: %v", header[c], err)
			}
			t.X = append(t.X, v)
		}
		for _, c := range cols[nf:] {
			targets = append(targets, strings.TrimSpace(rec[c]))
		}
		lines = append(lines, line)
	}
	if len(lines) == 0 {
		return nil, nil, rd.errorf(1, ": a header but no data rows")
	}
	t.N = len(lines)
	return targets, lines, nil
}

// parseCell parses one numeric cell; it must be a finite float32.
func parseCell(s string) (float32, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty cell, want a number")
	}
	v, err := strconv.ParseFloat(s, 32)
	switch {
	case errors.Is(err, strconv.ErrRange):
		return 0, fmt.Errorf("%q is out of float32 range", s)
	case err != nil:
		return 0, fmt.Errorf("%q is not a number", s)
	case math.IsNaN(v) || math.IsInf(v, 0):
		return 0, fmt.Errorf("%q is not a finite number", s)
	}
	return float32(v), nil
}

// isNumber reports whether s is a number, finite or not, in any range.
func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil || errors.Is(err, strconv.ErrRange)
}

// targets decides the task if it is Auto and fills t.Y or t.Labels and
// t.Classes.
func (rd *reader) targets(t *Table, cells []string, lines []int) error {
	nt := len(t.Targets)
	if t.Task == Auto {
		t.Task = Regression
		for _, c := range cells {
			if c != "" && !isNumber(c) {
				t.Task = Classification
				break
			}
		}
		if t.Task == Classification && nt != 1 {
			return fmt.Errorf("csv: %s: targets %s are not all numbers, so this is classification, which needs exactly one target column", rd.name, quoteList(t.Targets))
		}
	}
	if t.Task == Classification {
		return rd.classes(t, cells, lines)
	}
	t.Y = make([]float32, len(cells))
	for i, c := range cells {
		v, err := parseCell(c)
		if err != nil {
			return rd.errorf(lines[i/nt], ", column %q: %v", t.Targets[i%nt], err)
		}
		t.Y[i] = v
	}
	return nil
}

// classes maps each class name to its index in sorted order.
func (rd *reader) classes(t *Table, cells []string, lines []int) error {
	index := map[string]int64{}
	for i, c := range cells {
		if c == "" {
			return rd.errorf(lines[i], ", column %q: empty cell, want a class", t.Targets[0])
		}
		index[c] = 0
	}
	t.Classes = sortClasses(index)
	for i, c := range t.Classes {
		index[c] = int64(i)
	}
	t.Labels = make([]int64, len(cells))
	for i, c := range cells {
		t.Labels[i] = index[c]
	}
	return nil
}

// sortClasses returns the names in numeric order if all are numbers, else
// in string order.
func sortClasses(set map[string]int64) []string {
	names := make([]string, 0, len(set))
	numeric := true
	for n := range set {
		names = append(names, n)
		numeric = numeric && isNumber(n)
	}
	if !numeric {
		slices.Sort(names)
		return names
	}
	slices.SortFunc(names, func(a, b string) int {
		x, _ := strconv.ParseFloat(a, 64)
		y, _ := strconv.ParseFloat(b, 64)
		return cmp.Or(cmp.Compare(x, y), strings.Compare(a, b))
	})
	return names
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}
