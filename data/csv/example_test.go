package csv_test

import (
	"fmt"

	"github.com/nervelab/nerve/data/csv"
)

func Example() {
	t, err := csv.Load("testdata/iris.csv", csv.Options{Targets: []string{"species"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	train, val := t.Split(0.25, 1)
	scaler := csv.FitScaler(train) // training rows only
	scaler.Transform(train)
	scaler.Transform(val)
	fmt.Println(t.Task, t.Features, t.Classes)
	fmt.Println(train.N, "training rows,", val.N, "validation rows")
	x, y := train.Dataset().Batch([]int{0, 1})
	fmt.Println(x.Shape(), y.Shape())
	// Output:
	// classification [sepal_length sepal_width petal_length petal_width] [setosa versicolor virginica]
	// 9 training rows, 3 validation rows
	// [2 4] [2]
}
