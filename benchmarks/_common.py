"""Helpers shared by bench_epoch.py, bench_memory.py and bench_scaling.py.

Not a benchmark: the scripts import it as ``python benchmarks/x.py`` puts this
directory on ``sys.path``.  It does not import skmlp, so that bench_epoch.py's
workers each import the skmlp their ``PYTHONPATH`` points at.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import math
import os
import platform
import statistics
import subprocess
import time
import warnings
from pathlib import Path

import numpy as np
import sklearn
import threadpoolctl
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

# Settings that change BLAS speed; some machines set the OPENBLAS_* ones, so
# they are reported (and never unset).
ENV_VARS = ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS"]
ENV_VARS += ["OMP_NUM_THREADS", "MKL_NUM_THREADS"]
MiB = 1 << 20


def machine_info():
    """Lines on the Python, library versions, BLAS kernels and env vars."""
    lines = [
        f"python {platform.python_version()} on {platform.platform()}, "
        f"{os.cpu_count()} logical cores; numpy {np.__version__}, "
        f"scikit-learn {sklearn.__version__}",
    ]
    for pool in threadpoolctl.threadpool_info():
        lines.append(
            f"threadpool: {pool['internal_api']} {pool.get('version')} "
            f"arch={pool.get('architecture', '-')} threads={pool['num_threads']} "
            f"({os.path.basename(pool['filepath'])})"
        )
    env = [f"{k}={os.environ[k]}" for k in ENV_VARS if k in os.environ]
    return [*lines, "env: " + (" ".join(env) or "none of " + ", ".join(ENV_VARS))]


def skmlp_line(file):
    """Which skmlp ran: its file, commit and whether skmlp/ has changes."""
    git = ["git", "-C", str(Path(file).resolve().parent.parent)]
    try:
        rev, dirty = (
            subprocess.run([*git, *cmd], capture_output=True, text=True).stdout.strip()
            for cmd in (["rev-parse", "--short", "HEAD"], ["status", "-s", "skmlp"])
        )
    except OSError:
        rev, dirty = "", ""
    return f"skmlp from {file} (git {rev or '-'}{', modified' * bool(dirty)})"


def parser(doc):
    """An argument parser with the options every script takes."""
    p = argparse.ArgumentParser(
        description=doc.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--threads", type=int, help="limit BLAS/OpenMP threads to this")
    p.add_argument("--out", type=Path, help="also write a Markdown report here")
    return p


def thread_limits(threads):
    """``threadpool_limits(threads)``, or nothing if ``threads`` is None."""
    if threads is None:
        return contextlib.nullcontext()
    return threadpoolctl.threadpool_limits(threads)


def synthetic_data(n_samples, dtype="float64"):
    """make_classification(n_samples x 100, 50 informative, 10 classes)."""
    kw = dict(n_features=100, n_informative=50, n_classes=10, random_state=0)
    X, y = make_classification(n_samples, **kw)
    return np.ascontiguousarray(X, dtype=dtype), y


def estimator(lib):
    """The MLPClassifier of "skmlp" (whichever is first on the path), "sklearn"."""
    module = {"skmlp": "skmlp", "sklearn": "sklearn.neural_network"}[lib]
    return importlib.import_module(module).MLPClassifier


def fixed_epochs(hidden, solver, batch, epochs):
    """Estimator parameters for a fit of exactly ``epochs`` epochs."""
    params = dict(hidden_layer_sizes=tuple(hidden), solver=solver, batch_size=batch)
    return dict(
        params, max_iter=epochs, tol=0.0, n_iter_no_change=10**9, random_state=0
    )


# Epoch-timing cells shared by the per-setting benchmarks (penalties,
# dropout): name -> (hidden sizes, epochs per fit, how to make X, y).
EPOCH_CELLS = {
    "digits 256x256": ((256, 256), 10, lambda: _digits()),
    "synthetic 20k x 256, 512x512": ((512, 512), 2, lambda: _synthetic_10()),
}
QUICK_CELLS = {"tiny": ((16,), 1, lambda: _digits())}


def _digits():
    from sklearn.datasets import load_digits

    return load_digits(return_X_y=True)


def _synthetic_10():
    from sklearn.datasets import make_classification

    return make_classification(
        20_000, n_features=256, n_informative=64, n_classes=10, random_state=0
    )


def rounds_parser(doc):
    """:func:`parser` with ``--quick`` (one tiny cell, one round) and
    ``--repeats``."""
    p = parser(doc)
    p.add_argument("--quick", action="store_true", help="one tiny cell, one round")
    p.add_argument("--repeats", type=int, default=3, help="rounds of fits")
    return p


def cell_data(make, quick):
    """A cell's rows standardized, in float32 (300 rows when ``quick``)."""
    from sklearn.preprocessing import StandardScaler

    X, y = make()
    if quick:
        X, y = X[:300], y[:300]
    return np.ascontiguousarray(StandardScaler().fit_transform(X), "float32"), y


