// Package optim holds optimizers that update parameters from the gradients
// Backward accumulates, and gradient clipping. Learning-rate schedules are
// in optim/sched.
//
// # Optimizers
//
// SGD, Adagrad, RMSprop, Adam and AdamW follow their torch.optim 1.13
// counterparts (the single-tensor code path) and are checked against
// PyTorch's trajectories in the tests; Muon follows Keller Jordan's
// reference muon.py, with AdamW for the parameters that are not matrices.
// Each type's doc comment gives its update rule.
//
//	opt := optim.NewAdam(params, optim.AdamConfig{LR: 0.01})
//	for batch := range batches {
//		opt.ZeroGrad()
//		loss := model(batch)
//		loss.Backward()
//		opt.Step()
//	}
//
// Step records no graph. Like PyTorch it skips parameters that have no
// gradient (their buffers and step counts do not advance), and it skips
// frozen parameters (RequiresGrad false) too.
//
// # Defaults and optim.Zero
//
// A config struct's zero value is PyTorch's default: AdamConfig{} is
// lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 0, and AdamWConfig{}
// has weight decay 1e-2. Where PyTorch's default is not zero but zero is a
// legal value (lr, betas, eps, alpha, AdamW's weight decay), a field left
// at 0 means the default and the value optim.Zero means 0:
//
//	optim.AdamConfig{Beta1: optim.Zero, Beta2: 0.99} // betas=(0, 0.99)
//	optim.AdamWConfig{WeightDecay: optim.Zero}      // weight_decay=0
//
// OrDefault is that rule; optim/sched's configs follow it too.
//
// # Parameter groups
//
// The New*Groups constructors take groups with their own learning rate and
// weight decay, like PyTorch's param_groups; a group's LR or WeightDecay
// left at 0 takes the config's value, optim.Zero sets 0. A common use is
// exempting biases from weight decay:
//
//	opt := optim.NewAdamWGroups([]optim.Group{
//		{Params: weights},
//		{Params: biases, WeightDecay: optim.Zero},
//	}, optim.AdamWConfig{LR: 1e-3})
//
// Groups returns them with the values in use; schedules change Group.LR,
// and SetLR sets every group's rate.
//
// # Saving and resuming
//
// State returns the per-parameter buffers under PyTorch's names
// ("0.exp_avg", "1.momentum_buffer", …), the step counts and the
// hyperparameters that can change during training (each group's lr and
// weight decay, and momentum or β₁ when a schedule cycles it). It encodes
// to JSON entire; LoadState on an optimizer of the same kind built over the
// same parameter shapes resumes training bit for bit.
//
// # Clipping
//
// ClipGradNorm and ClipGradValue rescale or clamp gradients in place
// between Backward and Step, as torch.nn.utils.clip_grad_norm_ and
// clip_grad_value_.
package optim
