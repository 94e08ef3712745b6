package nn

import (
	"fmt"
	"math"
	"slices"

	"github.com/nervelab/nerve/tensor"
)

// The losses, as in torch.nn.functional. Each comes twice: a plain function
// with PyTorch's defaults (MSELoss, CrossEntropyLoss, …), whose type
// func(pred, target *tensor.Tensor) *tensor.Tensor suits a training loop's
// Loss field, and a struct of options whose zero value is those defaults,
// with a method Loss of the same type:
//
//	l := nn.CrossEntropyLoss(logits, labels)
//	l = nn.CrossEntropy{Weight: w, LabelSmoothing: 0.1, Reduction: nn.Sum}.Loss(logits, labels)
//
// All are composed of differentiable tensor ops, so Backward reaches the
// input (and a float target or a weight that requires grad). A target whose
// shape differs from the input's panics with a *tensor.ShapeError, a target
// of the wrong dtype with a *tensor.DTypeError, and a class index out of
// range or an option out of its domain with a *tensor.IndexError.

// Reduction says how a loss reduces its element-wise values: Mean (the zero
// value, PyTorch's default 'mean'), Sum or None (the unreduced values, of the
// shape the loss documents).
type Reduction int

// The reductions, PyTorch's reduction='mean', 'sum' and 'none'.
const (
	Mean Reduction = iota
	Sum
	None
)

// String returns PyTorch's name of r: "mean", "sum" or "none".
func (r Reduction) String() string {
	switch r {
	case Mean:
		return "mean"
	case Sum:
		return "sum"
	case None:
		return "none"
	}
	return fmt.Sprintf("Reduction(%d)", int(r))
}

// reduce applies r to the element-wise losses l.
func (r Reduction) reduce(op string, l *tensor.Tensor) *tensor.Tensor {
	switch r {
	case Mean:
		return l.Mean()
	case Sum:
		return l.Sum()
	case None:
		return l
	}
	panic(&tensor.IndexError{Op: op, Why: fmt.Sprintf("unknown reduction %d", int(r))})
}

var lossInf = float32(math.Inf(1))

// ---------------------------------------------------------------- regression

// MSELoss is the mean squared error mean((pred − target)²), as
// torch.nn.functional.mse_loss with its defaults; see MSE.
func MSELoss(pred, target *tensor.Tensor) *tensor.Tensor { return MSE{}.Loss(pred, target) }

// MSE configures the squared error (pred − target)², reduced by Reduction,
// as torch.nn.MSELoss.
//
// Shape: pred and target of any one shape; the result is a scalar, or
// pred's shape for None. Unlike PyTorch, which broadcasts a target of
// another shape with a warning, a target whose shape differs panics.
type MSE struct {
	Reduction Reduction
}

// Loss returns the reduced squared error. It panics if the shapes differ or
// either tensor is not float32.
func (l MSE) Loss(pred, target *tensor.Tensor) *tensor.Tensor {
	const op = "MSELoss"
	checkLossPair(op, pred, target)
	if l.Reduction == Mean || l.Reduction == Sum {
		if loss, ok := tensor.SquaredError(pred, target, l.Reduction == Mean); ok {
			return loss
		}
	}
	return l.Reduction.reduce(op, pred.Sub(target).Square())
}

// L1Loss is the mean absolute error mean(|pred − target|) (MAE), as
// torch.nn.functional.l1_loss with its defaults; see L1.
func L1Loss(pred, target *tensor.Tensor) *tensor.Tensor { return L1{}.Loss(pred, target) }

// L1 configures the absolute error |pred − target|, reduced by Reduction,
// as torch.nn.L1Loss. Its gradient at pred = target is 0, as PyTorch's.
//
// Shape: as MSE; a target whose shape differs panics.
type L1 struct {
	Reduction Reduction
}

// Loss returns the reduced absolute error. It panics if the shapes differ or
// either tensor is not float32.
func (l L1) Loss(pred, target *tensor.Tensor) *tensor.Tensor {
	const op = "L1Loss"
	checkLossPair(op, pred, target)
	return l.Reduction.reduce(op, pred.Sub(target).Abs())
}

// RMSELoss is the root mean squared error √mean((pred − target)²); see RMSE.
func RMSELoss(pred, target *tensor.Tensor) *tensor.Tensor { return RMSE{}.Loss(pred, target) }