def epoch_cell_rows(args, skmlp_file, setting, warm_up, variants, measure, row):
    """The rows of a per-setting epoch benchmark, and its info lines.

    Per cell (:data:`EPOCH_CELLS`, or :data:`QUICK_CELLS` with ``--quick``,
    which also makes one round): its data, ``warm_up(hidden, X, y)`` (loads
    BLAS), then for each of ``variants`` the row ``row(cell, variant,
    *measure(hidden, variant, epochs, X, y, repeats))``.
    """
    if args.quick:
        args.repeats = 1
    rows, info = [], None
    with thread_limits(args.threads), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cells = QUICK_CELLS if args.quick else EPOCH_CELLS
        for name, (hidden, epochs, make) in cells.items():
            X, y = cell_data(make, args.quick)
            warm_up(hidden, X, y)
            if info is None:
                info = [*machine_info(), skmlp_line(skmlp_file)]
                info.append(f"float32, {setting}, {args.repeats} rounds, fastest")
                print("\n".join(info), flush=True)
            for variant in variants:
                best, load = measure(hidden, variant, epochs, X, y, args.repeats)
                rows.append(row(f"{name} ({epochs} ep)", variant, best, load))
                print(" ".join(rows[-1]), flush=True)
    return rows, info


def epoch_seconds(make_estimator, X, y, epochs, label):
    """Seconds per epoch of one fit of exactly ``epochs`` epochs, and other
    processes' CPU seconds per epoch."""
    est, seconds, other = timed(lambda: make_estimator().fit(X, y))
    if est.n_iter_ != epochs:
        raise RuntimeError(f"{label}: {est.n_iter_} epochs")
    return seconds / epochs, other / epochs


# A figure is only as good as the machine was idle: the load is the CPU time
# that *other* processes at normal priority took, in cores.


def _busy_seconds():
    """CPU seconds all processes spent busy (not idle, iowait or niced)."""
    with open("/proc/stat") as f:
        ticks = [int(v) for v in f.readline().split()[1:9]]
    return (sum(ticks) - ticks[1] - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def timed(fn):
    """Call ``fn()``: (its value, wall seconds, CPU seconds other processes took).

    The last is NaN where /proc/stat is unavailable.  A process at nice > 0
    is counted in the nice column, so its own time is not subtracted then.
    """
    try:
        busy = _busy_seconds()
    except (OSError, ValueError):
        busy = math.nan
    cpu, start = time.process_time(), time.perf_counter()
    value = fn()
    seconds = time.perf_counter() - start
    own = time.process_time() - cpu if os.nice(0) <= 0 else 0.0
    other = _busy_seconds() - busy - own if busy == busy else math.nan
    return value, seconds, other if math.isnan(other) else max(0.0, other)


def load(fits):
    """Cores busy in other processes during ``fits``, (seconds, other) pairs.

    /proc/stat counts in coarse ticks: only a sum over fits is meaningful.
    """
    return sum(o for _, o in fits) / sum(s for s, _ in fits)


def wait_for_idle(max_load, timeout):
    """Sleep in one-second probes until the load is below ``max_load``."""
    time.sleep(0.3)  # OpenBLAS threads (a worker process's too) spin ~0.1 s
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and timed(lambda: time.sleep(1))[2] > max_load:
        pass


def matmul_peak(dtype, n=2048, repeats=3):
    """GFLOP/s of an n x n ``A @ B`` at the current BLAS threads (median)."""
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n)).astype(dtype) for _ in range(2))
    out = np.matmul(a, b)  # warm-up, and the output buffer
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        np.matmul(a, b, out=out)
        times.append(time.perf_counter() - start)
    return 2.0 * n**3 / statistics.median(times) / 1e9


def format_table(header, rows, markdown=False):
    """A column-aligned plain table or a Markdown one; first column left."""
    rows = [[str(v) for v in row] for row in rows]
    if markdown:
        lines = [header, ["---"] + ["---:"] * (len(header) - 1), *rows]
        return "\n".join("| " + " | ".join(row) + " |" for row in lines)
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def fmt(row):
        cells = [row[0].ljust(widths[0])]
        cells += [v.rjust(w) for v, w in zip(row[1:], widths[1:], strict=True)]
        return "  ".join(cells).rstrip()

    return "\n".join([fmt(header), fmt(["-" * w for w in widths]), *map(fmt, rows)])


def report(title, info, header, rows, lines, out=None):
    """Print the table and summary lines; with ``out``, write them as Markdown."""
    print(f"\n{format_table(header, rows)}\n\n" + "\n".join(lines))
    if out is not None:
        md = [f"# {title}", "", *(f"- {i}" for i in info), ""]
        md += [format_table(header, rows, markdown=True), ""]
        md += [f"- {line}" for line in lines]
        Path(out).write_text("\n".join(md) + "\n")
        print(f"wrote {out}")
