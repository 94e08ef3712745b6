// Package sched changes an optimizer's learning rates over training, as
// torch.optim.lr_scheduler does: StepLR, MultiStepLR, ExponentialLR,
// CosineAnnealingLR, LinearLR (warm-up), OneCycleLR and ReduceLROnPlateau.
//
// # Use
//
//	opt := optim.NewSGD(params, optim.SGDConfig{LR: 0.1, Momentum: 0.9})
//	s := sched.NewCosineAnnealingLR(opt, sched.CosineConfig{TMax: 100})
//	for epoch := 0; epoch < 100; epoch++ {
//		train(opt) // with the rate s applied
//		s.Step()   // after the epoch
//	}
//
// As in PyTorch, making a schedule applies its rate for step 0, and Step
// is called after the optimizer's steps. Each parameter group is scheduled
// from its own base rate, its LR when the schedule was made (PyTorch's
// base_lrs), so groups keep their ratios under the multiplicative
// schedules. The epoch schedules are computed recursively from each
// group's current rate, as PyTorch 1.13's get_lr does (its chainable form),
// which for CosineAnnealingLR differs from the closed form by rounding; the
// values match PyTorch's to 1e-12.
//
// # Per batch or per epoch
//
// OneCycleLR is stepped after every batch, the others after every epoch;
// Scheduler.PerBatch says which, so a training loop can step any schedule
// at the right place. ReduceLROnPlateau steps with a metric:
// Step(validationLoss).
//
// # Momentum
//
// OneCycleLR cycles momentum inversely to the rate, as PyTorch does, on
// optimizers that implement MomentumSetter: optim.SGD and optim.RMSprop
// (momentum) and optim.Adam and optim.AdamW (β₁). Like PyTorch it sets the
// momentum of an SGD or RMSprop built without one. PyTorch refuses
// optimizers with neither (Adagrad, Muon); here their momentum is left
// alone.
//
// # Defaults
//
// Config structs' zero values are PyTorch's defaults; where PyTorch's
// default is not zero but zero is legal, optim.Zero gives 0, as in package
// optim (LinearConfig{StartFactor: 1, EndFactor: optim.Zero} decays to 0).
//
// # Resuming
//
// State returns a schedule's position (last epoch, base rates,
// ReduceLROnPlateau's best metric and counters) as a JSON-encodable value;
// LoadState on the same schedule made over the same optimizer restores it.
// The current rates themselves are part of the optimizer's optim.State.
package sched