// RMSE configures the root of the squared error. PyTorch has no such loss;
// it is torch.sqrt(F.mse_loss(pred, target, reduction=r)), the reduction
// applied before the root:
//
//	Mean: √(Σ(pred − target)² / n)   the usual RMSE
//	Sum:  √Σ(pred − target)²          the Euclidean norm of the error
//	None: √((pred − target)²) = |pred − target|, element-wise
//
// Where the (reduced) squared error is exactly 0 the gradient is 0, a
// subgradient, where torch.sqrt would give NaN; everywhere else it is the
// gradient of the formula.
//
// Shape: as MSE; a target whose shape differs panics.
type RMSE struct {
	Reduction Reduction
}

// Loss returns the root of the reduced squared error. It panics if the
// shapes differ or either tensor is not float32.
func (l RMSE) Loss(pred, target *tensor.Tensor) *tensor.Tensor {
	const op = "RMSELoss"
	checkLossPair(op, pred, target)
	d := pred.Sub(target)
	if l.Reduction == None {
		return d.Abs()
	}
	return sqrtZeroGrad(l.Reduction.reduce(op, d.Square()))
}

// sqrtZeroGrad is √s with gradient 0 instead of ∞·0 = NaN where s is 0: the
// root's branch never sees a 0 (the inner Where puts a 1 there), and the
// outer Where sends no gradient into it.
func sqrtZeroGrad(s *tensor.Tensor) *tensor.Tensor {
	zero := s.EqScalar(0)
	return tensor.Where(zero, tensor.Scalar(0), tensor.Where(zero, tensor.Scalar(1), s).Sqrt())
}

// HuberLoss is the Huber loss with delta 1, as
// torch.nn.functional.huber_loss with its defaults; see Huber.
func HuberLoss(pred, target *tensor.Tensor) *tensor.Tensor { return Huber{}.Loss(pred, target) }

// Huber configures the Huber loss of d = pred − target, as torch.nn.HuberLoss:
//
//	0.5·d²              where |d| < Delta
//	Delta·(|d| − Delta/2) elsewhere
//
// quadratic near 0 and linear (slope Delta) in the tails. Delta 0, the zero
// value, means PyTorch's default 1.0; a negative Delta panics (PyTorch
// rejects non-positive values too).
//
// Shape: as MSE; a target whose shape differs panics.
type Huber struct {
	Delta     float32
	Reduction Reduction
}

// Loss returns the reduced Huber loss. It panics if the shapes differ,
// either tensor is not float32 or Delta is negative.
func (l Huber) Loss(pred, target *tensor.Tensor) *tensor.Tensor {
	const op = "HuberLoss"
	checkLossPair(op, pred, target)
	delta := lossParamOr1(op, "delta", l.Delta)
	// With m = min(|d|, delta): 0.5·m² + delta·(|d| − m) is both branches.
	a := pred.Sub(target).Abs()
	m := a.Clamp(0, delta)
	return l.Reduction.reduce(op, m.Square().MulScalar(0.5).Add(a.Sub(m).MulScalar(delta)))
}

// SmoothL1Loss is the smooth L1 loss with beta 1, as
// torch.nn.functional.smooth_l1_loss with its defaults; see SmoothL1.
func SmoothL1Loss(pred, target *tensor.Tensor) *tensor.Tensor {
	return SmoothL1{}.Loss(pred, target)
}

// SmoothL1 configures the smooth L1 loss of d = pred − target, as
// torch.nn.SmoothL1Loss:
//
//	0.5·d²/Beta     where |d| < Beta
//	|d| − Beta/2    elsewhere
//
// which is Huber with Delta = Beta, divided by Beta. Beta 0, the zero value,
// means PyTorch's default 1.0; PyTorch's beta = 0 is exactly L1, so use L1
// (or L1Loss) for it. A negative Beta panics, as in PyTorch.
//
// Shape: as MSE; a target whose shape differs panics.
type SmoothL1 struct {
	Beta      float32
	Reduction Reduction
}

// Loss returns the reduced smooth L1 loss. It panics if the shapes differ,
// either tensor is not float32 or Beta is negative.
func (l SmoothL1) Loss(pred, target *tensor.Tensor) *tensor.Tensor {
	const op = "SmoothL1Loss"
	checkLossPair(op, pred, target)
	beta := lossParamOr1(op, "beta", l.Beta)
	// With m = min(|d|, beta): 0.5·m²/beta + (|d| − m) is both branches.
	a := pred.Sub(target).Abs()
	m := a.Clamp(0, beta)
	return l.Reduction.reduce(op, m.Square().MulScalar(0.5/beta).Add(a.Sub(m)))
}

