// Package data feeds examples to a training loop: datasets, batching,
// shuffling, splits and transforms, in the shape of PyTorch's
// torch.utils.data.
//
// # Datasets
//
// A Dataset is anything with a length and an Item(i) that returns one
// (input, target) pair without a batch dimension, like a PyTorch map-style
// dataset. A dataset that can gather many examples at once also implements
// Batcher; the Loader then builds a batch in one call instead of stacking
// items. TensorDataset holds inputs and targets in host memory; Subset and
// RandomSplit select parts of another dataset; Map applies a Transform.
//
// # Loader
//
// A Loader cuts a dataset into batches:
//
//	loader := data.NewLoader(train, data.Batch(64), data.Shuffle(seed), data.Workers(2))
//	for x, y := range loader.All() {
//		// one step
//	}
//
// With Shuffle, the order of epoch e depends on the seed and e only, so a
// run resumed at epoch e sees the same batches as an uninterrupted one
// (SetEpoch chooses the epoch; All advances it). With Workers(n) the next
// batches are built on n goroutines while the current step runs, and
// arrive in order.
//
// # Errors
//
// Options with impossible values (a batch size below 1) panic when the
// Loader is built: they are programming errors. Data from outside (files)
// is checked by the packages that read it (data/mnist, data/csv), which
// return errors.
package data
