"""Seconds per training epoch: skmlp.MLPClassifier against scikit-learn's.

Both estimators are fitted on the same data with the same hyperparameters in
the same process, alternately (skmlp, scikit-learn, skmlp, ...), for a fixed
number of epochs (``tol=0`` and a huge ``n_iter_no_change`` so that every fit
runs exactly ``max_iter`` epochs).  A cell's figure is the median over repeats
of ``fit time / n_iter_``; the ratio is scikit-learn's time over skmlp's, so a
ratio above 1 means skmlp is faster.

Usage::

    python benchmarks/bench_epoch.py --quick            # ~1-2 minutes
    python benchmarks/bench_epoch.py                    # the full grid
    python benchmarks/bench_epoch.py --cells "1024x1024 b=32" --repeats 5
    python benchmarks/bench_epoch.py --out bench.md     # also a Markdown table

Run it on an otherwise idle machine: both cores are used by the BLAS, and
OpenBLAS's spinning worker threads make an oversubscribed machine several
times slower, erratically.  Before each cell the script measures how busy the
CPUs are while it sleeps and can wait for them to go idle (``--wait-idle``);
during each fit it measures the CPU time other processes took (``bg load``, in
cores, counting only processes at normal priority: run anything else you must
run meanwhile under ``nice``), can retry pairs of fits that ran on a busy
machine (``--retries``), and flags cells measured on one.  CPU time (all
threads of this process) is reported too: with ``--threads 1`` its ratio is a
contention-robust check of the wall-clock one.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sklearn
import threadpoolctl
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkMLPClassifier

import skmlp
from skmlp import MLPClassifier

HIDDEN = [(64,), (256, 256), (1024, 1024)]
BATCHES = [32, 200, 1000]
DTYPES = ["float64", "float32"]
SOLVERS = ["adam", "sgd"]

# Epochs per fit, by (hidden, batch): chosen so that one fit takes roughly
# 0.3 s or more for skmlp (scikit-learn takes longer) on a 2-core machine.
EPOCHS = {
    ((64,), 32): 10,
    ((64,), 200): 20,
    ((64,), 1000): 40,
    ((256, 256), 32): 3,
    ((256, 256), 200): 5,
    ((256, 256), 1000): 6,
    ((1024, 1024), 32): 1,
    ((1024, 1024), 200): 2,
    ((1024, 1024), 1000): 2,
}
# Cells where one scikit-learn fit takes several seconds: fewer repeats.
SLOW = {((1024, 1024), 32)}

ENV_VARS = [
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
]


@dataclass(frozen=True)
class Cell:
    hidden: tuple
    batch: int
    dtype: str
    solver: str

    @property
    def name(self):
        h = "x".join(str(u) for u in self.hidden)
        return f"{self.solver} h={h} b={self.batch} {self.dtype}"


@dataclass
class Result:
    cell: Cell
    epochs: int
    repeats: int
    skmlp: float
    sklearn: float
    skmlp_cpu: float
    sklearn_cpu: float
    load: float  # worst background load during the fits used, in cores

    @property
    def ratio(self):
        return self.sklearn / self.skmlp

    @property
    def cpu_ratio(self):
        return self.sklearn_cpu / self.skmlp_cpu


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="only (64,) and (256, 256), batch 32 and 200, adam, 1 repeat",
    )
    p.add_argument(
        "--cells",
        action="append",
        default=[],
        metavar="SUBSTRING",
        help="keep only cells whose name contains SUBSTRING (repeatable: any "
        "match); names look like 'adam h=256x256 b=32 float64'",
    )
    p.add_argument("--repeats", type=int, default=3, help="fits per estimator")
    p.add_argument(
        "--slow-repeats",
        type=int,
        default=1,
        help="repeats for the (1024, 1024) batch-32 cells (about 7 s per "
        "scikit-learn epoch)",
    )
    p.add_argument(
        "--epochs",
        type=int,
        default=None,
        help="epochs per fit for every cell (default: per-cell table)",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        help="limit BLAS/OpenMP threads with threadpoolctl (default: unchanged); "
        "skmlp's own second thread for the optimizer step of large networks "
        "(skmlp/_parallel.py) is not affected",
    )
    p.add_argument(
        "--max-load",
        type=float,
        default=0.25,
        help="background load (cores busy in other processes) above which a "
        "cell is flagged, and below which --wait-idle waits",
    )
    p.add_argument(
        "--wait-idle",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="before each pair of fits, wait up to SECONDS for the background "
        "load to drop below --max-load",
    )
    p.add_argument(
        "--retries",
        type=int,
        default=0,
        help="extra pairs of fits to try in a cell when a pair ran while other "
        "processes used more than --max-load cores",
    )
    p.add_argument("--n-samples", type=int, default=20000, help=argparse.SUPPRESS)
    p.add_argument("--out", type=Path, default=None, help="also write Markdown here")
    args = p.parse_args(argv)
    if args.quick:
        args.repeats = 1
        args.slow_repeats = 1
    return args


def grid(args):
    hidden = HIDDEN[:2] if args.quick else HIDDEN
    batches = BATCHES[:2] if args.quick else BATCHES
    solvers = ["adam"] if args.quick else SOLVERS
    cells = [
        Cell(h, b, d, s)
        for s in solvers
        for h in hidden
        for b in batches
        for d in DTYPES
    ]
    if args.cells:
        cells = [c for c in cells if any(sub in c.name for sub in args.cells)]
    return cells


def machine_info():
    lines = [
        f"python {platform.python_version()} on {platform.platform()}",
        f"cpu: {_cpu_model()}, {os.cpu_count()} logical cores",
        f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, "
        f"skmlp {skmlp.__version__} ({_git_state()})",
    ]
    for info in threadpoolctl.threadpool_info():
        lines.append(
            "threadpool: {user_api}/{internal_api} {version} "
            "arch={architecture} threads={num_threads} ({lib})".format(
                user_api=info.get("user_api"),
                internal_api=info.get("internal_api"),
                version=info.get("version"),
                architecture=info.get("architecture", "-"),
                num_threads=info.get("num_threads"),
                lib=os.path.basename(info.get("filepath", "")),
            )
        )
    env = [f"{k}={os.environ[k]}" for k in ENV_VARS if k in os.environ]
    lines.append(
        "env: "
        + (" ".join(env) if env else "(none of " + ", ".join(ENV_VARS) + " set)")
    )
    return lines


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _git_state():
    root = Path(skmlp.__file__).resolve().parent.parent
    try:
        rev = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", "skmlp"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"
    return f"git {rev}" + (", skmlp/ modified" if dirty else "")


def _cpu_busy():
    """(busy, total) jiffies summed over all CPUs, from /proc/stat.

    Busy is user + system + irq + softirq + steal: time at ``nice`` > 0 counts
    as free, since such processes yield nearly all of their CPU to this one.
    """
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:9]]
    user, _nice, system, _idle, _iowait, irq, softirq, steal = fields
    return user + system + irq + softirq + steal, sum(fields)


def background_load(seconds=1.0):
    """Cores kept busy by other processes while this one sleeps (NaN if unknown).

    Sleeps a little first so that OpenBLAS's spinning workers have gone idle.
    """
    try:
        time.sleep(0.3)
        busy0, total0 = _cpu_busy()
        time.sleep(seconds)
        busy1, total1 = _cpu_busy()
    except (OSError, ValueError, IndexError):
        return float("nan")
    if total1 == total0:
        return float("nan")
    return (os.cpu_count() or 1) * (busy1 - busy0) / (total1 - total0)


def wait_for_idle(max_load, timeout):
    """Measure the background load, waiting up to ``timeout`` s for it to drop."""
    deadline = time.monotonic() + timeout
    load = background_load()
    while load > max_load and time.monotonic() < deadline:
        time.sleep(min(10.0, max(0.0, deadline - time.monotonic())))
        load = background_load()
    return load


def make_params(cell, epochs):
    return dict(
        hidden_layer_sizes=cell.hidden,
        solver=cell.solver,
        batch_size=cell.batch,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=10**9,
        shuffle=True,
        random_state=0,
    )


def _jiffy_seconds():
    """Seconds of CPU time per /proc/stat jiffy."""
    try:
        return 1.0 / os.sysconf("SC_CLK_TCK")
    except (ValueError, OSError, AttributeError):
        return 0.01


def time_fit(cls, params, X, y, epochs):
    """One fit: wall and CPU seconds per epoch, and the background load.

    The background load is the CPU time used by *other* processes during the
    fit (busy time of the whole machine minus this process's), in cores.
    """
    est = cls(**params)
    try:
        busy0, _ = _cpu_busy()
    except (OSError, ValueError):
        busy0 = None
    cpu = time.process_time()
    start = time.perf_counter()
    est.fit(X, y)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    load = float("nan")
    if busy0 is not None:
        busy1, _ = _cpu_busy()
        load = max(0.0, ((busy1 - busy0) * _jiffy_seconds() - cpu) / elapsed)
    if est.n_iter_ != epochs:
        raise RuntimeError(
            f"{cls.__module__}.{cls.__name__} ran {est.n_iter_} epochs, "
            f"expected {epochs}"
        )
    return elapsed / est.n_iter_, cpu / est.n_iter_, load


def run_cell(cell, data, epochs, repeats, max_load, wait_idle, retries):
    """Alternate skmlp and scikit-learn fits until ``repeats`` clean pairs.

    A pair is clean when the background load stayed at most ``max_load``
    during both fits; up to ``retries`` extra pairs are tried.  Returns the
    medians over the clean pairs (over the least loaded pairs if too few were
    clean) of skmlp's and scikit-learn's wall time, then of their CPU time,
    and the worst background load among those pairs.
    """
    X, y = data[cell.dtype], data["y"]
    params = make_params(cell, epochs)
    pairs = []
    for _ in range(repeats + retries):
        if wait_idle > 0:
            wait_for_idle(max_load, wait_idle)
        ours = time_fit(MLPClassifier, params, X, y, epochs)
        theirs = time_fit(SkMLPClassifier, params, X, y, epochs)
        pairs.append((max(ours[2], theirs[2]), ours, theirs))
        if sum(1 for p in pairs if p[0] <= max_load) >= repeats:
            break
    pairs.sort(key=lambda p: p[0])
    used = pairs[:repeats]

    def median(j, k):
        return statistics.median(p[j][k] for p in used)

    # skmlp wall, sklearn wall, skmlp CPU, sklearn CPU (Result's field order).
    return [median(1, 0), median(2, 0), median(1, 1), median(2, 1), used[-1][0]]


def warm_up(data):
    """One tiny fit of each estimator, so imports and first calls are paid."""
    X, y = data["float64"][:500], data["y"][:500]
    for dtype in DTYPES:
        Xd = X.astype(dtype)
        for cls in (MLPClassifier, SkMLPClassifier):
            cls(hidden_layer_sizes=(16,), max_iter=2, random_state=0).fit(Xd, y)


def format_table(results, max_load, markdown=False):
    header = [
        "cell",
        "epochs x reps",
        "skmlp s/epoch",
        "sklearn s/epoch",
        "speedup",
        "cpu speedup",
        "bg load",
        "flag",
    ]
    rows = [
        [
            r.cell.name,
            f"{r.epochs} x {r.repeats}",
            f"{r.skmlp:.4f}",
            f"{r.sklearn:.4f}",
            f"{r.ratio:.2f}x",
            f"{r.cpu_ratio:.2f}x",
            f"{r.load:.2f}",
            _flags(r, max_load),
        ]
        for r in results
    ]
    if markdown:
        out = [
            "| " + " | ".join(header) + " |",
            "|" + "|".join(["---"] + ["---:"] * (len(header) - 2) + ["---"]) + "|",
        ]
        out += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(out)
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    align = ["<"] + [">"] * (len(header) - 2) + ["<"]

    def fmt(row):
        return "  ".join(
            f"{v:{a}{w}}" for v, a, w in zip(row, align, widths, strict=True)
        ).rstrip()

    return "\n".join([fmt(header), fmt(["-" * w for w in widths]), *map(fmt, rows)])


def _flags(r, max_load):
    flags = []
    if r.ratio < 1:
        flags.append("SKMLP SLOWER")
    if not r.load <= max_load:
        flags.append("busy machine")
    return ", ".join(flags)


def summary(results, max_load):
    if not results:
        return "no cells run"
    ratios = [r.ratio for r in results]
    slower = [r.cell.name for r in results if r.ratio < 1]
    geo = float(np.exp(np.mean(np.log(ratios))))
    text = (
        f"speedup sklearn/skmlp: geometric mean {geo:.2f}x, "
        f"min {min(ratios):.2f}x, max {max(ratios):.2f}x over {len(results)} cells"
    )
    if slower:
        text += "\nskmlp SLOWER in: " + ", ".join(slower)
    else:
        text += "\nskmlp faster in every cell"
    busy = [r.cell.name for r in results if not r.load <= max_load]
    if busy:
        text += (
            f"\nWARNING: {len(busy)} cell(s) measured while other processes used "
            f"more than {max_load} cores: " + ", ".join(busy)
        )
    return text


def main(argv=None):
    args = parse_args(argv)
    cells = grid(args)
    if not cells:
        sys.exit("no cell matches --cells")
    info = machine_info()
    if args.threads is not None:
        info.append(f"threads limited to {args.threads} with threadpoolctl")
    print("\n".join(info), flush=True)

    X, y = make_classification(
        n_samples=args.n_samples,
        n_features=100,
        n_informative=50,
        n_classes=10,
        random_state=0,
    )
    data = {"float64": X.astype(np.float64), "float32": X.astype(np.float32), "y": y}
    print(
        f"data: {X.shape[0]} x {X.shape[1]}, {len(np.unique(y))} classes; "
        f"{len(cells)} cells\n",
        flush=True,
    )

    results = []
    started = time.perf_counter()
    limits = (
        threadpoolctl.threadpool_limits(args.threads)
        if args.threads is not None
        else contextlib.nullcontext()
    )
    with warnings.catch_warnings(), limits:
        warnings.simplefilter("ignore", ConvergenceWarning)
        warm_up(data)
        for i, cell in enumerate(cells, 1):
            key = (cell.hidden, cell.batch)
            epochs = args.epochs or EPOCHS[key]
            repeats = args.slow_repeats if key in SLOW else args.repeats
            *times, load = run_cell(
                cell,
                data,
                epochs,
                repeats,
                args.max_load,
                args.wait_idle,
                args.retries,
            )
            r = Result(cell, epochs, repeats, *times, load)
            results.append(r)
            flags = _flags(r, args.max_load)
            print(
                f"[{i}/{len(cells)} {time.perf_counter() - started:6.0f}s] "
                f"{cell.name}: skmlp {r.skmlp:.4f}  sklearn {r.sklearn:.4f} "
                f"s/epoch  speedup {r.ratio:.2f}x  cpu {r.cpu_ratio:.2f}x  "
                f"bg load {load:.2f}" + (f"  <-- {flags}" if flags else ""),
                flush=True,
            )

    print()
    print(format_table(results, args.max_load))
    print()
    print(summary(results, args.max_load))
    print(f"total {time.perf_counter() - started:.0f} s")
    if args.out is not None:
        md = [
            "# skmlp vs scikit-learn MLPClassifier: seconds per epoch",
            "",
            *[f"- {line}" for line in info],
            f"- data: make_classification({args.n_samples} x 100, 10 classes), "
            "median of alternating fits; speedup = sklearn / skmlp (>1: skmlp "
            "faster); cpu speedup: the same with CPU time of all threads; bg load: "
            "cores used by other processes during the fits (worst pair used)",
            "",
            format_table(results, args.max_load, markdown=True),
            "",
            *summary(results, args.max_load).splitlines(),
            "",
        ]
        args.out.write_text("\n".join(md))
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