// lossParamOr1 returns v, or 1 for the zero value; it panics if v < 0.
func lossParamOr1(op, name string, v float32) float32 {
	if v < 0 || v != v {
		panic(&tensor.IndexError{Op: op, Why: fmt.Sprintf("%s must be positive, got %g", name, v)})
	}
	if v == 0 {
		return 1
	}
	return v
}

// ------------------------------------------------------------------- binary

// BCELoss is the binary cross-entropy of probabilities, as
// torch.nn.functional.binary_cross_entropy with its defaults; see BCE.
func BCELoss(pred, target *tensor.Tensor) *tensor.Tensor { return BCE{}.Loss(pred, target) }

// BCE configures the binary cross-entropy between probabilities x = pred in
// [0, 1] and targets y in [0, 1], as torch.nn.BCELoss:
//
//	−w·(y·log x + (1 − y)·log(1 − x))
//
// with each log clamped at −100, as PyTorch does, so x = 0 or 1 gives a
// finite loss. The gradient with respect to x is PyTorch's,
// w·(x − y)/max(x·(1 − x), 1e-12), which stays finite (and is 0 where x = y
// = 0 or 1) where the formula's own derivative would be ∞ or NaN; so a
// saturated Sigmoid before BCE gives zero gradients, not NaN. The gradient
// with respect to y uses the clamped logs (PyTorch's is ±∞ at x = 0 or 1).
// For logits, BCEWithLogits is faster and more stable.
//
// Weight, if not nil, is a float32 rescaling of each element's loss that
// broadcasts to pred's shape (PyTorch's weight). Reduction Mean averages
// w·loss over all elements.
//
// Shape: pred and target of one shape; the result is a scalar, or pred's
// shape for None.
type BCE struct {
	Weight    *tensor.Tensor
	Reduction Reduction
}

// Loss returns the reduced binary cross-entropy. It panics if the shapes
// differ, Weight does not broadcast to them, a tensor is not float32, or
// an element of pred lies outside [0, 1] (as PyTorch raises).
func (l BCE) Loss(pred, target *tensor.Tensor) *tensor.Tensor {
	const op = "BCELoss"
	checkLossPair(op, pred, target)
	checkLossBroadcast(op, "weight", l.Weight, pred)
	checkProbabilities(op, pred)
	x := pred.Detach()
	logx := x.Log().Clamp(-100, lossInf)
	log1mx := x.Neg().AddScalar(1).Log().Clamp(-100, lossInf)
	// (y − 1)·log(1 − x) − y·log x, in PyTorch's order of operations.
	loss := target.SubScalar(1).Mul(log1mx).Sub(target.Mul(logx))
	if pred.RequiresGrad() && tensor.GradEnabled() {
		// Attach PyTorch's gradient k to pred without changing the value:
		// (pred − x) is exactly 0, and its gradient is 1.
		k := x.Sub(target.Detach()).Div(x.Mul(x.Neg().AddScalar(1)).Clamp(1e-12, lossInf))
		loss = loss.Add(pred.Sub(x).Mul(k))
	}
	if l.Weight != nil {
		loss = loss.Mul(l.Weight)
	}
	return l.Reduction.reduce(op, loss)
}

// checkProbabilities panics unless every element of x lies in [0, 1].
func checkProbabilities(op string, x *tensor.Tensor) {
	if x.Numel() == 0 {
		return
	}
	x = x.Detach()
	if lo, hi := x.Min().Item(), x.Max().Item(); !(lo >= 0 && hi <= 1) {
		panic(&tensor.IndexError{Op: op, Why: fmt.Sprintf(
			"all elements of input should be between 0 and 1, got values in [%g, %g]", lo, hi)})
	}
}

// BCEWithLogitsLoss is the binary cross-entropy of logits, as
// torch.nn.functional.binary_cross_entropy_with_logits with its defaults;
// see BCEWithLogits.
func BCEWithLogitsLoss(pred, target *tensor.Tensor) *tensor.Tensor {
	return BCEWithLogits{}.Loss(pred, target)
}

