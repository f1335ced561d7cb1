"""Seconds per epoch against the number of samples: is skmlp's epoch linear in n?

skmlp float32, hidden (256, 256), adam, batch 200, on the first 10_000,
100_000 and 1_000_000 rows of one make_classification set.  Each fit runs
epochs for about ``--samples-per-fit`` samples (one-off costs weigh alike),
the sizes interleaved (a drift of the machine's speed hits all alike).  A
size's figure: the median of seconds per epoch, per sample, and normalized to
100k's; the summary: the largest per-sample time over the smallest.

Usage::

    python benchmarks/bench_scaling.py              # about two minutes, idle
    python benchmarks/bench_scaling.py --quick      # 10k and 100k only
    python benchmarks/bench_scaling.py --out scaling.md
"""

from __future__ import annotations

import statistics
import warnings

import _common
from sklearn.exceptions import ConvergenceWarning

import skmlp
from skmlp import MLPClassifier

SIZES = [10_000, 100_000, 1_000_000]
REFERENCE = 100_000


def parse_args(argv=None):
    p = _common.parser(__doc__)
    p.add_argument("--quick", action="store_true", help="10k and 100k samples only")
    p.add_argument("--samples-per-fit", type=int, default=1_000_000)
    p.add_argument("--repeats", type=int, default=3, help="fits per size")
    p.add_argument("--sizes", type=int, nargs="+", help="instead of 10k, 100k, 1M")
    p.add_argument("--hidden", type=int, nargs="+", default=[256, 256])
    args = p.parse_args(argv)
    args.sizes = sorted(args.sizes or (SIZES[:2] if args.quick else SIZES))
    return args


def epochs_for(n, samples_per_fit):
    return max(1, round(samples_per_fit / n))


def measure(args, X, y):
    """Round-robin fits over the sizes: per size, (seconds per epoch, other
    processes' CPU seconds) pairs."""
    fits = {n: [] for n in args.sizes}
    for _ in range(args.repeats):
        for n in args.sizes:
            epochs = epochs_for(n, args.samples_per_fit)
            params = _common.fixed_epochs(args.hidden, "adam", 200, epochs)
            est, seconds, other = _common.timed(
                lambda p=params, n=n: MLPClassifier(**p).fit(X[:n], y[:n])
            )
            if est.n_iter_ != epochs:
                raise RuntimeError(f"{est.n_iter_} epochs at n={n}, not {epochs}")
            fits[n].append((seconds / epochs, other / epochs))
    return fits


def summarize(fits):
    """Per size (n, s/epoch, per-sample time over the reference size's, bg
    load), and the reference size."""
    per_epoch = {n: statistics.median(s for s, _ in runs) for n, runs in fits.items()}
    ref = REFERENCE if REFERENCE in fits else max(fits)
    norm = {n: (per_epoch[n] / n) / (per_epoch[ref] / ref) for n in fits}
    return [(n, per_epoch[n], norm[n], _common.load(fits[n])) for n in fits], ref


def main(argv=None):
    """Run the benchmark; return (rows, the largest over the smallest
    per-sample time)."""
    args = parse_args(argv)
    X, y = _common.synthetic_data(max(args.sizes), "float32")
    with _common.thread_limits(args.threads), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        MLPClassifier(hidden_layer_sizes=(8,), max_iter=1).fit(X[:500], y[:500])
        # After the fit, so that every BLAS it loads is listed.
        info = [*_common.machine_info(), _common.skmlp_line(skmlp.__file__)]
        h = "x".join(map(str, args.hidden))
        info.append(
            f"float32, hidden {h}, adam, batch 200, epochs per fit for about "
            f"{args.samples_per_fit:_} samples, {args.repeats} round-robin fits"
        )
        print("\n".join(info), flush=True)
        table, ref = summarize(measure(args, X, y))
    spread = max(r[2] for r in table) / min(r[2] for r in table)
    header = ["samples", "s/epoch", "us/epoch/sample", f"per sample / {ref:_}'s"]
    body = [
        [f"{n:_}", f"{s:.4g}", f"{s / n * 1e6:.3f}", f"{x:.3f}", f"{load:.2f}"]
        for n, s, x, load in table
    ]
    lines = [f"largest per-sample time over the smallest: {spread:.3f}"]
    title = "skmlp: seconds per epoch against the number of samples"
    _common.report(title, info, [*header, "bg load"], body, lines, args.out)
    return table, spread


if __name__ == "__main__":
    main()
