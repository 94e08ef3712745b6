// Package csv reads a CSV file with a header row into a nerve data set,
// for regression or classification on tabular data.
//
// # Columns
//
// Options.Targets names the target columns (by default the last one);
// every other column is a feature and must hold numbers. The task is
// classification if any target cell is not a number (or if asked for), and
// then there is exactly one target column whose distinct values are the
// classes, numbered in sorted order (numerically when all are numbers), so
// the numbering is the same on every run and is saved with the model as
// Table.Classes.
//
//	t, err := csv.Load("iris.csv", csv.Options{Targets: []string{"species"}})
//	train, val := t.Split(0.2, seed)
//	scaler := csv.FitScaler(train) // statistics of the training rows only
//	scaler.Transform(train)
//	scaler.Transform(val)
//	loader := data.NewLoader(train.Dataset(), data.Batch(16), data.Shuffle(seed))
//
// # Errors
//
// Read and Load return an error that names the file, the line (the header
// is line 1) and the column of the first problem: a missing target column,
// a duplicate column name, a row with the wrong number of fields, an empty,
// non-numeric, NaN or infinite number. Table.Split panics on a fraction
// outside [0, 1].
package csv
