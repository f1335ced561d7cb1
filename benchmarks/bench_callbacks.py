"""Seconds per fit with and without scikit-learn's callbacks (set_callbacks).

Digits (1797 x 64, scaled to [0, 1]), hidden (100,), batch 200, a fixed
number of epochs (tol=0), adam and sgd.  The variants: "none" (no callback
set), "no-op" (a callback whose hooks do nothing), "ProgressBar" (its output
discarded), "ScoringMonitor" (accuracy on the training data at each epoch,
which predicts the 1797 rows per epoch), and with ``--baseline PATH`` (a
checkout of another commit, e.g. main before callbacks) "baseline", PATH's
skmlp without callbacks.

Each round runs a worker process per variant (PATH's skmlp for "baseline",
this checkout's for the others), in an order rotated round by round, which
fits once to warm up, then ``--fits`` times; a figure is the median over
rounds of each round's fastest fit (the least disturbed on a shared
machine).  "vs none" is the variant's seconds over "none"'s (1.00: no cost).

Usage::

    git worktree add --detach /tmp/baseline-cb main
    python benchmarks/bench_callbacks.py --baseline /tmp/baseline-cb
"""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import json
import os
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import _common
from sklearn.datasets import load_digits

SOLVERS = ["adam", "sgd"]
VARIANTS = ["none", "no-op", "ProgressBar", "ScoringMonitor"]


class NoOp:
    """A callback whose hooks do nothing: the API's own cost."""

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context):
        pass


def parse_args(argv=None):
    p = _common.parser(__doc__)
    p.add_argument("--epochs", type=int, default=40, help="epochs per fit")
    p.add_argument("--fits", type=int, default=5, help="fits per variant per round")
    p.add_argument("--rounds", type=int, default=5, help="worker rounds")
    p.add_argument("--baseline", type=Path, metavar="PATH", help="also time PATH")
    p.add_argument("--worker", metavar="VARIANTS", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def _callbacks(variant):
    from sklearn.callback import ProgressBar, ScoringMonitor

    return {
        "none": [],
        "baseline": [],
        "no-op": [NoOp()],
        "ProgressBar": [ProgressBar()],
        "ScoringMonitor": [ScoringMonitor(scoring="accuracy")],
    }[variant]


def work(variants, args):
    """Time each variant's fits in this process: {"solver variant": [s, ...]}."""
    from sklearn.exceptions import ConvergenceWarning

    from skmlp import MLPClassifier

    X, y = load_digits(return_X_y=True)
    X = X / 16
    times = {f"{s} {v}": [] for s in SOLVERS for v in variants}
    warnings.simplefilter("ignore", ConvergenceWarning)
    # The variants take turns, fit by fit, so that a load change meanwhile
    # slows each alike; the first turn warms up.
    for turn, solver in itertools.product(range(args.fits + 1), SOLVERS):
        params = _common.fixed_epochs((100,), solver, 200, args.epochs)
        for variant in variants:
            model = MLPClassifier(**params)
            if variant not in ("none", "baseline"):
                model.set_callbacks(*_callbacks(variant))
            with contextlib.redirect_stdout(io.StringIO()):
                start = time.perf_counter()
                model.fit(X, y)
                seconds = time.perf_counter() - start
            if turn:
                times[f"{solver} {variant}"].append(seconds)
    return times


def run_worker(path, variants, args):
    env = {**os.environ, "PYTHONPATH": str(path)}
    argv = [sys.executable, __file__, "--worker", ",".join(variants)]
    argv += ["--epochs", str(args.epochs), "--fits", str(args.fits)]
    if args.threads is not None:
        argv += ["--threads", str(args.threads)]
    out = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.splitlines()[-1])


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        with _common.thread_limits(args.threads):
            print(json.dumps(work(args.worker.split(","), args)))
        return
    here = Path(__file__).resolve().parent.parent
    jobs = [(here, variant) for variant in VARIANTS]
    if args.baseline is not None:
        jobs.append((args.baseline.resolve(), "baseline"))
    rounds = []
    for r in range(args.rounds):
        merged = {}
        for path, variant in jobs[r % len(jobs) :] + jobs[: r % len(jobs)]:
            merged.update(run_worker(path, [variant], args))
        rounds.append({k: min(v) for k, v in merged.items()})
    return report(rounds, args, sorted({str(path) for path, _ in jobs}))


def report(rounds, args, paths):
    variants = (["baseline"] if len(paths) > 1 else []) + VARIANTS
    rows = []
    for solver in SOLVERS:
        none = statistics.median(r[f"{solver} none"] for r in rounds)
        for variant in variants:
            seconds = statistics.median(r[f"{solver} {variant}"] for r in rounds)
            rows.append(
                [f"{solver} {variant}", f"{seconds:.4f}", f"{seconds / none:.3f}"]
            )
    info = _common.machine_info() + [f"skmlp from {p}" for p in paths]
    info.append(
        f"digits, hidden (100,), batch 200, {args.epochs} epochs per fit; "
        f"{args.rounds} rounds x {args.fits} fits"
    )
    _common.report(
        "Callbacks: seconds per fit",
        info,
        ["cell", "s/fit", "vs none"],
        rows,
        [],
        args.out,
    )
    return rows


if __name__ == "__main__":
    main()
