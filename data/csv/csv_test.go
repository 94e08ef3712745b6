package csv

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/nervelab/nerve/tensor"
)

func read(t *testing.T, text string, opts Options) *Table {
	t.Helper()
	tab, err := Read(strings.NewReader(text), "t.csv", opts)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func TestLoadIris(t *testing.T) {
	tab, err := Load("testdata/iris.csv", Options{Targets: []string{"species"}})
	if err != nil {
		t.Fatal(err)
	}
	if tab.Task != Classification || tab.N != 12 {
		t.Fatalf("task %v, N %d", tab.Task, tab.N)
	}
	if want := []string{"sepal_length", "sepal_width", "petal_length", "petal_width"}; !slices.Equal(tab.Features, want) {
		t.Errorf("features %v, want %v", tab.Features, want)
	}
	if want := []string{"setosa", "versicolor", "virginica"}; !slices.Equal(tab.Classes, want) {
		t.Errorf("classes %v, want %v", tab.Classes, want)
	}
	if want := []int64{0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2}; !slices.Equal(tab.Labels, want) {
		t.Errorf("labels %v, want %v", tab.Labels, want)
	}
	if len(tab.X) != 48 || tab.X[0] != 5.1 || tab.X[47] != 1.8 || tab.Y != nil {
		t.Errorf("X has %d values, first %v last %v; Y %v", len(tab.X), tab.X[0], tab.X[47], tab.Y)
	}
	// The last column is the default target.
	def, err := Load("testdata/iris.csv", Options{})
	if err != nil || !slices.Equal(def.Targets, []string{"species"}) || !slices.Equal(def.Labels, tab.Labels) {
		t.Errorf("default target: %v, %v", def, err)
	}
}

func TestClassesSortNumerically(t *testing.T) {
	tab := read(t, "a,label\n1,10\n2,2\n3,1\n4,2\n", Options{Task: Classification})
	if want := []string{"1", "2", "10"}; !slices.Equal(tab.Classes, want) {
		t.Errorf("classes %v, want %v", tab.Classes, want)
	}
	if want := []int64{2, 1, 0, 1}; !slices.Equal(tab.Labels, want) {
		t.Errorf("labels %v, want %v", tab.Labels, want)
	}
	// Mixed names sort as strings.
	tab = read(t, "a,label\n1,b\n2,10\n3,9\n", Options{})
	if want := []string{"10", "9", "b"}; !slices.Equal(tab.Classes, want) {
		t.Errorf("mixed classes %v, want %v", tab.Classes, want)
	}
}

func TestRegression(t *testing.T) {
	text := "x1, y2 ,x2,y1\n1,10,2,-1\n3,30,4,-3e0\n 5 ,50,6,-5\n"
	tab := read(t, text, Options{Targets: []string{"y1", "y2"}})
	if tab.Task != Regression || tab.N != 3 {
		t.Fatalf("task %v N %d", tab.Task, tab.N)
	}
	if !slices.Equal(tab.Features, []string{"x1", "x2"}) || !slices.Equal(tab.Targets, []string{"y1", "y2"}) {
		t.Errorf("features %v targets %v", tab.Features, tab.Targets)
	}
	if want := []float32{1, 2, 3, 4, 5, 6}; !slices.Equal(tab.X, want) {
		t.Errorf("X %v, want %v", tab.X, want)
	}
	if want := []float32{-1, 10, -3, 30, -5, 50}; !slices.Equal(tab.Y, want) {
		t.Errorf("Y %v, want %v (in Targets order)", tab.Y, want)
	}
	if tab.Labels != nil || tab.Classes != nil {
		t.Errorf("regression has labels %v classes %v", tab.Labels, tab.Classes)
	}
	// Numeric targets are regression under Auto, classes when asked.
	if tab := read(t, "a,b\n1,0\n2,1\n", Options{}); tab.Task != Regression {
		t.Errorf("numeric target under Auto: %v", tab.Task)
	}
	if tab := read(t, "a,b\n1,0\n2,1\n", Options{Task: Classification}); tab.Task != Classification || !slices.Equal(tab.Labels, []int64{0, 1}) {
		t.Errorf("numeric target as classification: %v %v", tab.Task, tab.Labels)
	}
}

func TestDataset(t *testing.T) {
	cls := read(t, "a,b,c\n1,2,x\n3,4,y\n5,6,x\n", Options{})
	ds := cls.Dataset()
	x, y := ds.Batch([]int{2, 1})
	if s := x.Shape(); !slices.Equal(s, []int{2, 2}) || !slices.Equal(x.Data(), []float32{5, 6, 3, 4}) {
		t.Errorf("x %v %v", s, x.Data())
	}
	if y.DType() != tensor.Int64 || !slices.Equal(y.Shape(), []int{2}) || !slices.Equal(y.Int64s(), []int64{0, 1}) {
		t.Errorf("y %v %v %v", y.DType(), y.Shape(), y.Int64s())
	}
	reg := read(t, "a,b,c\n1,2,3\n4,5,6\n", Options{})
	x, y = reg.Dataset().Batch([]int{1})
	if !slices.Equal(x.Shape(), []int{1, 2}) || y.DType() != tensor.Float32 || !slices.Equal(y.Shape(), []int{1, 1}) || y.Data()[0] != 6 {
		t.Errorf("regression x %v y %v %v %v", x.Shape(), y.DType(), y.Shape(), y.Data())
	}
	if ds.Len() != 3 {
		t.Errorf("Len %d", ds.Len())
	}
}

func TestReadErrors(t *testing.T) {
	for _, c := range []struct {
		name, text string
		opts       Options
		want       string
	}{
		{"empty", "", Options{}, `csv: t.csv: empty file, want a header row of column names`},
		{"blank lines only", "\n\n", Options{}, `csv: t.csv: empty file`},
		{"header only", "a,b\n", Options{}, `csv: t.csv: line 1: a header but no data rows`},
		{"unknown target", "a,b,c\n1,2,3\n", Options{Targets: []string{"d"}},
			`csv: t.csv: no target column "d"; the columns are "a", "b", "c"`},
		{"target twice", "a,b,c\n1,2,3\n", Options{Targets: []string{"c", "c"}}, `target column "c" named twice`},
		{"duplicate header", "a,b,a\n1,2,3\n", Options{}, `csv: t.csv: line 1, column "a": name used twice (columns 1 and 3)`},
		{"empty header name", "a,,c\n1,2,3\n", Options{}, `csv: t.csv: line 1: column 2 has no name`},
		{"no features", "y\n1\n", Options{}, `no feature columns: every column ("y") is a target`},
		{"two classification targets", "a,b,c\n1,2,3\n", Options{Targets: []string{"b", "c"}, Task: Classification},
			`classification needs exactly one target column, got 2 ("b", "c")`},
		{"auto non-numeric with two targets", "a,b,c\n1,2,3\n1,x,3\n", Options{Targets: []string{"b", "c"}},
			`targets "b", "c" are not all numbers`},
		{"bad task", "a,b\n1,2\n", Options{Task: 7}, `unknown task Task(7)`},
		{"too few fields", "a,b,c\n1,2,3\n4,5\n", Options{}, `csv: t.csv: line 3: 2 fields, want 3 (one per column of the header)`},
		{"too many fields", "a,b,c\n1,2,3\n\n4,5,6,7\n", Options{}, `csv: t.csv: line 4: 4 fields, want 3`},
		{"not a number", "a,petal_width,c\n1,2,x\n1,abc,y\n", Options{}, `csv: t.csv: line 3, column "petal_width": "abc" is not a number`},
		{"empty feature", "a,b,c\n1,2,x\n, 2,y\n", Options{}, `csv: t.csv: line 3, column "a": empty cell, want a number`},
		{"blank feature", "a,b,c\n1,  ,x\n", Options{}, `csv: t.csv: line 2, column "b": empty cell, want a number`},
		{"NaN", "a,b,c\n1,2,3\n4,NaN,6\n", Options{}, `csv: t.csv: line 3, column "b": "NaN" is not a finite number`},
		{"Inf", "a,b,c\n-inf,2,3\n", Options{}, `csv: t.csv: line 2, column "a": "-inf" is not a finite number`},
		{"float32 overflow", "a,b,c\n1e39,2,3\n", Options{}, `csv: t.csv: line 2, column "a": "1e39" is out of float32 range`},
		{"regression target not a number", "a,b\n1,2\n3,4\n5,x\n", Options{Task: Regression},
			`csv: t.csv: line 4, column "b": "x" is not a number`},
		{"regression target NaN", "a,b,c\n1,2,3\n3,4,nan\n", Options{Targets: []string{"b", "c"}},
			`csv: t.csv: line 3, column "c": "nan" is not a finite number`},
		{"empty regression target under Auto", "a,b\n1,2\n2,\n", Options{}, `csv: t.csv: line 3, column "b": empty cell, want a number`},
		{"empty class", "a,b\n1,x\n2,\n", Options{}, `csv: t.csv: line 3, column "b": empty cell, want a class`},
		{"line after a quoted newline", "a,b,c\n1,2,\"two\nlines\"\n1,z,x\n", Options{}, `csv: t.csv: line 4, column "b": "z" is not a number`},
		{"bare quote", "a,b\n1,2\n3,x\"y\n", Options{}, `csv: t.csv: line 3: bare " in non-quoted-field`},
	} {
		_, err := Read(strings.NewReader(c.text), "t.csv", c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got error %v, want %q", c.name, err, c.want)
		}
	}
	if _, err := Load("testdata/none.csv", Options{}); err == nil || !strings.Contains(err.Error(), "testdata/none.csv") {
		t.Errorf("missing file: %v", err)
	}
}

func TestParseTask(t *testing.T) {
	for s, want := range map[string]Task{"auto": Auto, "": Auto, "Regression": Regression, " classification ": Classification} {
		if got, err := ParseTask(s); err != nil || got != want {
			t.Errorf("ParseTask(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := ParseTask("clustering"); err == nil {
		t.Error("ParseTask(clustering) gave no error")
	}
	for _, task := range []Task{Auto, Regression, Classification} {
		if got, _ := ParseTask(task.String()); got != task {
			t.Errorf("ParseTask(%v.String()) = %v", task, got)
		}
	}
}

// numbered returns a regression table whose row i has features (i, 2i) and
// target 3i, so a row can be recognized after a split.
func numbered(n int) *Table {
	tab := &Table{Features: []string{"a", "b"}, Targets: []string{"y"}, Task: Regression, N: n}
	for i := range n {
		tab.X = append(tab.X, float32(i), float32(2*i))
		tab.Y = append(tab.Y, float32(3*i))
	}
	return tab
}

func TestSplit(t *testing.T) {
	tab := numbered(100)
	train, val := tab.Split(0.25, 7)
	if train.N != 75 || val.N != 25 || len(train.X) != 150 || len(val.Y) != 25 {
		t.Fatalf("sizes: train %d (%d X), val %d (%d Y)", train.N, len(train.X), val.N, len(val.Y))
	}
	seen := make([]int, 100)
	for _, part := range []*Table{train, val} {
		for r := range part.N {
			i := int(part.X[2*r])
			if part.X[2*r+1] != float32(2*i) || part.Y[r] != float32(3*i) {
				t.Fatalf("row %d of a part is not an original row: %v %v", r, part.X[2*r:2*r+2], part.Y[r])
			}
			seen[i]++
		}
	}
	for i, n := range seen {
		if n != 1 {
			t.Fatalf("row %d is in %d parts, want exactly 1", i, n)
		}
	}
	train2, val2 := tab.Split(0.25, 7)
	if !slices.Equal(train.X, train2.X) || !slices.Equal(val.Y, val2.Y) {
		t.Error("the same seed gave a different split")
	}
	if _, val3 := tab.Split(0.25, 8); slices.Equal(val.Y, val3.Y) {
		t.Error("seeds 7 and 8 gave the same split")
	}
	if train.Features[0] = "changed"; tab.Features[0] != "a" {
		t.Error("a split shares its Features slice with the original")
	}
	if tr, v := tab.Split(0, 1); tr.N != 100 || v.N != 0 || v.Dataset().Len() != 0 {
		t.Errorf("fraction 0: %d and %d rows", tr.N, v.N)
	}
	cls := read(t, "a,c\n1,x\n2,y\n3,x\n4,y\n", Options{})
	ctrain, cval := cls.Split(0.5, 3)
	if len(ctrain.Labels) != 2 || len(cval.Labels) != 2 || !slices.Equal(cval.Classes, []string{"x", "y"}) {
		t.Errorf("classification split: %v %v %v", ctrain.Labels, cval.Labels, cval.Classes)
	}
	for _, f := range []float64{-0.1, 1.5, math.NaN()} {
		if err := panics(func() { tab.Split(f, 1) }); err == nil {
			t.Errorf("Split(%v) did not panic", f)
		}
	}
}

// panics returns what f panics with, or nil.
func panics(f func()) (r any) {
	defer func() { r = recover() }()
	f()
	return nil
}

func TestScaler(t *testing.T) {
	tab := numbered(10)
	tab.Features = append(tab.Features, "const")
	x := tab.X
	tab.X = nil
	for i := range tab.N {
		tab.X = append(tab.X, x[2*i], x[2*i+1], 4)
	}
	train, val := tab.Split(0.3, 1)
	s := FitScaler(train)
	var mean, sq float64
	for r := range train.N {
		mean += float64(train.X[3*r])
	}
	mean /= float64(train.N)
	for r := range train.N {
		d := float64(train.X[3*r]) - mean
		sq += d * d
	}
	std := math.Sqrt(sq / float64(train.N))
	if math.Abs(float64(s.Mean[0])-mean) > 1e-5 || math.Abs(float64(s.Std[0])-std) > 1e-5 {
		t.Errorf("column 0: mean %v std %v, want %v %v (train rows only, population std)", s.Mean[0], s.Std[0], mean, std)
	}
	if mean == 4.5 {
		t.Fatal("the train part has the full table's mean; pick another seed")
	}
	if s.Mean[2] != 4 || s.Std[2] != 1 {
		t.Errorf("constant column: mean %v std %v, want 4 and 1", s.Mean[2], s.Std[2])
	}
	valBefore := slices.Clone(val.X)
	if err := s.Transform(train); err != nil {
		t.Fatal(err)
	}
	if err := s.Transform(val); err != nil {
		t.Fatal(err)
	}
	after := FitScaler(train)
	for j := range 2 {
		if math.Abs(float64(after.Mean[j])) > 1e-5 || math.Abs(float64(after.Std[j])-1) > 1e-5 {
			t.Errorf("scaled train column %d: mean %v std %v", j, after.Mean[j], after.Std[j])
		}
	}
	if got, want := val.X[0], (valBefore[0]-s.Mean[0])/s.Std[0]; got != want || val.X[2] != 0 {
		t.Errorf("val scaled with train statistics: %v, want %v; constant column %v", got, want, val.X[2])
	}
	if err := (Scaler{Mean: []float32{0}, Std: []float32{1}}).Transform(train); err == nil || !strings.Contains(err.Error(), "1 means and 1 stds for 3 features") {
		t.Errorf("width mismatch: %v", err)
	}
	b, _ := json.Marshal(Scaler{Mean: []float32{1.5}, Std: []float32{2}})
	if string(b) != `{"mean":[1.5],"std":[2]}` {
		t.Errorf("JSON %s", b)
	}
}
