"""Seconds per epoch against the number of samples: does skmlp's fit scale linearly?

skmlp's ``MLPClassifier`` in float32, hidden layers (256, 256), adam, batch
200, on ``make_classification`` data (100 features, 50 informative, 10
classes, ``random_state=0``) of 10_000, 100_000 and 1_000_000 samples: the
prefixes of one 1M-sample set, generated once (400 MB in float32).  Every fit
runs a fixed number of epochs (``tol=0`` and a huge ``n_iter_no_change``),
enough for about ``--samples-per-fit`` samples (1M: 100 epochs at 10k, 1 at
1M), so that what a fit costs once (validation, setup) weighs alike at every
size and the figure is the cost of an epoch.  A size's figure is the median
over repeats of ``fit time / epochs``; the fits of the different sizes are
interleaved (round-robin) so that a drift in the machine's speed affects them
alike.

Per size the table gives seconds per epoch, microseconds per epoch and
sample, and the latter normalized to the 100k figure (1.00: the same cost per
sample as at 100k; the largest size is the reference if 100k is not run).

Target: time proportional to n within 15%, taken as: the largest per-sample
time over the smallest, across the sizes run, is at most 1.15.

Usage::

    python benchmarks/bench_scaling.py              # about two minutes
    python benchmarks/bench_scaling.py --quick      # 10k and 100k only
    python benchmarks/bench_scaling.py --out scaling.md

Run it on an otherwise idle machine (see ``bench_epoch.py``): the background
load column gives the cores other processes used during the fits (the worst
fit of each size), and sizes measured on a busy machine are flagged.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from pathlib import Path

import _machine
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skmlp import MLPClassifier

SIZES = [10_000, 100_000, 1_000_000]
QUICK_SIZES = [10_000, 100_000]
REFERENCE = 100_000
SMALL = 100_000  # sizes below this get --small-repeats
TOLERANCE = 0.15  # max / min per-sample time <= 1 + TOLERANCE


def spread(per_sample):
    """The largest per-sample time over the smallest."""
    return max(per_sample) / min(per_sample)


def scaling_verdict(per_sample, tolerance=TOLERANCE):
    """PASS (True) if the per-sample times are within ``1 + tolerance`` of
    each other: max / min <= 1 + tolerance."""
    return bool(spread(per_sample) <= 1 + tolerance)


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--quick", action="store_true", help="10k and 100k samples only")
    p.add_argument(
        "--samples-per-fit",
        type=int,
        default=1_000_000,
        help="epochs per fit: enough to train on about this many samples",
    )
    p.add_argument(
        "--repeats", type=int, default=3, help="fits per size of 100k and more"
    )
    p.add_argument(
        "--small-repeats",
        type=int,
        default=3,
        help="fits per size below 100k samples",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        help="limit BLAS/OpenMP threads with threadpoolctl (None: unchanged)",
    )
    p.add_argument(
        "--max-load",
        type=float,
        default=0.25,
        help="background load (cores busy in other processes) above which a "
        "size is flagged, and below which --wait-idle waits",
    )
    p.add_argument(
        "--wait-idle",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="before each fit, wait up to SECONDS for the background load to "
        "drop below --max-load",
    )
    p.add_argument("--out", type=Path, default=None, help="also write Markdown here")
    # Test-only knobs.
    p.add_argument("--sizes", default=None, help=argparse.SUPPRESS)
    p.add_argument("--hidden", default="256,256", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.sizes is not None:
        args.sizes = sorted(int(n) for n in args.sizes.split(","))
    else:
        args.sizes = QUICK_SIZES if args.quick else SIZES
    args.hidden = tuple(int(u) for u in args.hidden.split(","))
    return args


def epochs_for(n, samples_per_fit):
    """Epochs per fit at ``n`` samples: about ``samples_per_fit`` samples."""
    return max(1, round(samples_per_fit / n))


def make_params(args, epochs):
    return dict(
        hidden_layer_sizes=args.hidden,
        solver="adam",
        batch_size=200,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=10**9,
        shuffle=True,
        random_state=0,
    )


def time_fit(params, X, y, epochs):
    """One fit: (wall seconds per epoch, background load in cores)."""
    est = MLPClassifier(**params)
    est, seconds, _, load = _machine.timed(lambda: est.fit(X, y))
    if est.n_iter_ != epochs:
        raise RuntimeError(f"skmlp ran {est.n_iter_} epochs, expected {epochs}")
    return seconds / epochs, load


def measure(args, X, y):
    """Round-robin fits over the sizes; per size the list of (s/epoch, load)."""
    remaining = {
        n: args.small_repeats if n < SMALL else args.repeats for n in args.sizes
    }
    fits = {n: [] for n in args.sizes}
    while any(remaining.values()):
        for n in args.sizes:
            if remaining[n] > 0:
                if args.wait_idle > 0:
                    _machine.wait_for_idle(args.max_load, args.wait_idle)
                epochs = epochs_for(n, args.samples_per_fit)
                params = make_params(args, epochs)
                fits[n].append(time_fit(params, X[:n], y[:n], epochs))
                remaining[n] -= 1
    return fits


def summarize(fits):
    """Rows: n, repeats, median s/epoch, s/epoch/sample, normalized, worst load."""
    rows = []
    for n, runs in fits.items():
        per_epoch = statistics.median(s for s, _ in runs)
        load = max((x for _, x in runs), key=_machine.load_sort_key)
        rows.append(
            {
                "n": n,
                "repeats": len(runs),
                "per_epoch": per_epoch,
                "per_sample": per_epoch / n,
                "load": load,
            }
        )
    ref = REFERENCE if REFERENCE in fits else max(fits)
    ref_per_sample = next(r["per_sample"] for r in rows if r["n"] == ref)
    for r in rows:
        r["normalized"] = r["per_sample"] / ref_per_sample
    return rows, ref


def format_table(rows, ref, max_load, markdown=False):
    header = [
        "samples",
        "repeats",
        "s/epoch",
        "us/epoch/sample",
        f"per sample / {ref:_}'s",
        "bg load",
        "flag",
    ]
    body = [
        [
            f"{r['n']:_}",
            r["repeats"],
            f"{r['per_epoch']:.4g}",
            f"{r['per_sample'] * 1e6:.3f}",
            f"{r['normalized']:.3f}",
            f"{r['load']:.2f}",
            "" if r["load"] <= max_load else "busy machine",
        ]
        for r in rows
    ]
    align = ["<"] + [">"] * (len(header) - 2) + ["<"]
    return _machine.format_table(header, body, align, markdown)


def summary(rows, max_load):
    per_sample = [r["per_sample"] for r in rows]
    ok = scaling_verdict(per_sample)
    lines = [
        f"target: time per epoch proportional to n within {TOLERANCE:.0%} "
        f"(max / min of the per-sample times <= {1 + TOLERANCE:g}): "
        f"{'PASS' if ok else 'FAIL'} (max / min = {spread(per_sample):.3f} over "
        + ", ".join(f"{r['n']:_}" for r in rows)
        + " samples)"
    ]
    busy = [f"{r['n']:_}" for r in rows if not r["load"] <= max_load]
    if busy:
        lines.append(
            f"WARNING: sizes measured while other processes used more than "
            f"{max_load} cores: " + ", ".join(busy)
        )
    return lines


def main(argv=None):
    """Run the benchmark; return (rows, whether the target is met)."""
    args = parse_args(argv)
    info = _machine.machine_info()
    if args.threads is not None:
        info.append(f"threads limited to {args.threads} with threadpoolctl")
    h = "x".join(str(u) for u in args.hidden)
    per_size = ", ".join(
        f"{epochs_for(n, args.samples_per_fit)} at {n:_}" for n in args.sizes
    )
    setup = (
        f"skmlp MLPClassifier float32, hidden {h}, adam, batch 200, "
        f"epochs per fit: about {args.samples_per_fit:_} samples' worth "
        f"({per_size}); "
        "make_classification(n x 100, 50 "
        "informative, 10 classes), prefixes of one set; median of "
        "round-robin fits"
    )
    print("\n".join([*info, setup]), flush=True)

    started = time.perf_counter()
    X, y = _machine.synthetic_data(max(args.sizes))
    X = np.ascontiguousarray(X, dtype=np.float32)
    print(
        f"data: {X.shape[0]:_} x {X.shape[1]} float32 "
        f"({X.nbytes / _machine.MiB:.0f} MiB), generated in "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )
    with warnings.catch_warnings(), _machine.thread_limits(args.threads):
        warnings.simplefilter("ignore", ConvergenceWarning)
        warm = make_params(args, epochs=1)
        MLPClassifier(**warm).fit(X[:1000], y[:1000])
        fits = measure(args, X, y)
    rows, ref = summarize(fits)
    lines = summary(rows, args.max_load)
    _machine.report(
        format_table(rows, ref, args.max_load),
        lines,
        started,
        args.out,
        "skmlp: seconds per epoch against the number of samples",
        [*info, setup],
        format_table(rows, ref, args.max_load, markdown=True),
    )
    return rows, scaling_verdict([r["per_sample"] for r in rows])


if __name__ == "__main__":
    main()
