// Package nn provides nerve's neural-network layers, the discovery and
// naming of their parameters, initialisation, printing, saving and loading,
// and the loss functions — torch.nn for Go.
//
//	type SimpleNN struct {
//		FC1 *nn.Linear // parameters fc1.weight, fc1.bias
//		FC2 *nn.Linear
//	}
//
//	func (m *SimpleNN) Forward(x *tensor.Tensor) *tensor.Tensor {
//		return m.FC2.Forward(m.FC1.Forward(x).ReLU())
//	}
//
//	model := &SimpleNN{FC1: nn.NewLinear(2, 2), FC2: nn.NewLinear(2, 1)}
//	fmt.Println(nn.Summary(model))            // like print(model)
//	opt := optim.NewAdam(nn.Parameters(model), optim.AdamConfig{LR: 0.01})
//
// # Modules and parameters
//
// A module is a Go struct, used through a pointer, with a Forward method;
// Module is the one-tensor-in, one-tensor-out form that fits a Sequential,
// and Func turns a function into one. There is no base type to embed and
// no registration: Parameters, NamedParameters, NumParameters, ZeroGrad,
// Train, Eval, Summary, Save and Load find a module's tensors and
// sub-modules by reflection over its exported fields, in field order:
//
//   - A *tensor.Tensor field is a parameter, whether or not it requires
//     grad (nil fields are skipped). Tensors that require grad are the
//     trainable ones, what Parameters returns for an optimizer; a frozen
//     tensor (SetRequiresGrad(false)) is still named, counted, printed in
//     SummaryTable and saved.
//   - A tensor field tagged `nn:",buffer"` (or `nn:"running_mean,buffer"`)
//     is a buffer, as PyTorch's register_buffer: state that is not a
//     parameter, like BatchNorm's running statistics. NamedBuffers lists
//     the buffers; Parameters, NamedParameters, NumParameters and
//     SummaryTable leave them out; StateDict, Save and Load include them,
//     so a saved model keeps its running statistics.
//   - A field holding a struct, a pointer to a struct or an interface value
//     whose type has a method named Forward (of any signature) is a
//     sub-module; its names are prefixed with the field's (fc1.weight). A
//     struct without a Forward method is not walked: its tensors are not
//     found.
//   - A slice or array field of modules is numbered like PyTorch's
//     nn.ModuleList (layers.0.weight) and prints as ModuleList(…); a slice
//     of tensors is numbered the same way (extra.0).
//   - An embedded struct's fields are promoted, as Go promotes them: a
//     struct embedding *Linear has parameters weight and bias.
//   - Field names become PyTorch attribute names by lower-casing their
//     leading capitals as Go unexports a name: FC1 → fc1, Weight → weight,
//     Layers → layers, HTTPProj → httpProj, HiddenSize → hiddenSize. The
//     tag `nn:"name"` sets another name (`nn:"hidden_size"` for PyTorch's
//     snake case), `nn:"-"` skips the field, and `nn:",inline"` numbers a
//     slice's elements without the field's name, as Sequential does
//     (0.weight). Unexported fields are never walked.
//   - A tensor reached twice (weights tied between two layers) is listed
//     once, under its first name, as PyTorch's named_parameters does; a
//     module that contains itself through a pointer is not walked again.
//
// Modules whose behaviour differs between training and evaluation
// implement SetTraining (the Trainer interface): Train and Eval reach every
// one of them in a model, as PyTorch's model.train() and model.eval(). A
// new module is in training mode. Eval does not stop gradient recording;
// run inference inside tensor.NoGrad.
//
// # Layers
//
// Linear (x·Wᵀ + b), Sequential, Flatten, Identity and Dropout; the
// convolutions Conv1d and Conv2d (options Stride, Padding, PaddingSame,
// Dilation, Groups, ConvNoBias) and the pools MaxPool1d, MaxPool2d,
// AvgPool2d and AdaptiveAvgPool2d (options PoolStride, PoolPadding,
// PoolDilation, CeilMode, ExcludePad, DivisorOverride); the normalisation layers BatchNorm1d, BatchNorm2d, LayerNorm and GroupNorm
// (options Eps, Momentum, NoAffine, NoTrackRunningStats), with the
// activation modules ReLU, LeakyReLU, ELU, GELU, SiLU, Sigmoid, Tanh,
// Softplus, Softmax and LogSoftmax; Embedding (a lookup table of vectors
// for int64 indices); and the recurrent layers RNN, LSTM and GRU, whose
// parameters carry PyTorch's names (weight_ih_l0, bias_hh_l1_reverse, …)
// and whose Forward returns the output sequence, with Run taking and
// returning the states. Each layer's documentation gives its
// formula, shapes, initialisation and PyTorch counterpart. Layers are
// constructed with PyTorch's argument order (NewLinear(in, out)) and
// defaults; options follow (NewLinear(in, out, nn.NoBias())).
//
// Hyperparameters live in exported fields whose zero value means PyTorch's
// default wherever zero is not itself useful: LeakyReLU{} has slope 0.01,
// ELU{} alpha 1, Softplus{} beta 1 and threshold 20, Flatten{} start_dim 1
// and end_dim -1. Softmax and LogSoftmax have no default dim (PyTorch's
// implicit choice is deprecated): set Dim. Dropout{} drops nothing;
// NewDropout(0.5) is PyTorch's default.
//
// # Initialisation
//
// Layers start as PyTorch's do (Linear: uniform in ±1/√in), drawn from
// tensor's global generator, so tensor.ManualSeed makes a model
// reproducible; WithGenerator gives a layer its own. The functions of
// torch.nn.init — Uniform, Normal, Constant, Zeros, Ones, XavierUniform,
// XavierNormal, KaimingUniform, KaimingNormal, Orthogonal, with
// CalculateGain and Fans — overwrite a tensor in place with the same
// bounds and standard deviations as PyTorch. The random numbers themselves
// differ from PyTorch's, whose generator is another.
//
// # Printing
//
// Summary prints a model as PyTorch's print(model) does, names taken from
// the Go types and fields; a module's settings come from its ExtraRepr
// method. SummaryTable lists every tensor with its shape and size, and the
// totals of trainable and frozen parameters.
//
// # Saving and loading
//
// Save and Load write and read a model's tensors in the safetensors format,
// keyed by their PyTorch names, so that files move between nerve and
// PyTorch (torch's load_state_dict on the result of safetensors.torch's
// load_file, and back). Save replaces the file atomically: a failed save
// leaves the previous file as it was. Load checks every name and shape
// first and reports all the mismatches in one error, loading nothing.
// WriteSafetensors, ReadSafetensors, SaveTensors, LoadTensors, StateDict
// and LoadInto work on named tensors directly. Corrupt or truncated files
// are errors that name the file, never panics.
//
// # Losses
//
// MSELoss, L1Loss, RMSELoss, HuberLoss, SmoothL1Loss, BCELoss,
// BCEWithLogitsLoss, CrossEntropyLoss and NLLLoss, each with an options
// struct (MSE, CrossEntropy, …) whose zero value is PyTorch's defaults.
//
// # Errors
//
// Misuse in tensor math — a Linear fed the wrong number of features, an
// impossible Flatten — panics with the tensor package's typed errors
// (*tensor.ShapeError, *tensor.IndexError), as PyTorch raises;
// tensor.Catch turns such a panic into an error. Everything read from
// outside (files) returns an error.
//
// # Concurrency
//
// Forward on one model may run from many goroutines at once inside
// tensor.NoGrad, in evaluation mode. Train, Eval, Load and the
// initialisers change a model and must not run concurrently with its use.
package nn
