"""numpy reference for `fedunify bench unify`: the same K x 106,442 float32 shape, ms per call
(median of runs) for mean, np.median(axis=0) and a partition-based trimmed mean (beta = 0.1).
Usage: python3 bench/unify-numpy.py [K ...]   (default 2 10 100 1000)"""
import sys
import time

import numpy as np

P = 106442


def timed(f, runs=3):
    wall, cpu = [], []
    f()  # warm-up, as the TypeScript bench does
    for _ in range(runs):
        c0, t0 = time.process_time(), time.perf_counter()
        f()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return sorted(wall)[runs // 2], sorted(cpu)[runs // 2]


def trimmed_mean(x, beta=0.1):
    k = x.shape[0]
    m = int(beta * k)
    if m == 0:
        return x.mean(axis=0, dtype=np.float64)
    s = np.partition(x, (m, k - m - 1), axis=0)
    return s[m : k - m].mean(axis=0, dtype=np.float64)


for k in [int(a) for a in sys.argv[1:]] or [2, 10, 100, 1000]:
    x = np.random.default_rng(1).random((k, P), dtype=np.float32) - np.float32(0.5)
    for name, f in [
        ("avg (mean, float64)", lambda: x.mean(axis=0, dtype=np.float64)),
        ("median (np.median)", lambda: np.median(x, axis=0)),
        ("trimmed-mean (np.partition)", lambda: trimmed_mean(x)),
    ]:
        wall, cpu = timed(f)
        print(f"K={k:5d}  {name:28s} wall {wall:8.1f} ms  CPU {cpu:8.1f} ms", flush=True)
