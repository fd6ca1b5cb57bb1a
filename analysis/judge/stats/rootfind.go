package stats

import "math"

// brentRoot finds a root of f in [a, b] where f(a) and f(b) differ in sign,
// by Brent's method (bisection safeguarding secant and inverse quadratic
// steps), stopping when the bracket is within tol (plus a relative machine
// epsilon term) or f is exactly 0. It is the classic zeroin algorithm of
// Brent (1973) as published by Forsythe, Malcolm and Moler, which is what R's
// uniroot runs; following the same steps is what lets the Hodges-Lehmann
// figures below agree with R's wilcox.test to its printed digits, since on a
// step function the root returned depends on the iterates.
func brentRoot(f func(float64) float64, a, b, fa, fb, tol float64, maxIter int) float64 {
	if fa == 0 {
		return a
	}
	if fb == 0 {
		return b
	}
	c, fc := a, fa
	for range maxIter + 1 {
		prevStep := b - a
		if math.Abs(fc) < math.Abs(fb) {
			// Keep b the best guess and c on the other side of the root.
			a, b, c = b, c, b
			fa, fb, fc = fb, fc, fb
		}
		tolAct := 2*epsilon*math.Abs(b) + tol/2
		newStep := (c - b) / 2
		if math.Abs(newStep) <= tolAct || fb == 0 {
			return b
		}
		if math.Abs(prevStep) >= tolAct && math.Abs(fa) > math.Abs(fb) {
			// Try interpolation: secant when only two points are distinct,
			// else inverse quadratic through a, b, c.
			cb := c - b
			var p, q float64
			if a == c {
				t1 := fb / fa
				p = cb * t1
				q = 1 - t1
			} else {
				qa := fa / fc
				t1 := fb / fc
				t2 := fb / fa
				p = t2 * (cb*qa*(qa-t1) - (b-a)*(t1-1))
				q = (qa - 1) * (t1 - 1) * (t2 - 1)
			}
			if p > 0 {
				q = -q
			} else {
				p = -p
			}
			// Accept it only if it stays well inside the bracket and shrinks
			// faster than bisection would.
			if p < 0.75*cb*q-math.Abs(tolAct*q)/2 && p < math.Abs(prevStep*q/2) {
				newStep = p / q
			}
		}
		if math.Abs(newStep) < tolAct {
			if newStep > 0 {
				newStep = tolAct
			} else {
				newStep = -tolAct
			}
		}
		a, fa = b, fb
		b += newStep
		fb = f(b)
		if (fb > 0 && fc > 0) || (fb < 0 && fc < 0) {
			c, fc = a, fa
		}
	}
	return b
}

// epsilon is the float64 machine epsilon (2⁻⁵²).
const epsilon = 2.220446049250313e-16
