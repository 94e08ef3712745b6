package optim

import "testing"

func extraOptimizer(t *testing.T, c fxCase, gs []Group, dec func(any)) Optimizer { return nil }
