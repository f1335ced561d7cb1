"""Peak memory added by ``fit``: skmlp's MLPClassifier against scikit-learn's.

Each fit runs in a fresh subprocess after a tiny warm-up fit, on
bench_epoch.py's data: hidden (1024, 1024), adam, batch 200, 2 epochs.
"traced", the main figure, is tracemalloc's peak during ``fit``; "retained"
what ``fit`` left allocated, the model; "RSS" the resident set's high-water
mark during ``fit`` (reset through /proc/self/clear_refs; "-" where that
fails) over the resident set before: it also sees BLAS buffers and thread
stacks.  skmlp/sklearn below 1: skmlp uses less.

Usage::

    python benchmarks/bench_memory.py               # under a minute, idle
    python benchmarks/bench_memory.py --dtypes float32 --out memory.md
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import subprocess
import sys
import tracemalloc
import warnings

import _common
from sklearn.exceptions import ConvergenceWarning

DTYPES = ["float64", "float32"]
LIBS = ["skmlp", "sklearn"]


def parse_args(argv=None):
    p = _common.parser(__doc__)
    p.add_argument("--dtypes", nargs="+", choices=DTYPES, default=DTYPES)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--hidden", type=int, nargs="+", default=[1024, 1024])
    # Small data for the tests; the spec of a child process's one fit.
    p.add_argument("--n-samples", type=int, default=20000, help=argparse.SUPPRESS)
    p.add_argument("--child", type=json.loads, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def _vm_kib(field):
    """VmRSS or VmHWM from /proc/self/status, in KiB (None if unavailable)."""
    try:
        with open("/proc/self/status") as f:
            return next(int(x.split()[1]) for x in f if x.startswith(field + ":"))
    except (OSError, StopIteration):
        return None


def child(spec):
    """Fit once in this fresh process; print the figures as a JSON line."""
    MLPClassifier = _common.estimator(spec["lib"])
    X, y = _common.synthetic_data(spec["n_samples"], spec["dtype"])
    warnings.simplefilter("ignore", ConvergenceWarning)
    with _common.thread_limits(spec["threads"]):
        MLPClassifier(hidden_layer_sizes=(8,), max_iter=1).fit(X[:300], y[:300])
        params = _common.fixed_epochs(spec["hidden"], "adam", 200, spec["epochs"])
        est = MLPClassifier(**params)
        gc.collect()
        rss = _vm_kib("VmRSS")
        try:  # writing 5 resets VmHWM to the current RSS (Linux 4.0+)
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
        except OSError:
            rss = None
        tracemalloc.start()
        est.fit(X, y)
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    hwm = _vm_kib("VmHWM")
    figures = {"traced": peak, "retained": current, "n_iter": est.n_iter_}
    figures["rss"] = None if None in (rss, hwm) else (hwm - rss) * 1024
    print(json.dumps(figures))


def measure(lib, dtype, args):
    """One fit's figures, from a fresh subprocess running ``child``."""
    spec = dict(lib=lib, dtype=dtype, hidden=args.hidden, epochs=args.epochs)
    spec.update(n_samples=args.n_samples, threads=args.threads)
    cmd = [sys.executable, __file__, "--child", json.dumps(spec)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{lib} {dtype} fit failed:\n{proc.stderr}")
    figures = json.loads(proc.stdout.splitlines()[-1])
    if figures["n_iter"] != args.epochs:
        raise RuntimeError(f"{lib} ran {figures['n_iter']} epochs, not {args.epochs}")
    return figures


def row(dtype, figures):
    """dtype, then per figure skmlp's and scikit-learn's MiB and their ratio."""
    cells = [dtype]
    for key in ("traced", "rss", "retained"):
        ours, theirs = (figures[lib][key] for lib in LIBS)
        cells += [
            "-" if v is None else f"{v / _common.MiB:.1f}" for v in (ours, theirs)
        ]
        known = None not in (ours, theirs) and theirs > 0
        cells.append(f"{ours / theirs:.2f}x" if known else "-")
    return cells


def main(argv=None):
    """Run the benchmark (or, with --child, one fit); return the table rows."""
    args = parse_args(argv)
    if args.child is not None:
        return child(args.child)
    h = "x".join(map(str, args.hidden))
    info = [
        *_common.machine_info(),
        _common.skmlp_line(importlib.util.find_spec("skmlp").origin),
        f"fit: hidden {h}, adam, batch 200, {args.epochs} epochs, "
        f"make_classification({args.n_samples} x 100), each in a fresh process",
    ]
    print("\n".join(info), flush=True)
    rows = [row(d, {lib: measure(lib, d, args) for lib in LIBS}) for d in args.dtypes]
    header = ["dtype"]
    for what in ("traced", "RSS", "retained"):
        header += [f"skmlp {what} MiB", f"sklearn {what} MiB", "skmlp/sklearn"]
    lines = [f"skmlp/sklearn traced peak in {r[0]}: {r[3]}" for r in rows]
    title = "skmlp vs scikit-learn MLPClassifier: peak memory added by fit"
    _common.report(title, info, header, rows, lines, args.out)
    return rows


if __name__ == "__main__":
    main()
