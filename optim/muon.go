package optim

import (
	"math"

	"github.com/nervelab/nerve/tensor"
)

// MuonConfig holds Muon's hyperparameters. The zero value is the default of
// the reference implementation, Keller Jordan's SingleDeviceMuonWithAuxAdam
// (github.com/KellerJordan/Muon, muon.py); a field's zero means its
// default, optim.Zero means 0.
type MuonConfig struct {
	LR          float64 // default 0.02
	Momentum    float64 // β, default 0.95
	NoNesterov  bool    // orthogonalize m itself instead of the Nesterov mix
	WeightDecay float64 // λ, decoupled, default 0
	NSSteps     int     // Newton–Schulz iterations, default 5

	// Aux configures the AdamW that updates the parameters with fewer than
	// two dimensions (biases, gains). Its zero fields take the reference's
	// defaults for that group, not NewAdamW's: LR 3e-4, Beta1 0.9,
	// Beta2 0.95, Eps 1e-10, WeightDecay 0.
	Aux AdamWConfig
}

// Muon is MomentUm Orthogonalized by Newton–Schulz, following Keller
// Jordan's reference muon.py (github.com/KellerJordan/Muon, its
// SingleDeviceMuonWithAuxAdam). A parameter W with two or more dimensions
// is viewed as a matrix of rows = W's first dimension by cols = the product
// of the others; with its gradient g:
//
//	m ← lerp(m, g, 1 − β) = m + (1 − β)·(g − m)
//	u ← lerp(g, m, β) if Nesterov (the default), else m
//	X ← u / (‖u‖_F + 1e-7), transposed if rows > cols
//	5 times (NSSteps):  A ← X·Xᵀ;  B ← b·A + c·A·A;  X ← a·X + B·X
//	                    with (a, b, c) = (3.4445, −4.7750, 2.0315)
//	u ← X (transposed back) · max(1, rows/cols)^½
//	W ← W·(1 − lr·λ) − lr·u
//
// The quintic iteration pushes u's singular values to roughly 0.5–1.5 (not
// exactly 1, by design of the coefficients), an approximate
// orthogonalization. The other parameters get AdamW (with
// Aux's hyperparameters), which is the reference's adam_update with
// decoupled weight decay up to rounding.
//
// Buffers: "momentum_buffer" (m) for matrices; "exp_avg" and "exp_avg_sq"
// for the AdamW parameters.
//
// Differences from the reference: it runs Newton–Schulz in bfloat16, this
// in float32. It flattens only 4-D parameters (conv filters) and takes the
// scale from the last two dimensions of the unflattened gradient (and runs
// 3-D parameters as a batch of matrices); this flattens every parameter
// of two or more dimensions to rows × cols as above and scales by those
// (the same for matrices). It steps parameters without a gradient as if
// the gradient were zero, and overwrites the gradient with the Nesterov
// mix; this skips them, as torch.optim does, and leaves gradients alone.
type Muon struct {
	base
	cfg MuonConfig
	aux AdamConfig // resolved Aux, for Groups()[1]
}

// NewMuon returns Muon over params, split by rank into two groups:
// Groups()[0] holds the parameters with two or more dimensions (Muon, with
// LR and WeightDecay), Groups()[1] the others (AdamW, with Aux.LR and
// Aux.WeightDecay). State indices count parameters in that group order.
func NewMuon(params []*tensor.Tensor, cfg MuonConfig) *Muon {
	cfg.LR = OrDefault(cfg.LR, 0.02)
	cfg.Momentum = OrDefault(cfg.Momentum, 0.95)
	if cfg.NSSteps == 0 {
		cfg.NSSteps = 5
	}
	a := cfg.Aux
	aux := AdamConfig{LR: OrDefault(a.LR, 3e-4), Beta1: OrDefault(a.Beta1, 0.9), Beta2: OrDefault(a.Beta2, 0.95),
		Eps: OrDefault(a.Eps, 1e-10), WeightDecay: OrDefault(a.WeightDecay, 0), AMSGrad: a.AMSGrad, Maximize: a.Maximize}
	var mats, vecs []*tensor.Tensor
	for _, p := range params {
		if p.Dim() >= 2 {
			mats = append(mats, p)
		} else {
			vecs = append(vecs, p)
		}
	}
	groups := []Group{{Params: mats, LR: cfg.LR, WeightDecay: cfg.WeightDecay},
		{Params: vecs, LR: aux.LR, WeightDecay: aux.WeightDecay}}
	return &Muon{base: newBase("Muon", groups, 0, 0), cfg: cfg, aux: aux}
}

// SetLR sets the Muon group's learning rate to lr and scales the AdamW
// group's by the same factor, keeping their ratio (a schedule from
// package sched scales each group from its own rate anyway).
func (o *Muon) SetLR(lr float64) {
	if old := o.groups[0].LR; old != 0 {
		o.groups[1].LR *= lr / old
	}
	o.groups[0].LR = lr
}

// Step applies one Muon update to the matrices and one AdamW update to the
// other parameters.
func (o *Muon) Step() {
	o.each(func(g *Group, i int, p, d *tensor.Tensor) {
		if g == o.groups[1] {
			adamStep(&o.base, o.aux, true, g, i, p, d)
			return
		}
		o.steps[i]++
		u := o.orthogonalized(i, p, d)
		p.MulScalarInPlace(f32(1 - g.LR*g.WeightDecay))
		p.SubInPlace(u.MulScalar(f32(g.LR)))
	})
}

// orthogonalized updates parameter i's momentum with gradient d and
// returns the scaled Newton–Schulz update, shaped like p.
func (o *Muon) orthogonalized(i int, p, d *tensor.Tensor) *tensor.Tensor {
	beta := f32(o.cfg.Momentum)
	m := o.buf(i, "momentum_buffer", p, 0)
	m.CopyFrom(lerp(m, d, f32(1-o.cfg.Momentum)))
	u := m
	if !o.cfg.NoNesterov {
		u = lerp(d, m, beta)
	}
	rows := p.Size(0)
	cols := p.Numel() / rows
	x := newtonSchulz(u.Reshape(rows, cols), o.cfg.NSSteps)
	x = x.MulScalar(f32(math.Sqrt(math.Max(1, float64(rows)/float64(cols)))))
	return x.Reshape(p.Shape()...)
}

// lerp returns a + w·(b − a), evaluated from the nearer end as torch.lerp
// does: b − (1 − w)·(b − a) when w ≥ ½.
func lerp(a, b *tensor.Tensor, w float32) *tensor.Tensor {
	if w < 0.5 {
		return a.Add(b.Sub(a).MulScalar(w))
	}
	return b.Sub(b.Sub(a).MulScalar(1 - w))
}

// newtonSchulz approximately orthogonalizes the matrix g with Keller
// Jordan's quintic Newton–Schulz iteration (zeropower_via_newtonschulz5),
// in float32.
func newtonSchulz(g *tensor.Tensor, steps int) *tensor.Tensor {
	const a, b, c = 3.4445, -4.7750, 2.0315
	x := g
	tr := g.Size(0) > g.Size(1)
	if tr {
		x = x.T()
	}
	x = x.Div(x.Square().Sum().Sqrt().AddScalar(1e-7))
	for range steps {
		A := x.MatMul(x.T())
		B := A.MulScalar(b).Add(A.MulScalar(c).MatMul(A))
		x = x.MulScalar(a).Add(B.MatMul(x))
	}
	if tr {
		x = x.T()
	}
	return x
}
