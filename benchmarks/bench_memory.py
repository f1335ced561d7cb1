"""Peak memory added by ``fit``: skmlp.MLPClassifier against scikit-learn's.

Each fit runs in a fresh Python subprocess, so that neither the allocator's
state nor buffers cached by an earlier fit carry over.  The child creates the
``bench_epoch.py`` data (``make_classification``, 20000 x 100, 10 classes) in
the dtype measured, does a tiny warm-up fit (lazy imports and first-call
caches are not counted), then measures one fit of ``hidden_layer_sizes=(1024,
1024)``, adam, batch 200, 2 epochs (``tol=0``), two ways:

- traced (the primary figure): with ``tracemalloc``, which sees Python's
  allocations and NumPy's arrays (NumPy reports them to it): the peak traced
  memory during ``fit`` minus the traced memory before it, the data being
  already allocated.  ``retained`` is what ``fit`` left allocated: the model.
- RSS (secondary): the resident set's high-water mark after ``fit`` (VmHWM,
  reset just before ``fit`` by writing 5 to /proc/self/clear_refs) minus the
  resident set before it.  It also sees memory NumPy does not report (BLAS
  buffers, thread stacks) and tracemalloc's own bookkeeping, which is small.
  Where the reset is not possible and the earlier high-water mark was not
  exceeded, it is unknown (``-``).

Target: in each dtype, skmlp's traced peak is at most 0.6 x scikit-learn's
(the ratio skmlp/sklearn, lower is better).

Usage::

    python benchmarks/bench_memory.py                  # under a minute, idle
    python benchmarks/bench_memory.py --dtypes float32 --epochs 1
    python benchmarks/bench_memory.py --out memory.md  # also a Markdown table
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import _machine
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkMLPClassifier

from skmlp import MLPClassifier

DTYPES = ["float64", "float32"]
CLASSES = {"skmlp": MLPClassifier, "sklearn": SkMLPClassifier}
TARGET = 0.6  # skmlp / sklearn, traced peak memory added by fit


def memory_verdict(ratio):
    """PASS (True) if skmlp's peak is at most TARGET times scikit-learn's."""
    return bool(ratio <= TARGET)


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--dtypes", nargs="+", choices=DTYPES, default=DTYPES)
    p.add_argument("--epochs", type=int, default=2, help="epochs per fit")
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        help="limit BLAS/OpenMP threads with threadpoolctl (None: unchanged)",
    )
    p.add_argument("--out", type=Path, default=None, help="also write Markdown here")
    # Test-only knobs, and the child-process entry point.
    p.add_argument("--hidden", default="1024,1024", help=argparse.SUPPRESS)
    p.add_argument("--n-samples", type=int, default=20000, help=argparse.SUPPRESS)
    p.add_argument("--batch", type=int, default=200, help=argparse.SUPPRESS)
    p.add_argument("--child", choices=sorted(CLASSES), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.hidden = tuple(int(u) for u in args.hidden.split(","))
    return args


def make_params(args):
    return dict(
        hidden_layer_sizes=args.hidden,
        solver="adam",
        batch_size=args.batch,
        max_iter=args.epochs,
        tol=0.0,
        n_iter_no_change=10**9,
        random_state=0,
    )


# ------------------------------------------------------------------ child


def _vm_kib(field):
    """A field of /proc/self/status (VmRSS, VmHWM) in KiB, or None."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def _reset_high_water_mark():
    """Reset VmHWM to the current RSS (Linux >= 4.0); whether it worked."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return False
    return True


def child(args):
    """Measure one fit in this process; print a JSON line."""
    cls = CLASSES[args.child]
    dtype = args.dtypes[0]
    X, y = _machine.synthetic_data(args.n_samples)
    X = np.ascontiguousarray(X, dtype=dtype)
    with warnings.catch_warnings(), _machine.thread_limits(args.threads):
        warnings.simplefilter("ignore", ConvergenceWarning)
        cls(hidden_layer_sizes=(8,), max_iter=1, random_state=0).fit(X[:300], y[:300])
        est = cls(**make_params(args))
        gc.collect()
        rss_before = _vm_kib("VmRSS")
        reset = _reset_high_water_mark()
        hwm_before = _vm_kib("VmHWM")
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        start = time.perf_counter()
        est.fit(X, y)
        seconds = time.perf_counter() - start
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        hwm_after = _vm_kib("VmHWM")
    rss = None
    if None not in (rss_before, hwm_before, hwm_after) and (
        reset or hwm_after > hwm_before
    ):
        rss = (hwm_after - rss_before) * 1024
    result = {
        "lib": args.child,
        "dtype": dtype,
        "traced_peak": peak - before,
        "traced_retained": current - before,
        "rss_peak": rss,
        "rss_reset": reset,
        "seconds": seconds,
        "n_iter": est.n_iter_,
        "data_bytes": X.nbytes,
    }
    print(json.dumps(result))


# ----------------------------------------------------------------- parent


def run_child(lib, dtype, args):
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        lib,
        "--dtypes",
        dtype,
        "--epochs",
        str(args.epochs),
        "--hidden",
        ",".join(str(u) for u in args.hidden),
        "--n-samples",
        str(args.n_samples),
        "--batch",
        str(args.batch),
    ]
    if args.threads is not None:
        cmd += ["--threads", str(args.threads)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{lib} {dtype} child failed:\n{proc.stderr}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if result["n_iter"] != args.epochs:
        raise RuntimeError(
            f"{lib} ran {result['n_iter']} epochs, expected {args.epochs}"
        )
    return result


def _mib(n):
    return "-" if n is None else f"{n / _machine.MiB:.1f}"


def _ratio(a, b):
    return None if a is None or b is None or b <= 0 else a / b


def _x(ratio):
    return "-" if ratio is None else f"{ratio:.2f}x"


def format_table(rows, markdown=False):
    header = [
        "dtype",
        "skmlp MiB",
        "sklearn MiB",
        "skmlp/sklearn",
        "skmlp RSS MiB",
        "sklearn RSS MiB",
        "RSS skmlp/sklearn",
        "skmlp retained MiB",
        "sklearn retained MiB",
        "skmlp fit s",
        "sklearn fit s",
        f"target <= {TARGET:g}x",
    ]
    body = []
    for row in rows:
        ours, theirs = row["skmlp"], row["sklearn"]
        body.append(
            [
                row["dtype"],
                _mib(ours["traced_peak"]),
                _mib(theirs["traced_peak"]),
                _x(row["ratio"]),
                _mib(ours["rss_peak"]),
                _mib(theirs["rss_peak"]),
                _x(_ratio(ours["rss_peak"], theirs["rss_peak"])),
                _mib(ours["traced_retained"]),
                _mib(theirs["traced_retained"]),
                f"{ours['seconds']:.2f}",
                f"{theirs['seconds']:.2f}",
                "PASS" if row["pass"] else "FAIL",
            ]
        )
    align = ["<"] + [">"] * (len(header) - 2) + ["<"]
    return _machine.format_table(header, body, align, markdown)


def summary(rows):
    verdicts = ", ".join(
        f"{'PASS' if r['pass'] else 'FAIL'} in {r['dtype']} ({r['ratio']:.2f}x)"
        for r in rows
    )
    failing = [r["dtype"] for r in rows if not r["pass"]]
    return [
        f"target: skmlp's peak memory added by fit (traced) at most {TARGET:g}x "
        f"scikit-learn's: {verdicts}",
        "PASS" if not failing else "FAIL in " + ", ".join(failing),
    ]


def main(argv=None):
    """Run the benchmark (or, with --child, one measurement); return the rows."""
    args = parse_args(argv)
    if args.child is not None:
        child(args)
        return None
    info = _machine.machine_info()
    if args.threads is not None:
        info.append(f"threads limited to {args.threads} with threadpoolctl")
    h = "x".join(str(u) for u in args.hidden)
    setup = (
        f"fit: hidden {h}, adam, batch {args.batch}, {args.epochs} epochs on "
        f"make_classification({args.n_samples} x 100, 10 classes); each fit in a "
        "fresh subprocess; MiB: peak traced (tracemalloc) memory added by fit; "
        "RSS: peak resident set added; retained: traced memory left after fit; "
        "fit s: wall time under tracemalloc, which slows allocations (not a "
        "speed figure)"
    )
    print("\n".join([*info, setup]), flush=True)
    started = time.perf_counter()
    rows = []
    for dtype in args.dtypes:
        row = {"dtype": dtype}
        for lib in CLASSES:
            row[lib] = run_child(lib, dtype, args)
            print(
                f"{dtype} {lib}: {_mib(row[lib]['traced_peak'])} MiB traced, "
                f"{_mib(row[lib]['rss_peak'])} MiB RSS",
                flush=True,
            )
        row["ratio"] = row["skmlp"]["traced_peak"] / row["sklearn"]["traced_peak"]
        row["pass"] = memory_verdict(row["ratio"])
        rows.append(row)
    lines = summary(rows)
    _machine.report(
        format_table(rows),
        lines,
        started,
        args.out,
        "skmlp vs scikit-learn MLPClassifier: peak memory added by fit",
        [*info, setup],
        format_table(rows, markdown=True),
    )
    return rows


if __name__ == "__main__":
    main()
