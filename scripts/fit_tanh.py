#!/usr/bin/env python3
"""Fit the rational tanh used by src/kernels/cpu/vmath.h (a development helper, not part of
the product; needs Debian's python3-mpmath).

tanh(x) ~ x P(x^2) / Q(x^2) on [0, C], P and Q of degree NP-1 and NQ-1 in x^2, Q(0) = 1,
minimising the maximum absolute error: Lawson's iteratively reweighted least squares on the
linearised residual x P - tanh(x) Q, divided by the previous iteration's Q so that it
approaches the true residual. Prints the worst error on a dense grid and the coefficients.

  scripts/fit_tanh.py            # the shipped fit: NP = NQ = 5, C = 8.5
  scripts/fit_tanh.py 5 4 8.5    # a cheaper form, for comparison (about 6e-7)
"""
import sys

import mpmath as mp

mp.mp.dps = 40


def fit(np_, nq, clamp, nodes=600, iterations=60):
    # Chebyshev-spaced nodes: the error of a near-minimax fit peaks towards the ends.
    xs = [clamp * (1 - mp.cos(mp.pi * i / (nodes - 1))) / 2 for i in range(1, nodes)]
    ts = [mp.tanh(x) for x in xs]
    weights = [mp.mpf(1)] * len(xs)
    q_prev = [mp.mpf(1)] * len(xs)
    p = q = None
    for _ in range(iterations):
        rows, rhs = [], []
        for x, t, w, qp in zip(xs, ts, weights, q_prev):
            s = mp.sqrt(w) / qp
            rows.append([s * x ** (2 * k + 1) for k in range(np_)] +
                        [-s * t * x ** (2 * k) for k in range(1, nq)])
            rhs.append(s * t)
        a, b = mp.matrix(rows), mp.matrix(rhs)
        sol = mp.lu_solve(a.T * a, a.T * b)
        p = [sol[k] for k in range(np_)]
        q = [mp.mpf(1)] + [sol[np_ + k] for k in range(nq - 1)]
        errors = []
        for i, (x, t) in enumerate(zip(xs, ts)):
            num = sum(p[k] * x ** (2 * k + 1) for k in range(np_))
            q_prev[i] = sum(q[k] * x ** (2 * k) for k in range(nq))
            errors.append(abs(num / q_prev[i] - t))
        total = sum(w * e for w, e in zip(weights, errors))
        weights = [w * e / total * len(xs) + mp.mpf('1e-30') for w, e in zip(weights, errors)]
    return p, q


def worst(p, q, clamp, samples=20000):
    m = mp.mpf(0)
    for i in range(samples + 1):
        x = clamp * mp.mpf(i) / samples
        num = sum(c * x ** (2 * k + 1) for k, c in enumerate(p))
        den = sum(c * x ** (2 * k) for k, c in enumerate(q))
        m = max(m, abs(num / den - mp.tanh(x)))
    return m


def main():
    np_ = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    nq = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    clamp = mp.mpf(sys.argv[3]) if len(sys.argv) > 3 else mp.mpf('8.5')
    p, q = fit(np_, nq, clamp)
    print(f"max |error| on [0, {clamp}]: {mp.nstr(worst(p, q, clamp), 3)}"
          f" (1 - tanh({clamp}) = {mp.nstr(1 - mp.tanh(clamp), 3)})")
    print("P (x^1, x^3, ...):", ", ".join(mp.nstr(c, 8) for c in p))
    print("Q (x^0, x^2, ...):", ", ".join(mp.nstr(c, 8) for c in q))


if __name__ == "__main__":
    main()
