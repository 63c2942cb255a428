"""Independent reference values for core/privacy/rdp-accountant.ts (run: python3 scripts/privacy-reference.py).

Two methods at 50 significant digits with mpmath:
  1. the binomial expansion of A_alpha for integer alpha (Mironov, Talwar, Zhang 2019, Sec. 3.2);
  2. numerical integration of A_alpha = E_{x~N(0,s^2)}[((1-q) + q exp((2x-1)/(2 s^2)))^alpha],
     the definition of the Renyi moment of the mixture (1-q)N(0,s^2) + qN(1,s^2) against N(0,s^2).
The test file copies the printed epsilons; both methods must agree before a value is used.
"""
from mpmath import mp, mpf, binomial, exp, log, quad, sqrt, pi, inf

mp.dps = 50
ORDERS = list(range(2, 65)) + [80, 96, 128, 192, 256, 512]


def log_a_binomial(q, s, a):
    q, s = mpf(q), mpf(s)
    return log(sum(binomial(a, i) * (1 - q) ** (a - i) * q ** i * exp((i * i - i) / (2 * s * s)) for i in range(a + 1)))


def log_a_integral(q, s, a):
    q, s = mpf(q), mpf(s)
    f = lambda x: exp(-x * x / (2 * s * s)) / (s * sqrt(2 * pi)) * ((1 - q) + q * exp((2 * x - 1) / (2 * s * s))) ** a
    return log(quad(f, [-inf, 0, a * s * s / 2, a * s * s, inf]))


def eps(q, s, steps, delta, method, orders=ORDERS):
    best_std, best_tight = None, None
    for a in orders:
        if q == 1:
            r = mpf(a) / (2 * mpf(s) ** 2)
        else:
            r = method(q, s, a) / (a - 1)
        r *= steps
        std = r + log(1 / mpf(delta)) / (a - 1)
        tight = r + log(mpf(a - 1) / a) - (log(mpf(delta)) + log(mpf(a))) / (a - 1)
        best_std = std if best_std is None else min(best_std, std)
        best_tight = tight if best_tight is None else min(best_tight, tight)
    return best_std, best_tight


CASES = [
    (0.01, 4.0, 10000, 1e-5),
    (0.01, 1.1, 10000, 1e-5),
    (256 / 60000, 1.1, 14063, 1e-5),
    (1.0, 5.0, 10, 1e-5),
    (0.1, 2.0, 100, 1e-6),
]

if __name__ == "__main__":
    for q, s, t, d in CASES:
        b = eps(q, s, t, d, log_a_binomial)
        # The integral is slow at 50 digits: check it on a subset of orders around the optimum.
        i = eps(q, s, t, d, log_a_integral, orders=list(range(2, 41))) if q < 1 else b
        print(f"q={q!r} z={s} T={t} delta={d}: standard={mp.nstr(b[0], 12)} tight={mp.nstr(b[1], 12)}"
              f"  (integral, orders 2..40: standard={mp.nstr(i[0], 12)} tight={mp.nstr(i[1], 12)})")
