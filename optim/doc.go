// Package optim holds optimizers that update parameters from the gradients
// Backward accumulates, and gradient clipping.
//
// # Optimizers
//
// Each optimizer follows its PyTorch 1.13 counterpart (the single-tensor
// code path) and is reproduced against it to 1e-5 in the tests: SGD, Adam,
// AdamW, Adagrad, RMSprop, and Muon (Keller Jordan's, for matrices, with an
// Adam-style rule for vectors). A config struct's zero value is PyTorch's
// default:
//
//	opt := optim.NewAdam(params, optim.AdamConfig{LR: 0.01})
//	for batch := range batches {
//		opt.ZeroGrad()
//		loss := model(batch)
//		loss.Backward()
//		opt.Step()
//	}
//
// Step records no graph. It skips parameters that have no gradient or do not
// require grad (frozen).
//
// # Parameter groups
//
// The New*Groups constructors take groups with their own learning rate and
// weight decay, like PyTorch's param_groups; a group's zero LR or
// WeightDecay falls back to the config's. Schedulers change Group.LR through
// Groups or SetLR.
//
// # Saving and resuming
//
// State returns buffers named "<param index>.<buffer>" (PyTorch's names:
// "0.exp_avg", "1.momentum_buffer"), per-parameter step counts and group
// hyperparameters; LoadState on an optimizer built the same way resumes
// training bit for bit.
//
// # Clipping
//
// ClipGradNorm and ClipGradValue rescale or clamp gradients in place between
// Backward and Step, as torch.nn.utils.clip_grad_norm_ and clip_grad_value_.
package optim
