"""Prediction latency: skmlp's predict and predict_proba against scikit-learn's.

A (100,) MLPClassifier of each library is fit identically on digits (1797 x
64, 10 classes; adam, random_state=0); each method is timed on one row and
on all 1797 rows, as calls in a loop (microseconds per call).  Each round
times every case once, interleaved; a figure is the fastest of ``--repeats``
rounds.  "products" times the network's two BLAS products (with biases and
ReLU) alone, the floor for any implementation giving the same numbers, so
"sklearn/products" bounds the ratio.  ``--baseline DIR`` also times the
skmlp of another checkout (say a worktree of main, for before/after), in a
worker process started each round.

Usage::

    python benchmarks/bench_predict.py                # about a minute
    python benchmarks/bench_predict.py --quick        # tiny, checks the table
    python benchmarks/bench_predict.py --baseline ../main --out predict.md
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import _common
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

HEADER = ["case", "skmlp us", "sklearn us", "sklearn/skmlp", "products us"]
HEADER += ["sklearn/products"]
LIBS = ["skmlp", "sklearn"]
METHODS = ["predict", "predict_proba"]
ROWS = {"1 row": 1, "1797 rows": 1797}
# Calls per timed loop: about 0.1 s each at today's speeds.
CALLS = {1: 2000, 1797: 100}


def parse_args(argv=None):
    p = _common.parser(__doc__)
    p.add_argument("--quick", action="store_true", help="few calls, one round")
    p.add_argument("--repeats", type=int, default=7, help="rounds")
    p.add_argument("--baseline", type=Path, help="a checkout whose skmlp to time")
    # Internal: time this process's skmlp alone and print JSON (--baseline).
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.quick:
        args.repeats = 1
    return args


class Products:
    """The floor for any implementation with the same numbers: the two BLAS
    products with their biases and ReLU, nothing checked, no softmax
    (predict: the argmax of the logits)."""

    def __init__(self, model):
        self.coefs, self.intercepts = model.coefs_, model.intercepts_

    def predict_proba(self, X):
        A = X @ self.coefs[0]
        A += self.intercepts[0]
        np.maximum(A, 0, out=A)
        Z = A @ self.coefs[1]
        Z += self.intercepts[1]
        return Z

    def predict(self, X):
        return self.predict_proba(X).argmax(axis=1)


def fitted(lib, max_iter):
    X, y = load_digits(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = _common.estimator(lib)((100,), random_state=0, max_iter=max_iter)
        return model.fit(X, y), X


def time_cases(model, X, quick):
    """``{case: microseconds per call}`` for each method and row count."""
    times = {}
    for method in METHODS:
        for label, n in ROWS.items():
            rows, call = X[:n].copy(), getattr(model, method)
            calls = 3 if quick else CALLS[n]
            call(rows)  # warm-up
            start = time.perf_counter()
            for _ in range(calls):
                call(rows)
            times[f"{method}, {label}"] = (time.perf_counter() - start) / calls * 1e6
    return times


def baseline_round(path, args):
    """One round of the baseline's skmlp timings, from a worker process."""
    env = dict(os.environ, PYTHONPATH=str(path))
    argv = [sys.executable, __file__, "--worker", *(["--quick"] * args.quick)]
    if args.threads is not None:
        argv += ["--threads", str(args.threads)]
    out = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
    *_, line = out.stdout.strip().splitlines()
    result = json.loads(line)
    return result["times"], result["skmlp"]


def worker(args):
    import skmlp

    with _common.thread_limits(args.threads):
        model, X = fitted("skmlp", 5 if args.quick else 200)
        times = time_cases(model, X, args.quick)
    print(json.dumps({"times": times, "skmlp": _common.skmlp_line(skmlp.__file__)}))


def table(best, with_baseline):
    header = HEADER + ["baseline us", "baseline/skmlp"] * with_baseline
    rows = []
    for case, t in best.items():
        row = [case, f"{t['skmlp']:.1f}", f"{t['sklearn']:.1f}"]
        row.append(f"{t['sklearn'] / t['skmlp']:.2f}x")
        row += [f"{t['products']:.1f}", f"{t['sklearn'] / t['products']:.2f}x"]
        if with_baseline:
            row += [f"{t['baseline']:.1f}", f"{t['baseline'] / t['skmlp']:.2f}x"]
        rows.append(row)
    return header, rows


def main(argv=None):
    """Run the benchmark; return ``{case: {lib: fastest microseconds}}``."""
    args = parse_args(argv)
    if args.worker:
        return worker(args)
    import skmlp

    rounds = []
    with _common.thread_limits(args.threads):
        # Inside the limits: the threadpool lines show the threads timed.
        info = [*_common.machine_info(), _common.skmlp_line(skmlp.__file__)]
        models = {lib: fitted(lib, 5 if args.quick else 200) for lib in LIBS}
        X = models["skmlp"][1]
        models["products"] = Products(models["skmlp"][0]), X
        same = np.array_equal(
            models["skmlp"][0].predict(X), models["sklearn"][0].predict(X)
        )
        for _ in range(args.repeats):
            rounds.append(
                {lib: time_cases(m, X, args.quick) for lib, (m, _) in models.items()}
            )
            if args.baseline is not None:
                rounds[-1]["baseline"], line = baseline_round(args.baseline, args)
    if args.baseline is not None:
        info.append("baseline: " + line)
    best = {
        case: {lib: min(r[lib][case] for r in rounds) for lib in rounds[0]}
        for case in rounds[0]["skmlp"]
    }
    info.append(f"{args.repeats} rounds, fastest; same predictions as sklearn: {same}")
    print("\n".join(info))
    header, rows = table(best, args.baseline is not None)
    ratios = [t["sklearn"] / t["skmlp"] for t in best.values()]
    lines = [f"sklearn/skmlp: min {min(ratios):.2f}x, max {max(ratios):.2f}x"]
    lines.append(
        "products: the two BLAS products with biases and ReLU alone (no input "
        "check, no softmax); sklearn/products bounds any skmlp with the same numbers"
    )
    title = "skmlp vs scikit-learn: prediction latency, digits (100,)"
    _common.report(title, info, header, rows, lines, args.out)
    return best


if __name__ == "__main__":
    main()
