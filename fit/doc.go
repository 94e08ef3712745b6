// Package fit is the training loop: epochs over a data.Loader, a loss and
// an optimizer, with validation, metrics, learning-rate schedules, early
// stopping, gradient clipping, a progress display, checkpoints that resume
// bit for bit, and Leslie Smith's learning-rate range test.
//
//	history, err := fit.Fit(model, loader, fit.Options{
//		Epochs:    3,
//		Loss:      nn.CrossEntropyLoss,
//		Optimizer: optim.NewAdam(nn.Parameters(model), optim.AdamConfig{LR: 1e-3}),
//		Validate:  testLoader,
//		Metrics:   []fit.Metric{fit.Accuracy()},
//		Checkpoint: "run/checkpoint.safetensors",
//	})
//
// # History
//
// Every epoch records "loss" (the mean training loss, weighted by batch
// size), each metric's name for the training batches and, with a
// validation loader, "val_loss" and "val_<metric>", plus the learning
// rate, duration and throughput. History.Series gives one of them per
// epoch for plotting; History.Save writes JSON.
//
// # Progress
//
// When Options.Progress is a terminal, each epoch shows a live bar
// (github.com/schollz/progressbar) with batches done, elapsed time and ETA,
// samples per second and the running loss; the bar is replaced by the
// epoch's summary line when it ends. Any other writer (a file, a CI log)
// gets the summary lines only.
//
// # Memory
//
// Each step's Backward frees that step's activations
// (tensor.FreeActivations), so the next step reuses their memory, as
// PyTorch's loop does when its references go: training runs in a steady
// working set instead of leaving a step's worth of garbage for the
// collector. Metrics see the predictions before that; a model that keeps
// an intermediate tensor past its step must Clone it (reading a freed one
// fails with tensor.ErrFreed). When the dataset's batches are fresh
// (data.FreshBatcher: TensorDataset, mnist.Set) each batch is freed after
// its step too (data.Loader.Release), and the next one reuses its memory.
//
// # Checkpoints and resuming
//
// With Options.Checkpoint, the model, optimizer state, schedule,
// tensor.DefaultGenerator's state (dropout, initialisation), history and
// position are saved after every epoch, and when Options.Context is
// cancelled (on Ctrl-C, say) after the current batch. The file is
// replaced atomically: a failed save leaves the previous checkpoint whole.
// Options.Resume continues such a run; since a shuffling Loader's order
// depends only on its seed and the epoch, the resumed run ends with the
// same weights, bit for bit, as one that was never interrupted.
//
// # Errors
//
// A loss that becomes NaN or infinite stops training with a
// *NonFiniteError naming the epoch and batch, before the bad update is
// applied; the last good checkpoint stays. A shape mismatch between model
// and data is returned as an error naming the epoch and batch rather than
// a panic.
package fit