// BCEWithLogits configures the binary cross-entropy between σ(x), x = pred
// the logits, and targets y in [0, 1], as torch.nn.BCEWithLogitsLoss:
//
//	−w·(p·y·log σ(x) + (1 − y)·log(1 − σ(x)))
//	= w·((1 − y)·x + (1 + (p − 1)·y)·log(1 + e^(−x)))
//
// with p = PosWeight (1 if nil) and w = Weight (1 if nil). It is computed in
// that second form with a stable softplus, which for p = 1 is the familiar
// max(x, 0) − x·y + log(1 + e^(−|x|)): logits of ±1000 give no inf or NaN
// in the value or the gradient, σ(x) − y for p = 1.
//
// PosWeight, if not nil, weighs the positive term and broadcasts to pred's
// shape; for pred [N, C] it is usually one weight per class, [C] (for
// [N, C, H, W], [C, 1, 1]). Weight, if not nil, rescales each element's
// loss and broadcasts to pred's shape. Reduction Mean averages over all
// elements.
//
// Shape: pred and target of one shape; the result is a scalar, or pred's
// shape for None.
type BCEWithLogits struct {
	Weight    *tensor.Tensor
	PosWeight *tensor.Tensor
	Reduction Reduction
}

// Loss returns the reduced binary cross-entropy of the logits pred. It
// panics if the shapes differ, Weight or PosWeight does not broadcast to
// them, or a tensor is not float32.
func (l BCEWithLogits) Loss(pred, target *tensor.Tensor) *tensor.Tensor {
	const op = "BCEWithLogitsLoss"
	checkLossPair(op, pred, target)
	checkLossBroadcast(op, "weight", l.Weight, pred)
	checkLossBroadcast(op, "pos_weight", l.PosWeight, pred)
	sp := pred.Neg().Softplus(1, 20) // log(1 + e^(−x)), = −x beyond −x > 20
	if l.PosWeight != nil {
		sp = target.Mul(l.PosWeight.SubScalar(1)).AddScalar(1).Mul(sp)
	}
	loss := target.Neg().AddScalar(1).Mul(pred).Add(sp)
	if l.Weight != nil {
		loss = loss.Mul(l.Weight)
	}
	return l.Reduction.reduce(op, loss)
}

// -------------------------------------------------------------- multi-class

// DefaultIgnoreIndex is PyTorch's default ignore_index: targets equal to it
// are skipped by CrossEntropy and NLL unless IgnoreIndex says otherwise.
const DefaultIgnoreIndex = -100

// Ignore returns a pointer to i, for the IgnoreIndex field of CrossEntropy
// and NLL: nn.CrossEntropy{IgnoreIndex: nn.Ignore(0)} skips class 0.
func Ignore(i int64) *int64 { return &i }

// CrossEntropyLoss is the cross-entropy of logits and int64 class indices
// (or float32 class probabilities), as torch.nn.functional.cross_entropy
// with its defaults; see CrossEntropy.
func CrossEntropyLoss(logits, target *tensor.Tensor) *tensor.Tensor {
	return CrossEntropy{}.Loss(logits, target)
}

// CrossEntropy configures the cross-entropy between logits x, of shape
// [N, C] or [N, C, d1, d2, …] (C classes along dim 1; or [C] for a single
// sample), and a target, as torch.nn.CrossEntropyLoss. It is computed as
// NLL of x.LogSoftmax(1), which is stable for logits of any size.
//
// An int64 target holds class indices, of shape [N] or [N, d1, d2, …] (a
// 0-D tensor for logits [C]). Each position's loss is
//
//	−w[y]·log softmax(x)[y]
//
// with w = Weight (a float32 [C], 1 if nil); positions whose target equals
// the ignore index contribute 0, and Mean divides the sum by the sum of
// w[y] over the positions not ignored (so the mean is weighted, and NaN if
// every target is ignored, as in PyTorch). Any other index outside [0, C)
// panics.
//
// A float32 target of the logits' shape holds class probabilities; each
// position's loss is −Σ_c w[c]·y[c]·log softmax(x)[c], and Mean divides
// the sum by the number of positions, N·d1·d2·…, ignoring the weights.
// IgnoreIndex must then be unset or negative.
//
// IgnoreIndex nil, the zero value, means PyTorch's default -100
// (DefaultIgnoreIndex); set it with Ignore: IgnoreIndex: nn.Ignore(0).
//
// LabelSmoothing ε in [0, 1] mixes the target with the uniform
// distribution, as PyTorch's label_smoothing: for probabilities the target
// becomes (1 − ε)·y + ε/C; for class indices the loss is
// (1 − ε)·nll + (ε/C)·smooth, where nll is the loss above (reduced) and
// smooth is −Σ_c w[c]·log softmax(x)[c] per position, 0 at ignored ones,
// reduced the same way (Mean by the same sum of w[y]).
//
// Shape: the result is a scalar, or the target's shape [N, d1, …] for None
// (with probability targets, the logits' shape without dim 1).
type CrossEntropy struct {
	Weight         *tensor.Tensor
	IgnoreIndex    *int64
	LabelSmoothing float32
	Reduction      Reduction
}

