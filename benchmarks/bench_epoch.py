"""Seconds per training epoch: skmlp against scikit-learn (and PyTorch).

Each cell fits skmlp's and scikit-learn's ``MLPClassifier`` on the same data
with the same hyperparameters and, when ``import torch`` works, a plain
PyTorch loop of the same network, in turn, round after round.  The cells:
hidden (64,), (256, 256), (1024, 1024) x batch 32, 200, 1000 x float64,
float32 x adam, sgd on make_classification (20000 x 100, 10 classes), each
fit exactly the cell's epochs; iris, the README example, each library to its
own convergence (differing ``n_iter_`` are flagged); digits, hidden (100,).

A figure is the median over rounds of fit seconds / epochs; ``X/Y`` is X's
over Y's (sklearn/skmlp above 1: skmlp is faster).  "%peak": 6 x samples x
weights flops per epoch over the GFLOP/s of a 2048 x 2048 ``A @ B``, the
larger of two taken before and after the cell (a shared machine drifts).
"bg load": the cores other processes used meanwhile; over 0.25, the cell is
flagged "busy" and its figures are doubtful.

The fits run in long-lived workers (this script with ``--worker``, cell
specs in and timings out as JSON lines), one per library.  ``--baseline
PATH``, a checkout of another commit, adds a worker importing PATH's skmlp
and the columns "sklearn/baseline" and "current vs baseline" (below 0.95: a
slowdown of over 5%).
``--products`` times the epoch's matrix products alone too: a loop's ceiling.

Usage (on an idle machine: the BLAS uses every core)::

    python benchmarks/bench_epoch.py --quick        # a subset, under 2 minutes
    python benchmarks/bench_epoch.py --out epoch.md # the full grid
    python benchmarks/bench_epoch.py --quick --baseline /tmp/baseline
    python benchmarks/bench_epoch.py --cells "h=1024x1024 b=1000" --products
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib.util
import itertools
import json
import math
import os
import statistics
import subprocess
import sys
import time
import traceback
import warnings
from pathlib import Path

import _common
import numpy as np
from sklearn.datasets import load_digits, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

HIDDEN = [(64,), (256, 256), (1024, 1024)]
BATCHES = [32, 200, 1000]
DTYPES = ["float64", "float32"]
SOLVERS = ["adam", "sgd"]
# Epochs per fit, by hidden and then batch as in BATCHES (digits: 60), so that
# a skmlp fit takes 0.3 s or more on 2 cores.
EPOCHS = {(64,): [10, 20, 40], (256, 256): [3, 5, 6], (1024, 1024): [1, 2, 2]}
LIBS = ["skmlp", "baseline", "sklearn", "torch", "products"]
# (column, numerator, denominator): the ratios of the table and the summary.
RATIOS = [
    ("sklearn/skmlp", "sklearn", "skmlp"),
    ("sklearn/baseline", "sklearn", "baseline"),
    ("current vs baseline", "baseline", "skmlp"),
    ("torch/skmlp", "torch", "skmlp"),
    ("sklearn/products", "sklearn", "products"),
]
MAX_LOAD = 0.25  # cores busy elsewhere above which a cell is flagged "busy"
SETTLE = 0.2  # pause before a fit: OpenBLAS threads spin ~0.1 s after a call


@dataclasses.dataclass(frozen=True)
class Cell:
    hidden: tuple
    batch: int
    dtype: str
    solver: str
    dataset: str = "synthetic"

    @property
    def name(self):
        prefix = "" if self.dataset == "synthetic" else f"{self.dataset} "
        h = "x".join(map(str, self.hidden))
        return f"{prefix}{self.solver} h={h} b={self.batch} {self.dtype}"


# Batch 120: the "auto" batch size, min(200, n_samples), of the iris split.
IRIS = Cell((10, 10), 120, "float64", "adam", "iris")
DIGITS = Cell((100,), 200, "float64", "adam", "digits")


def parse_args(argv=None):
    p = _common.parser(__doc__)
    add = p.add_argument
    add(
        "--quick",
        action="store_true",
        help="adam; h=64, 256x256; b=32, 200; "
        "iris, digits; half the epochs; 1 round (iris, digits: 3)",
    )
    add(
        "--cells",
        action="append",
        metavar="SUBSTRING",
        help="only the cells whose name holds one, e.g. 'adam h=64 b=32' (repeatable)",
    )
    add("--repeats", type=int, default=3, help="rounds per cell")
    add("--slow-repeats", type=int, default=1, help="rounds of h=1024x1024 b=32")
    add("--epochs", type=int, help="epochs per fit (None: the cell's own)")
    add("--baseline", type=Path, metavar="PATH", help="also time PATH's skmlp")
    add("--no-torch", action="store_true", help="never run PyTorch")
    add("--products", action="store_true", help="also time the products alone")
    add(
        "--wait-idle",
        type=float,
        default=0,
        metavar="SECONDS",
        help=f"before each round, wait up to SECONDS for bg load < {MAX_LOAD}",
    )
    add("--n-samples", type=int, default=20000, help=argparse.SUPPRESS)
    add("--peak-size", type=int, default=2048, help=argparse.SUPPRESS)
    add("--worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.baseline and not (args.baseline / "skmlp" / "__init__.py").is_file():
        p.error(f"--baseline {args.baseline} holds no skmlp/__init__.py")
    if args.quick:
        args.repeats = args.slow_repeats = 1
    return args


def select_cells(args):
    hidden, batches = (HIDDEN[:2], BATCHES[:2]) if args.quick else (HIDDEN, BATCHES)
    solvers = ["adam"] if args.quick else SOLVERS
    grid = itertools.product(solvers, hidden, batches, DTYPES)
    cells = [Cell(h, b, d, s) for s, h, b, d in grid] + [IRIS, DIGITS]
    return [c for c in cells if any(s in c.name for s in args.cells or [""])]


def plan(cell, args):
    """(epochs per fit, None for iris's fit to convergence; rounds)."""
    if cell.dataset == "iris":
        epochs = None
    else:
        digits = cell.dataset == "digits"
        epochs = 60 if digits else EPOCHS[cell.hidden][BATCHES.index(cell.batch)]
        epochs = args.epochs or epochs
        epochs = max(1, epochs // 2) if args.quick and not args.epochs else epochs
    if cell.hidden == (1024, 1024) and cell.batch == 32:
        return epochs, args.slow_repeats
    # iris and digits fits are short: 3 rounds even with --quick.
    return epochs, 3 if args.quick and cell.dataset != "synthetic" else args.repeats


# ------------------------------------------------------ the worker's side


def load_dataset(name, n_samples, dtype):
    if name == "synthetic":
        return _common.synthetic_data(n_samples, dtype)
    if name == "iris":
        X, y = load_iris(return_X_y=True)
        X, _, y, _ = train_test_split(X, y, test_size=0.2, random_state=42)
    else:
        X, y = load_digits(return_X_y=True)
        X = X / 16.0
    return np.ascontiguousarray(X, dtype=dtype), y


def estimator_params(cell, epochs):
    if cell.dataset == "iris":  # the README example, verbatim
        return dict(
            hidden_layer_sizes=(10, 10), max_iter=1000, alpha=1e-3, random_state=42
        )
    return _common.fixed_epochs(cell.hidden, cell.solver, cell.batch, epochs)


def train_torch(torch, X, y, cell, epochs):
    """The plain PyTorch loop of the same network; returns the epochs run.

    Linear + ReLU layers, cross-entropy, Adam or Nesterov SGD at scikit-learn's
    defaults.  ``weight_decay`` also decays the biases, and by the nominal
    batch size in the last batch: the same cost, all that matters here.
    """
    torch.manual_seed(0)
    classes, codes = np.unique(y, return_inverse=True)
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(codes.astype(np.int64))
    sizes = [X.shape[1], *cell.hidden]
    layers = [torch.nn.Linear(sizes[-1], len(classes))]
    for fan_in, fan_out in reversed(list(itertools.pairwise(sizes))):
        layers[:0] = [torch.nn.Linear(fan_in, fan_out), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers).to(X_t.dtype)
    kw = dict(
        lr=1e-3, weight_decay=estimator_params(cell, 1).get("alpha", 1e-4) / cell.batch
    )
    if cell.solver == "adam":
        opt = torch.optim.Adam(model.parameters(), **kw)
    else:
        opt = torch.optim.SGD(model.parameters(), momentum=0.9, nesterov=True, **kw)
    loss_fn = torch.nn.CrossEntropyLoss()
    for _ in range(epochs):
        for idx in torch.randperm(len(X_t)).split(cell.batch):
            opt.zero_grad()
            loss_fn(model(X_t[idx]), y_t[idx]).backward()
            opt.step()
    return epochs


def epoch_products(X, hidden, n_outputs, batch, epochs):
    """A function running the matrix products of ``epochs`` epochs (forward,
    weight gradient, backward) at X's shapes into preallocated buffers."""
    units = [X.shape[1], *hidden, n_outputs]
    rng = np.random.default_rng(0)
    W = [rng.standard_normal(s).astype(X.dtype) for s in itertools.pairwise(units)]
    G = [np.empty_like(w) for w in W]
    A = [X[:batch]] + [np.empty((batch, u), X.dtype) for u in units[1:]]

    def run():
        for _ in range(epochs * -(-len(X) // batch)):
            for i, w in enumerate(W):
                np.matmul(A[i], w, out=A[i + 1])
            for i in reversed(range(len(W))):
                np.matmul(A[i].T, A[i + 1], out=G[i])
                if i:
                    np.matmul(A[i + 1], W[i].T, out=A[i])
        return epochs

    return run


def prepare(lib, cell, epochs, X, y, torch):
    """A function running ``lib``'s fit of ``epochs`` and returning n_iter."""
    if lib == "torch":
        return lambda: train_torch(torch, X, y, cell, epochs)
    if lib == "products":
        return epoch_products(X, cell.hidden, len(np.unique(y)), cell.batch, epochs)
    est = _common.estimator(lib)(**estimator_params(cell, epochs))
    return lambda: est.fit(X, y).n_iter_


def measure(request, data, torch, n_samples, settle=SETTLE):
    """Time one fit: {"seconds", "n_iter", "other" (other processes' CPU
    seconds meanwhile), "flops" (per epoch)}."""
    cell = Cell(tuple(request["cell"][0]), *request["cell"][1:])
    key = (cell.dataset, n_samples, cell.dtype)
    X, y = data[key] = data.get(key) or load_dataset(*key)
    fit = prepare(request["lib"], cell, request["epochs"], X, y, torch)
    time.sleep(settle)
    n_iter, seconds, other = _common.timed(fit)
    sizes = [X.shape[1], *cell.hidden, len(np.unique(y))]
    # Forward 2 and backward 4 flops per weight and sample, biases left out.
    flops = 6 * len(X) * sum(a * b for a, b in itertools.pairwise(sizes))
    return {"seconds": seconds, "n_iter": n_iter, "other": other, "flops": flops}


def serve(args):
    """The worker: a hello line, then one JSON reply per JSON request line."""
    replies, sys.stdout = sys.stdout, sys.stderr  # stray prints stay off the pipe
    import skmlp

    torch = None
    with contextlib.suppress(ImportError):
        torch = None if args.no_torch else importlib.import_module("torch")
        if torch and args.threads:
            torch.set_num_threads(args.threads)
    warnings.simplefilter("ignore", ConvergenceWarning)
    data = {}  # (dataset, n_samples, dtype) -> (X, y)
    with _common.thread_limits(args.threads):
        libs = ["skmlp", "sklearn", *["torch"] * bool(torch), "products"]
        for lib, dtype, solver in itertools.product(libs, DTYPES, SOLVERS):
            cell = [(16,), 100, dtype, solver, "synthetic"]  # warm-up, untimed
            measure({"lib": lib, "cell": cell, "epochs": 1}, {}, torch, 500, 0)
        reply = dict(file=skmlp.__file__, info=_common.machine_info())
        reply["torch"] = torch and torch.__version__
        print(json.dumps(reply), file=replies, flush=True)
        for line in sys.stdin:
            try:
                reply = measure(json.loads(line), data, torch, args.n_samples)
            except Exception:
                reply = {"error": traceback.format_exc()}
            print(json.dumps(reply), file=replies, flush=True)


# ------------------------------------------------------ the parent's side


class Worker:
    """A worker subprocess timing fits with the skmlp found in ``root``."""

    def __init__(self, root, args, torch=False):
        root = Path(root).resolve()
        path = os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker"]
        cmd += [f"--n-samples={args.n_samples}"] + ["--no-torch"] * (not torch)
        cmd += [f"--threads={args.threads}"] * (args.threads is not None)
        pipe, env = subprocess.PIPE, dict(os.environ, PYTHONPATH=path)
        self.proc = subprocess.Popen(cmd, stdin=pipe, stdout=pipe, text=True, env=env)
        self.hello = self._receive()
        if not Path(self.hello["file"]).resolve().is_relative_to(root):
            self.close()
            raise RuntimeError(f"worker for {root} imported {self.hello['file']}")

    def _receive(self):
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"benchmark worker exited ({self.proc.wait()})")
        reply = json.loads(line)
        if "error" in reply:
            raise RuntimeError("benchmark worker failed:\n" + reply["error"])
        return reply

    def time(self, lib, cell, epochs):
        request = {"lib": lib, "cell": dataclasses.astuple(cell), "epochs": epochs}
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        return self._receive()

    def close(self):
        self.proc.kill()  # idle between requests, or interrupted: nothing to lose
        self.proc.wait()
        self.proc.stdin.close()
        self.proc.stdout.close()


def start_workers(args, stack):
    """Workers for this skmlp, PATH's and the peers (scikit-learn, PyTorch,
    the products): a worker that also ran other libraries' fits would time
    its skmlp on the heap and caches they left behind."""
    here = Path(importlib.util.find_spec("skmlp").origin).parent.parent
    roots = {"skmlp": here, "baseline": args.baseline, "peers": here}
    workers = {}
    for name, root in roots.items():
        if root:
            workers[name] = Worker(
                root, args, torch=name == "peers" and not args.no_torch
            )
            stack.callback(workers[name].close)
    return workers


def run_round(workers, cell, epochs, extras, flip=False):
    """One fit per library in turn, PyTorch and the products for as many
    epochs as scikit-learn ran; a fit off the cell's fixed epochs misleads.
    ``flip`` swaps the two skmlps, so that neither always runs first."""
    names = [name for name in workers if name != "peers"][:: -1 if flip else 1]
    fits = {name: workers[name].time("skmlp", cell, epochs) for name in names}
    fits["sklearn"] = workers["peers"].time("sklearn", cell, epochs)
    for lib in extras:
        fits[lib] = workers["peers"].time(lib, cell, fits["sklearn"]["n_iter"])
    for lib, fit in fits.items():
        if epochs is not None and fit["n_iter"] != epochs:
            raise RuntimeError(f"{lib} ran {fit['n_iter']} epochs in {cell.name}")
    return fits


@dataclasses.dataclass
class Result:
    cell: Cell
    rounds: list  # per round, {lib: a worker's reply}
    peak: float  # matrix-multiply GFLOP/s in the cell's dtype

    @property
    def libs(self):
        return [lib for lib in LIBS if lib in self.rounds[0]]

    def per_epoch(self, lib):
        """Median seconds per epoch."""
        return statistics.median(
            f[lib]["seconds"] / f[lib]["n_iter"] for f in self.rounds
        )

    def ratio(self, lib, over="skmlp"):
        """``lib``'s seconds per epoch over ``over``'s: above 1, ``over`` wins."""
        return self.per_epoch(lib) / self.per_epoch(over)

    def fraction(self, lib):
        """The fraction of the matrix-multiply peak ``lib`` reached."""
        return self.rounds[0][lib]["flops"] / self.per_epoch(lib) / (self.peak * 1e9)

    @property
    def load(self):
        """The most cores other processes used in a round (NaN if unknown)."""
        rounds = [[(f["seconds"], f["other"]) for f in r.values()] for r in self.rounds]
        loads = [x for x in map(_common.load, rounds) if not math.isnan(x)]
        return max(loads, default=math.nan)

    def flags(self):
        """ "busy", and (iris) the first round whose libraries' epochs differ."""
        flags = ["busy"] * (self.load > MAX_LOAD)
        for fits in self.rounds:
            if len({fit["n_iter"] for fit in fits.values()}) > 1:
                n_iter = (f"{lib} {fits[lib]['n_iter']}" for lib in self.libs)
                return [*flags, " ".join(n_iter)]
        return flags


def run_cell(cell, workers, extras, args):
    epochs, rounds = plan(cell, args)
    peak = _common.matmul_peak(cell.dtype, args.peak_size)
    fits = []
    for _ in range(rounds):
        if args.wait_idle > 0:
            _common.wait_for_idle(MAX_LOAD, args.wait_idle)
        fits.append(run_round(workers, cell, epochs, extras, len(fits) % 2))
    peak = max(peak, _common.matmul_peak(cell.dtype, args.peak_size))
    return Result(cell, fits, peak)


# ------------------------------------------------------------- the report


def table(results):
    """(header, rows) with the columns of the libraries that ran."""
    libs = results[0].libs
    ratios = [r for r in RATIOS if {r[1], r[2]} <= set(libs)]
    header = ["cell", "epochs x rounds", *(f"{lib} s/epoch" for lib in libs)]
    header += [name for name, _, _ in ratios] + ["skmlp %peak", "peak GFLOP/s"]
    rows = []
    for r in results:
        conv = " conv" if r.cell.dataset == "iris" else ""
        row = [r.cell.name, f"{r.rounds[0]['skmlp']['n_iter']}{conv} x {len(r.rounds)}"]
        row += [f"{r.per_epoch(lib):.4g}" for lib in libs]
        row += [f"{r.ratio(num, den):.2f}x" for _, num, den in ratios]
        row += [f"{r.fraction('skmlp'):.1%}", f"{r.peak:.0f}", f"{r.load:.2f}"]
        rows.append([*row, ", ".join(r.flags())])
    return [*header, "bg load", "flag"], rows


def summary(results):
    """Each ratio's spread over the cells, the cells where the current code
    lost over 5% against the baseline, and the busy cells."""
    lines = []
    for name, num, den in RATIOS:
        if {num, den} <= set(results[0].libs):
            x = [r.ratio(num, den) for r in results]
            geo = math.exp(statistics.fmean(map(math.log, x)))
            lines.append(
                f"{name}: geometric mean {geo:.2f}x, min {min(x):.2f}x, "
                f"max {max(x):.2f}x over {len(x)} cells"
            )
    if "baseline" in results[0].libs:
        slower = [r.cell.name for r in results if r.ratio("baseline") < 0.95]
        lines.append(
            "current more than 5% slower than the baseline in: "
            + (", ".join(slower) or "no cell")
        )
    busy = ", ".join(r.cell.name for r in results if r.load > MAX_LOAD)
    return [*lines, f"WARNING: busy machine in: {busy}"] if busy else lines


def describe(workers):
    """The report's header lines: the machine, which skmlp each worker ran."""
    info = [*workers["skmlp"].hello["info"]]
    for name, label in [("skmlp", "current"), ("baseline", "baseline")]:
        if name in workers:
            info.append(f"{label}: {_common.skmlp_line(workers[name].hello['file'])}")
    return [*info, f"torch {workers['peers'].hello['torch'] or 'not run'}"]


def main(argv=None):
    """Run the benchmark (or, with --worker, serve one); return the Results."""
    args = parse_args(argv)
    if args.worker:
        return serve(args)
    cells = select_cells(args)
    if not cells:
        sys.exit("no cell matches --cells")
    started, results = time.perf_counter(), []
    with contextlib.ExitStack() as stack, _common.thread_limits(args.threads):
        workers = start_workers(args, stack)
        extras = ["torch"] * bool(workers["peers"].hello["torch"])
        extras += ["products"] * args.products
        info = describe(workers)
        print("\n".join(info), flush=True)
        for i, cell in enumerate(cells, 1):
            results.append(run_cell(cell, workers, extras, args))
            header, (row,) = table(results[-1:])
            progress = "  ".join(f"{h} {v}" for h, v in zip(header[1:], row[1:]) if v)
            seconds = time.perf_counter() - started
            print(
                f"[{i}/{len(cells)} {seconds:4.0f}s] {row[0]}: {progress}", flush=True
            )
    lines = [*summary(results), f"total {time.perf_counter() - started:.0f} s"]
    title = "skmlp vs scikit-learn MLP training: seconds per epoch"
    _common.report(title, info, *table(results), lines, args.out)
    return results


if __name__ == "__main__":
    main()
