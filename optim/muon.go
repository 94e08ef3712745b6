package optim

import (
	"math"

	"github.com/nervelab/nerve/tensor"
)

// MuonConfig holds Muon's hyperparameters. The zero value is the default of
// the reference implementation, Keller Jordan's SingleDeviceMuonWithAuxAdam
// (github.com/KellerJordan/Muon, muon.py): LR 0.02, Momentum 0.95, Nesterov,
// 5 Newton–Schulz steps, no weight decay; and for parameters with fewer than
// two dimensions an Adam rule with AdamLR 3e-4, betas 0.9 and 0.95, AdamEps
// 1e-10, no weight decay.
type MuonConfig struct {
	LR          float64 // default 0.02
	Momentum    float64 // β, default 0.95
	NoNesterov  bool    // use the momentum buffer itself, not lerp(g, m, β)
	WeightDecay float64 // decoupled
	NSSteps     int     // default 5

	AdamLR          float64 // default 3e-4
	AdamBeta1       float64 // default 0.9
	AdamBeta2       float64 // default 0.95
	AdamEps         float64 // default 1e-10
	AdamWeightDecay float64 // decoupled
}

// Muon is MomentUm Orthogonalized by Newton–Schulz, after Keller Jordan's
// muon.py (github.com/KellerJordan/Muon). For a parameter W with two or
// more dimensions (flattened to rows × cols, first dimension by the rest):
//
//	m ← β·m + (1 − β)·g
//	u ← g + β·(m − g) if Nesterov, else m
//	X ← u / (‖u‖_F + 1e-7), transposed if rows > cols
//	repeat NSSteps times:  A ← X·Xᵀ;  B ← b·A + c·A·A;  X ← a·X + B·X
//	                       (a, b, c) = (3.4445, −4.7750, 2.0315)
//	u ← X (transposed back) · max(1, rows/cols)^½
//	W ← W·(1 − lr·λ) − lr·u
//
// Vectors and scalars get the reference's adam_update instead:
//
//	m ← β₁·m + (1 − β₁)·g;  v ← β₂·v + (1 − β₂)·g²
//	θ ← θ·(1 − lr·λ) − lr · (m/(1 − β₁ᵗ)) / (√(v/(1 − β₂ᵗ)) + ε)
//
// The reference runs Newton–Schulz in bfloat16; this runs it in float32.
// The reference scales by the last two dimensions of the unflattened
// gradient; this uses the flattened rows and cols (the same for matrices).
type Muon struct {
	base
	cfg MuonConfig
}

// NewMuon returns Muon over params. It splits them by rank into two groups:
// Groups()[0] holds the parameters with two or more dimensions (Muon rule,
// LR and WeightDecay), Groups()[1] the others (Adam rule, AdamLR and
// AdamWeightDecay). State indices count parameters in that group order.
func NewMuon(params []*tensor.Tensor, cfg MuonConfig) *Muon {
	cfg.LR = or(cfg.LR, 0.02)
	cfg.Momentum = or(cfg.Momentum, 0.95)
	if cfg.NSSteps == 0 {
		cfg.NSSteps = 5
	}
	cfg.AdamLR = or(cfg.AdamLR, 3e-4)
	cfg.AdamBeta1 = or(cfg.AdamBeta1, 0.9)
	cfg.AdamBeta2 = or(cfg.AdamBeta2, 0.95)
	cfg.AdamEps = or(cfg.AdamEps, 1e-10)
	var mats, vecs []*tensor.Tensor
	for _, p := range params {
		if p.Dim() >= 2 {
			mats = append(mats, p)
		} else {
			vecs = append(vecs, p)
		}
	}
	o := &Muon{base: newBase([]Group{{Params: mats}, {Params: vecs}}, 0, 0), cfg: cfg}
	o.groups[0].LR, o.groups[0].WeightDecay = cfg.LR, cfg.WeightDecay
	o.groups[1].LR, o.groups[1].WeightDecay = cfg.AdamLR, cfg.AdamWeightDecay
	return o
}

// SetLR sets the Muon group's learning rate to lr and scales the Adam
// group's by the same factor, keeping their ratio.
func (o *Muon) SetLR(lr float64) {
	if old := o.groups[0].LR; old != 0 {
		o.groups[1].LR *= lr / old
	}
	o.groups[0].LR = lr
}

// Step applies one Muon update.
func (o *Muon) Step() {
	o.each(func(g *Group, i int, p, d *tensor.Tensor) {
		o.steps[i]++
		var u *tensor.Tensor
		if p.Dim() >= 2 {
			u = o.muonUpdate(i, p, d)
		} else {
			u = o.adamUpdate(i, p, d)
		}
		if g.WeightDecay != 0 {
			p.MulScalarInPlace(f32(1 - g.LR*g.WeightDecay))
		}
		p.SubInPlace(u.MulScalar(f32(g.LR)))
	})
}

func (o *Muon) muonUpdate(i int, p, d *tensor.Tensor) *tensor.Tensor {
	beta := o.cfg.Momentum
	m := o.buf(i, "momentum_buffer", p, 0)
	m.MulScalarInPlace(f32(beta))
	m.AddInPlace(d.MulScalar(f32(1 - beta)))
	u := m
	if !o.cfg.NoNesterov {
		u = d.Add(m.Sub(d).MulScalar(f32(beta)))
	}
	rows := p.Size(0)
	cols := p.Numel() / rows
	x := newtonSchulz(u.Reshape(rows, cols), o.cfg.NSSteps)
	x = x.MulScalar(f32(math.Sqrt(math.Max(1, float64(rows)/float64(cols)))))
	return x.Reshape(p.Shape()...)
}

// newtonSchulz approximately orthogonalizes the matrix g with Keller
// Jordan's quintic Newton–Schulz iteration.
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
		B := A.MulScalar(b).Add(A.MatMul(A).MulScalar(c))
		x = x.MulScalar(a).Add(B.MatMul(x))
	}
	if tr {
		x = x.T()
	}
	return x
}

func (o *Muon) adamUpdate(i int, p, d *tensor.Tensor) *tensor.Tensor {
	c := o.cfg
	m := o.buf(i, "exp_avg", p, 0)
	v := o.buf(i, "exp_avg_sq", p, 0)
	t := float64(o.steps[i])
	m.MulScalarInPlace(f32(c.AdamBeta1))
	m.AddInPlace(d.MulScalar(f32(1 - c.AdamBeta1)))
	v.MulScalarInPlace(f32(c.AdamBeta2))
	v.AddInPlace(d.Mul(d).MulScalar(f32(1 - c.AdamBeta2)))
	mc := m.DivScalar(f32(1 - math.Pow(c.AdamBeta1, t)))
	vc := v.DivScalar(f32(1 - math.Pow(c.AdamBeta2, t)))
	return mc.Div(vc.Sqrt().AddScalar(f32(c.AdamEps)))
}