// Loss returns the reduced cross-entropy. It panics if logits is not
// float32 of rank ≥ 1; if the target is neither int64 of the logits' shape
// without dim 1 nor float32 of the logits' shape; if Weight is not a
// float32 [C]; on a class index outside [0, C) that is not the ignore
// index; or if LabelSmoothing lies outside [0, 1].
func (l CrossEntropy) Loss(logits, target *tensor.Tensor) *tensor.Tensor {
	const op = "CrossEntropyLoss"
	checkLossInput(op, logits)
	eps := l.LabelSmoothing
	if !(eps >= 0 && eps <= 1) {
		panic(&tensor.IndexError{Op: op, Why: fmt.Sprintf("label_smoothing must be between 0.0 and 1.0, got %g", eps)})
	}
	if logits.Dim() == 1 { // one sample: logits [C], target 0-D (or [C])
		out := l.Loss(logits.Unsqueeze(0), target.Unsqueeze(0))
		if l.Reduction == None {
			out = out.Squeeze(0)
		}
		return out
	}
	c := logits.Size(1)
	checkClassWeight(op, l.Weight, logits)
	if out, ok := l.fused(logits, target); ok {
		return out
	}
	logp := logits.LogSoftmax(1)
	if target.DType() == tensor.Float32 {
		return l.probLoss(logp, target)
	}
	t := newClassTargets(op, target, logits, l.Weight, lossIgnoreIndex(l.IgnoreIndex))
	nll := l.Reduction.reduceClass(op, t.nll(logp), t)
	if eps == 0 {
		return nll
	}
	smooth := logp
	if l.Weight != nil {
		smooth = smooth.Mul(classView(l.Weight, logp.Dim()))
	}
	smooth = tensor.Where(t.valid, smooth.Sum(1).Neg(), tensor.Scalar(0))
	smooth = l.Reduction.reduceClass(op, smooth, t)
	return nll.MulScalar(1 - eps).Add(smooth.MulScalar(eps / float32(c)))
}

// fused computes the common case — logits [N, C], class indices [N], no
// class weights or label smoothing — with the device's fused softmax and
// cross-entropy (tensor.SoftmaxCrossEntropy), giving what the composed
// ops give; ok is false for any other case or a device without it.
func (l CrossEntropy) fused(logits, target *tensor.Tensor) (*tensor.Tensor, bool) {
	if logits.Dim() != 2 || target.Dim() != 1 || target.DType() != tensor.Int64 ||
		target.Size(0) != logits.Size(0) || l.Weight != nil || l.LabelSmoothing != 0 {
		return nil, false
	}
	defer func() {
		if r := recover(); r != nil {
			if e, isIndex := r.(*tensor.IndexError); isIndex {
				e.Op = "CrossEntropyLoss" // a target out of range: name the loss the user called
			}
			panic(r)
		}
	}()
	losses, valid, ok := tensor.SoftmaxCrossEntropy(logits, target, lossIgnoreIndex(l.IgnoreIndex))
	if !ok {
		return nil, false
	}
	if l.Reduction == Mean {
		return losses.Sum().Div(tensor.Scalar(float32(valid))), true
	}
	return l.Reduction.reduce("CrossEntropyLoss", losses), true
}

// probLoss is the cross-entropy with class-probability targets.
func (l CrossEntropy) probLoss(logp, target *tensor.Tensor) *tensor.Tensor {
	const op = "CrossEntropyLoss"
	if !sameShape(logp, target) {
		panic(&tensor.ShapeError{Op: op, A: logp.Shape(), B: target.Shape(), Why: "do not match: " +
			"a float32 target holds class probabilities and must have the input's shape " +
			"(class indices must be int64)"})
	}
	if l.IgnoreIndex != nil && *l.IgnoreIndex >= 0 {
		panic(&tensor.IndexError{Op: op, Why: "ignore_index is not supported for floating point target"})
	}
	if eps := l.LabelSmoothing; eps > 0 {
		target = target.MulScalar(1 - eps).AddScalar(eps / float32(logp.Size(1)))
	}
	p := logp.Mul(target)
	if l.Weight != nil {
		p = p.Mul(classView(l.Weight, logp.Dim()))
	}
	return l.Reduction.reduce(op, p.Sum(1).Neg())
}

