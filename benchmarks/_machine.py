"""Helpers shared by the benchmark scripts in this directory.

Not a benchmark itself: ``bench_epoch.py``, ``bench_memory.py`` and
``bench_scaling.py`` import it (they are run as ``python benchmarks/x.py``, so
this directory is on ``sys.path``).  It holds what every report needs:

- ``machine_info``: Python, CPU, library versions, skmlp's git state, the
  BLAS/OpenMP thread pools and the threading environment variables;
- ``background_load``, ``wait_for_idle`` and ``timed``: how busy the machine
  was before and during a measurement, counted in cores used by *other*
  processes at normal priority;
- ``matmul_peak``: the machine's matrix-multiply throughput in GFLOP/s;
- ``synthetic_data``: the ``make_classification`` data of the speed benchmarks;
- ``format_table`` and ``write_markdown``: plain and Markdown output.
"""

from __future__ import annotations

import contextlib
import os
import platform
import statistics
import subprocess
import time
from pathlib import Path

import numpy as np
import sklearn
import threadpoolctl
from sklearn.datasets import make_classification

import skmlp

ENV_VARS = [
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
]

MiB = 1 << 20


# ---------------------------------------------------------------- machine info


def machine_info():
    """Lines describing the machine, the libraries and the thread settings."""
    lines = [
        f"python {platform.python_version()} on {platform.platform()}",
        f"cpu: {cpu_model()}, {os.cpu_count()} logical cores",
        f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, "
        f"skmlp {skmlp.__version__} ({git_state()})",
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


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def git_state():
    """The checkout's short commit, and whether skmlp/ has uncommitted changes."""
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


def thread_limits(threads):
    """``threadpool_limits(threads)`` (BLAS and OpenMP), or nothing if None."""
    if threads is None:
        return contextlib.nullcontext()
    return threadpoolctl.threadpool_limits(threads)


# ------------------------------------------------------------ background load


def cpu_busy():
    """(busy, total) jiffies summed over all CPUs, from /proc/stat.

    Busy is user + system + irq + softirq + steal: time at ``nice`` > 0 counts
    as free, since such processes yield nearly all of their CPU to this one.
    """
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:9]]
    user, _nice, system, _idle, _iowait, irq, softirq, steal = fields
    return user + system + irq + softirq + steal, sum(fields)


def jiffy_seconds():
    """Seconds of CPU time per /proc/stat jiffy."""
    try:
        return 1.0 / os.sysconf("SC_CLK_TCK")
    except (ValueError, OSError, AttributeError):
        return 0.01


def background_load(seconds=1.0):
    """Cores kept busy by other processes while this one sleeps (NaN if unknown).

    Sleeps a little first so that OpenBLAS's spinning workers have gone idle.
    """
    try:
        time.sleep(0.3)
        busy0, total0 = cpu_busy()
        time.sleep(seconds)
        busy1, total1 = cpu_busy()
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


def _own_time_is_busy():
    """Whether this process's CPU time lands in /proc/stat's busy columns.

    A process at ``nice`` > 0 is accounted in the ``nice`` column, which
    ``cpu_busy`` leaves out, so its own CPU time must not be subtracted.
    """
    try:
        return os.nice(0) <= 0
    except (OSError, AttributeError):
        return True


def timed(fn):
    """Call ``fn()``: (its value, wall s, CPU s of this process, background load).

    The background load is the CPU time used by *other* processes at normal
    priority during the call (busy time of the whole machine minus this
    process's), in cores; NaN where /proc/stat is unavailable.
    """
    try:
        busy0, _ = cpu_busy()
    except (OSError, ValueError, IndexError):
        busy0 = None
    cpu = time.process_time()
    start = time.perf_counter()
    value = fn()
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    load = float("nan")
    if busy0 is not None and elapsed > 0:
        busy1, _ = cpu_busy()
        own = cpu if _own_time_is_busy() else 0.0
        load = max(0.0, ((busy1 - busy0) * jiffy_seconds() - own) / elapsed)
    return value, elapsed, cpu, load


def load_sort_key(load):
    """Sort key putting the least loaded first and unknown (NaN) loads last."""
    return load if load == load else float("inf")


# ---------------------------------------------------------------------- peak


def matmul_peak(dtypes=("float64", "float32"), n=2048, repeats=5):
    """GFLOP/s of ``A @ B`` for n x n matrices, per dtype: 2 n^3 / median time.

    Runs at the current BLAS thread settings, after one warm-up product, into
    a preallocated output so that only the multiplication is timed.
    """
    rng = np.random.default_rng(0)
    peaks = {}
    for dtype in dtypes:
        a = rng.standard_normal((n, n)).astype(dtype)
        b = rng.standard_normal((n, n)).astype(dtype)
        out = np.empty((n, n), dtype=dtype)
        np.matmul(a, b, out=out)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            np.matmul(a, b, out=out)
            times.append(time.perf_counter() - start)
        peaks[dtype] = 2.0 * n**3 / statistics.median(times) / 1e9
    return peaks


# ---------------------------------------------------------------------- data


def synthetic_data(n_samples, random_state=0):
    """make_classification(n_samples x 100, 50 informative, 10 classes), float64."""
    return make_classification(
        n_samples=n_samples,
        n_features=100,
        n_informative=50,
        n_classes=10,
        random_state=random_state,
    )


# -------------------------------------------------------------------- output


def format_table(header, rows, align=None, markdown=False):
    """A plain, column-aligned table, or a Markdown one.

    ``align`` holds ``"<"`` (left) or ``">"`` (right) per column; by default
    the first column is left-aligned and the others right-aligned.
    """
    if align is None:
        align = ["<"] + [">"] * (len(header) - 1)
    rows = [[str(v) for v in row] for row in rows]
    if markdown:
        out = [
            "| " + " | ".join(header) + " |",
            "|" + "|".join("---:" if a == ">" else "---" for a in align) + "|",
        ]
        out += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(out)
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def fmt(row):
        return "  ".join(
            f"{v:{a}{w}}" for v, a, w in zip(row, align, widths, strict=True)
        ).rstrip()

    return "\n".join([fmt(header), fmt(["-" * w for w in widths]), *map(fmt, rows)])


def write_markdown(path, title, bullets, blocks):
    """A Markdown file: a title, a bullet list, then blocks separated by blanks."""
    lines = [f"# {title}", "", *[f"- {b}" for b in bullets]]
    for block in blocks:
        lines += ["", block]
    Path(path).write_text("\n".join(lines) + "\n")


def report(table, lines, started, out, title, bullets, markdown_table):
    """Print a finished run (table, summary lines, total time) and, when
    ``out`` is set, write it as Markdown with ``title`` and ``bullets``."""
    print()
    print(table)
    print()
    print("\n".join(lines))
    print(f"total {time.perf_counter() - started:.0f} s")
    if out is not None:
        write_markdown(
            out,
            title,
            bullets,
            [markdown_table, "\n".join(f"- {line}" for line in lines)],
        )
        print(f"wrote {out}")