// NLLLoss is the negative log-likelihood of log-probabilities and int64
// class indices, as torch.nn.functional.nll_loss with its defaults; see NLL.
func NLLLoss(logProbs, target *tensor.Tensor) *tensor.Tensor { return NLL{}.Loss(logProbs, target) }

// NLL configures the negative log-likelihood loss, as torch.nn.NLLLoss:
// for input x of log-probabilities, of shape [N, C] or [N, C, d1, d2, …]
// (or [C] for a single sample), and int64 class indices y of shape [N] or
// [N, d1, d2, …] (0-D for [C]), each position's loss is
//
//	−w[y]·x[y]
//
// with w = Weight (a float32 [C], 1 if nil). Positions whose target equals
// the ignore index contribute 0; Mean divides the sum by the sum of w[y]
// over the positions not ignored (NaN if all are ignored, as in PyTorch).
// IgnoreIndex nil, the zero value, means PyTorch's default -100; set it
// with Ignore. x is usually LogSoftmax(1) of logits: CrossEntropy fuses
// the two.
//
// Shape: the result is a scalar, or the target's shape for None.
type NLL struct {
	Weight      *tensor.Tensor
	IgnoreIndex *int64
	Reduction   Reduction
}

// Loss returns the reduced negative log-likelihood. It panics if logProbs
// is not float32 of rank ≥ 1, the target is not int64 of logProbs' shape
// without dim 1, Weight is not a float32 [C], or a class index outside
// [0, C) is not the ignore index.
func (l NLL) Loss(logProbs, target *tensor.Tensor) *tensor.Tensor {
	const op = "NLLLoss"
	checkLossInput(op, logProbs)
	if logProbs.Dim() == 1 {
		out := l.Loss(logProbs.Unsqueeze(0), target.Unsqueeze(0))
		if l.Reduction == None {
			out = out.Squeeze(0)
		}
		return out
	}
	checkClassWeight(op, l.Weight, logProbs)
	if target.DType() != tensor.Int64 {
		panic(&tensor.DTypeError{Op: op, Got: target.DType(), Want: "int64 (class index) target"})
	}
	t := newClassTargets(op, target, logProbs, l.Weight, lossIgnoreIndex(l.IgnoreIndex))
	return l.Reduction.reduceClass(op, t.nll(logProbs), t)
}

func lossIgnoreIndex(p *int64) int64 {
	if p == nil {
		return DefaultIgnoreIndex
	}
	return *p
}

// classTargets are int64 class indices checked against an input [N, C, …].
type classTargets struct {
	idx   *tensor.Tensor // [N, 1, d…] int64: the targets, 0 where ignored
	valid *tensor.Tensor // [N, d…] float32: 1 where not ignored, else 0
	w     *tensor.Tensor // [N, d…] float32: Weight[target], 0 where ignored
}

// newClassTargets checks target's shape and values on the host and builds
// the gather indices, the mask of positions not ignored and their weights.
func newClassTargets(op string, target, input, weight *tensor.Tensor, ignore int64) classTargets {
	shape := input.Shape()
	want := append([]int{shape[0]}, shape[2:]...)
	if target.DType() != tensor.Int64 {
		panic(&tensor.DTypeError{Op: op, Got: target.DType(), Want: "int64 (class index) target"})
	}
	if !slices.Equal(target.Shape(), want) {
		panic(&tensor.ShapeError{Op: op, A: shape, B: target.Shape(),
			Why: fmt.Sprintf("do not match: expected a target of shape %v (the input's without dim 1)", want)})
	}
	c := int64(shape[1])
	ys := target.Int64s()
	valid := make([]float32, len(ys))
	for i, y := range ys {
		switch {
		case y == ignore:
			ys[i] = 0
		case y < 0 || y >= c:
			panic(&tensor.IndexError{Op: op, Why: fmt.Sprintf("target %d is out of bounds for %d classes", y, c)})
		default:
			valid[i] = 1
		}
	}
	t := classTargets{valid: tensor.New(valid, want...), w: tensor.New(valid, want...)}
	idx := tensor.FromInt64(ys, want...)
	t.idx = idx.Unsqueeze(1)
	if weight != nil {
		t.w = weight.IndexSelect(0, idx.Reshape(-1)).Reshape(want...).Mul(t.valid)
	}
	return t
}

// nll returns −w[y]·x[y] at each position, 0 where the target is ignored.
func (t classTargets) nll(x *tensor.Tensor) *tensor.Tensor {
	picked := tensor.Where(t.valid, x.Gather(1, t.idx).Squeeze(1), tensor.Scalar(0))
	return picked.Mul(t.w).Neg()
}

// reduceClass reduces per-position losses of class-index targets: Mean is
// the sum divided by the total weight of the targets not ignored.
func (r Reduction) reduceClass(op string, l *tensor.Tensor, t classTargets) *tensor.Tensor {
	if r == Mean {
		return l.Sum().Div(t.w.Sum())
	}
	return r.reduce(op, l)
}

// classView reshapes a class weight [C] to broadcast along dim 1 of a
// rank-n input: [C, 1, …, 1] with n − 2 trailing ones.
func classView(w *tensor.Tensor, n int) *tensor.Tensor {
	shape := make([]int, n-1)
	for i := range shape {
		shape[i] = 1
	}
	shape[0] = w.Size(0)
	return w.Reshape(shape...)
}

// ----------------------------------------------------------------- checking

// checkLossPair panics unless pred and target are float32 of the same shape.
func checkLossPair(op string, pred, target *tensor.Tensor) {
	if pred.DType() != tensor.Float32 {
		panic(&tensor.DTypeError{Op: op, Got: pred.DType(), Want: "float32 input"})
	}
	if target.DType() != tensor.Float32 {
		panic(&tensor.DTypeError{Op: op, Got: target.DType(), Want: "float32 target"})
	}
	if !sameShape(pred, target) {
		panic(&tensor.ShapeError{Op: op, A: pred.Shape(), B: target.Shape(),
			Why: "do not match: the target must have the input's shape"})
	}
}

// sameShape reports whether a and b have one shape, copying neither.
func sameShape(a, b *tensor.Tensor) bool {
	if a.Dim() != b.Dim() {
		return false
	}
	for d := range a.Dim() {
		if a.Size(d) != b.Size(d) {
			return false
		}
	}
	return true
}

// checkLossInput panics unless x is a float32 input of rank ≥ 1 with classes
// along dim 1 (dim 0 for rank 1).
func checkLossInput(op string, x *tensor.Tensor) {
	if x.DType() != tensor.Float32 {
		panic(&tensor.DTypeError{Op: op, Got: x.DType(), Want: "float32 input"})
	}
	if x.Dim() == 0 {
		panic(&tensor.ShapeError{Op: op, A: x.Shape(), Why: "input must be [C], [N, C] or [N, C, d1, ...]"})
	}
}

// checkLossBroadcast panics unless w is nil or a float32 tensor that broadcasts
// to x's shape.
func checkLossBroadcast(op, name string, w, x *tensor.Tensor) {
	if w == nil {
		return
	}
	if w.DType() != tensor.Float32 {
		panic(&tensor.DTypeError{Op: op, Got: w.DType(), Want: "float32 " + name})
	}
	ws, xs := w.Shape(), x.Shape()
	ok := len(ws) <= len(xs)
	for i := 1; ok && i <= len(ws); i++ {
		ok = ws[len(ws)-i] == 1 || ws[len(ws)-i] == xs[len(xs)-i]
	}
	if !ok {
		panic(&tensor.ShapeError{Op: op, A: xs, B: ws, Why: "do not match: " + name + " must broadcast to the input's shape"})
	}
}

// checkClassWeight panics unless w is nil or a float32 [C] for the classes
// along dim 1 of x.
func checkClassWeight(op string, w, x *tensor.Tensor) {
	if w == nil {
		return
	}
	if w.DType() != tensor.Float32 {
		panic(&tensor.DTypeError{Op: op, Got: w.DType(), Want: "float32 weight"})
	}
	if c := x.Size(1); w.Dim() != 1 || w.Size(0) != c {
		panic(&tensor.ShapeError{Op: op, A: x.Shape(), B: w.Shape(),
			Why: fmt.Sprintf("do not match: weight must be [C] = [%d], one per class", c)})
	}
}
