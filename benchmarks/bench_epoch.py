"""Seconds per training epoch: skmlp.MLPClassifier against scikit-learn and PyTorch.

Each cell fits skmlp's and scikit-learn's ``MLPClassifier`` with the same data
and hyperparameters in the same process, and, when PyTorch is installed (it is
never required), a plain PyTorch training loop of the same network; the three
run alternately (skmlp, scikit-learn, PyTorch, skmlp, ...).  The cells:

- the grid: hidden layers (64,), (256, 256), (1024, 1024) x batch 32, 200, 1000
  x float32, float64 x adam, sgd, on ``make_classification`` data (20000 x 100,
  10 classes), for a fixed number of epochs (``tol=0`` and a huge
  ``n_iter_no_change``, so that every fit runs exactly ``max_iter`` epochs);
- iris: the README example, ``MLPClassifier(hidden_layer_sizes=(10, 10),
  max_iter=1000, alpha=0.001, random_state=42)`` on the 120-sample training
  split; the *whole* fit is timed and each library runs to its own
  convergence (their ``n_iter_`` must match; a mismatch is flagged);
- digits: all 1797 samples scaled to [0, 1], hidden (100,), default
  hyperparameters, a fixed number of epochs.

PyTorch runs as many epochs as scikit-learn's fit did, in the loop a PyTorch
user would write (``train_torch``).  A cell's figure is, per library, the
median over repeats of ``fit time / epochs``.  The ratios are a peer's time
over skmlp's: above 1 means skmlp is faster.

The script also measures the machine's matrix-multiply peak (2048 x 2048
``A @ B`` in float64 and float32 at the current BLAS thread settings; GFLOP/s
= 2 n^3 / median time): once at the start, and for each cell right before and
right after its fits in the cell's dtype, the larger of these two being the
cell's peak (a shared machine's speed drifts by tens of percent over a run, so
a single figure from the start misstates the later cells).  Each library's
fraction of its cell's peak counts 6 x samples x weights flops per epoch
(weights: the sum of fan_in x fan_out over the layers, biases excluded).
PyTorch uses its own BLAS, so its fraction is relative to NumPy's peak.
Targets, one PASS/FAIL column each, failing cells listed at the end:

- vs sklearn: at least 1.5x faster than scikit-learn (iris: 2x, digits: 1.5x),
  or at least 85% of the matrix-multiply peak, where 1.5x would need more;
- vs torch: no slower than the PyTorch loop at the same dtype.

Usage::

    python benchmarks/bench_epoch.py --quick            # under 2 minutes
    python benchmarks/bench_epoch.py                    # the full grid
    python benchmarks/bench_epoch.py --cells "1024x1024 b=32" --repeats 5
    python benchmarks/bench_epoch.py --cells iris --no-torch
    python benchmarks/bench_epoch.py --out bench.md     # also a Markdown table

Run it on an otherwise idle machine: all cores are used by the BLAS, and
OpenBLAS's spinning worker threads make an oversubscribed machine several
times slower, erratically (each fit is preceded by a short pause so that the
previous library's workers have gone to sleep).  Before each round of fits the
script can measure how busy the CPUs are and wait for them to go idle
(``--wait-idle``); during each fit it measures the CPU time other processes
took (``bg load``, in cores, counting only processes at normal priority: run
anything else you must run meanwhile under ``nice``), can retry rounds that
ran on a busy machine (``--retries``), and flags cells measured on one.  CPU
time (all threads of this process) is reported too: with ``--threads 1`` its
ratio is a contention-robust check of the wall-clock one.  PyTorch's OpenMP
threads suffer most from a busy machine (a fit can take tens of times longer):
where the machine cannot be idle, use ``--threads 1`` or ``--no-torch``.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import _machine
import numpy as np
from sklearn.datasets import load_digits, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SkMLPClassifier

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
    ((100,), 200): 60,  # digits
}
# Cells where one scikit-learn fit takes several seconds: fewer repeats.
SLOW = {((1024, 1024), 32)}
# Repeats of the iris and digits cells with --quick: their fits are short.
QUICK_SMALL_REPEATS = 3

LIBS = ["skmlp", "sklearn", "torch"]
SKLEARN_TARGET = 1.5  # sklearn / skmlp, in every cell ...
DATASET_TARGETS = {"iris": 2.0, "digits": 1.5}  # ... with these exceptions
PEAK_TARGET = 0.85  # ... or this fraction of the matrix-multiply peak
TORCH_TARGET = 1.0  # torch / skmlp
# Pause before each fit, so that the previous fit's BLAS/OpenMP workers
# (OpenBLAS spins for about 0.1 s after its last call) have gone to sleep.
SETTLE_SECONDS = 0.2


@dataclass(frozen=True)
class Cell:
    hidden: tuple
    batch: int
    dtype: str
    solver: str
    dataset: str = "synthetic"

    @property
    def name(self):
        h = "x".join(str(u) for u in self.hidden)
        prefix = "" if self.dataset == "synthetic" else f"{self.dataset} "
        return f"{prefix}{self.solver} h={h} b={self.batch} {self.dtype}"

    @property
    def to_convergence(self):
        """Whether the whole fit runs to convergence instead of fixed epochs."""
        return self.dataset == "iris"

    @property
    def sklearn_target(self):
        return DATASET_TARGETS.get(self.dataset, SKLEARN_TARGET)


# Batch 120: the "auto" batch size, min(200, n_samples), of the iris split.
IRIS = Cell((10, 10), 120, "float64", "adam", "iris")
DIGITS = Cell((100,), 200, "float64", "adam", "digits")


# ------------------------------------------------------------ pure functions


def n_weights(layer_sizes):
    """Weights of a dense network: sum of fan_in x fan_out, biases excluded."""
    return sum(a * b for a, b in itertools.pairwise(layer_sizes))


def flops_per_epoch(n_samples, layer_sizes):
    """6 x samples x weights: forward 2, backward 4 flops per weight and sample."""
    return 6 * n_samples * n_weights(layer_sizes)


def sklearn_verdict(ratio, fraction, target=SKLEARN_TARGET, peak=PEAK_TARGET):
    """PASS (True) if skmlp is ``target`` times faster or reaches ``peak``."""
    return bool(ratio >= target or fraction >= peak)


def torch_verdict(ratio):
    """PASS (True) if skmlp is no slower than PyTorch; None if torch did not run."""
    return None if ratio is None else bool(ratio >= TORCH_TARGET)


# ---------------------------------------------------------------- results


@dataclass
class Fit:
    seconds: float  # wall time of the whole fit
    cpu: float  # CPU time of this process (all threads) during the fit
    load: float  # cores used by other processes during the fit
    n_iter: int  # epochs run


@dataclass
class Result:
    cell: Cell
    repeats: int
    per_epoch: dict  # library -> median wall seconds per epoch
    per_fit: dict  # library -> median wall seconds per fit
    cpu: dict  # library -> median CPU seconds per epoch
    n_iter: dict  # library -> epochs of the first fit used
    n_iter_match: bool  # skmlp's n_iter_ == scikit-learn's in every fit used
    load: float  # worst background load among the rounds used, in cores
    flops: float  # per epoch
    peak: float  # matrix-multiply GFLOP/s of the cell's dtype

    def ratio(self, lib):
        """A peer's seconds per epoch over skmlp's (None if it did not run)."""
        if lib not in self.per_epoch:
            return None
        return self.per_epoch[lib] / self.per_epoch["skmlp"]

    def fraction(self, lib):
        """The fraction of the matrix-multiply peak a library reached."""
        if lib not in self.per_epoch:
            return None
        return self.flops / self.per_epoch[lib] / (self.peak * 1e9)

    @property
    def cpu_ratio(self):
        return self.cpu["sklearn"] / self.cpu["skmlp"]

    @property
    def sklearn_pass(self):
        return sklearn_verdict(
            self.ratio("sklearn"), self.fraction("skmlp"), self.cell.sklearn_target
        )

    @property
    def torch_pass(self):
        return torch_verdict(self.ratio("torch"))

    def failures(self):
        """Why this cell fails its targets (empty if it meets them all)."""
        reasons = []
        if not self.sklearn_pass:
            reasons.append(
                f"vs sklearn {self.ratio('sklearn'):.2f}x < "
                f"{self.cell.sklearn_target:g}x and "
                f"{self.fraction('skmlp'):.0%} of peak < {PEAK_TARGET:.0%}"
            )
        if self.torch_pass is False:
            reasons.append(f"vs torch {self.ratio('torch'):.2f}x < {TORCH_TARGET:g}x")
        if not self.n_iter_match:
            reasons.append(
                f"n_iter_ skmlp {self.n_iter['skmlp']} != "
                f"sklearn {self.n_iter['sklearn']}"
            )
        return reasons


# ------------------------------------------------------------------ options


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="only (64,) and (256, 256), batch 32 and 200, adam, plus iris and "
        "digits; half the epochs of the per-cell table, 1 repeat "
        f"({QUICK_SMALL_REPEATS} for iris and digits)",
    )
    p.add_argument(
        "--cells",
        action="append",
        default=[],
        metavar="SUBSTRING",
        help="keep only cells whose name contains SUBSTRING (repeatable: any "
        "match); names look like 'adam h=256x256 b=32 float64', "
        f"'{IRIS.name}', '{DIGITS.name}'",
    )
    p.add_argument("--repeats", type=int, default=3, help="fits per library")
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
        help="epochs per fit for every cell but iris, which runs to "
        "convergence; None: the per-cell table",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        help="limit BLAS/OpenMP threads with threadpoolctl, and PyTorch's with "
        "torch.set_num_threads (None: unchanged)",
    )
    p.add_argument(
        "--no-torch",
        action="store_true",
        help="do not run the PyTorch loop even if torch is installed",
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
        help="before each round of fits, wait up to SECONDS for the background "
        "load to drop below --max-load",
    )
    p.add_argument(
        "--retries",
        type=int,
        default=0,
        help="extra rounds of fits to try in a cell when a round ran while "
        "other processes used more than --max-load cores",
    )
    p.add_argument("--n-samples", type=int, default=20000, help=argparse.SUPPRESS)
    p.add_argument("--peak-size", type=int, default=2048, help=argparse.SUPPRESS)
    p.add_argument("--out", type=Path, default=None, help="also write Markdown here")
    args = p.parse_args(argv)
    if args.quick:
        args.repeats = 1
        args.slow_repeats = 1
    return args


def select_cells(args):
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
    cells += [IRIS, DIGITS]
    if args.cells:
        cells = [c for c in cells if any(sub in c.name for sub in args.cells)]
    return cells


def cell_epochs(cell, args):
    """Fixed epochs per fit, or None for a fit to convergence."""
    if cell.to_convergence:
        return None
    if args.epochs:
        return args.epochs
    epochs = EPOCHS[(cell.hidden, cell.batch)]
    return max(1, epochs // 2) if args.quick else epochs


def cell_repeats(cell, args):
    if (cell.hidden, cell.batch) in SLOW:
        return args.slow_repeats
    if args.quick and cell.dataset != "synthetic":
        return QUICK_SMALL_REPEATS
    return args.repeats


# --------------------------------------------------------------------- data


def load_dataset(name, n_samples):
    """{"float64": X, "float32": X, "y": y} for "synthetic", "iris", "digits"."""
    if name == "synthetic":
        X, y = _machine.synthetic_data(n_samples)
    elif name == "iris":
        X, y = load_iris(return_X_y=True)
        X, _, y, _ = train_test_split(X, y, test_size=0.2, random_state=42)
    elif name == "digits":
        X, y = load_digits(return_X_y=True)
        X = X / 16.0
    else:
        raise ValueError(f"unknown dataset {name!r}")
    return {
        "float64": np.ascontiguousarray(X, dtype=np.float64),
        "float32": np.ascontiguousarray(X, dtype=np.float32),
        "y": y,
    }


def layer_sizes(cell, X, y):
    n_classes = len(np.unique(y))
    return [X.shape[1], *cell.hidden, 1 if n_classes == 2 else n_classes]


def make_params(cell, epochs):
    if cell.dataset == "iris":
        # The README example, verbatim: default solver and batch size.
        return dict(
            hidden_layer_sizes=(10, 10), max_iter=1000, alpha=0.001, random_state=42
        )
    params = dict(
        hidden_layer_sizes=cell.hidden,
        solver=cell.solver,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=10**9,
        random_state=0,
    )
    if cell.dataset == "synthetic":
        params.update(batch_size=cell.batch, shuffle=True)
    return params


# ------------------------------------------------------------------ PyTorch


def import_torch(disabled):
    """(the torch module or None, a line for the machine info)."""
    if disabled:
        return None, "torch: not run (--no-torch)"
    try:
        import torch
    except ImportError:
        return None, "torch: not installed, not run"
    return torch, (
        f"torch {torch.__version__}, {torch.get_num_threads()} threads "
        "(torch.get_num_threads())"
    )


def train_torch(torch, X, y, hidden, solver, batch_size, alpha, epochs, seed=0):
    """The plain PyTorch loop equivalent to a scikit-learn fit; returns the model.

    Linear + ReLU layers and a final Linear, cross-entropy (mean over the
    batch), Adam or Nesterov SGD with scikit-learn's default hyperparameters,
    in X's dtype.  scikit-learn's L2 term adds ``alpha * W / batch_size`` to
    the weights' gradients only; here ``weight_decay=alpha / batch_size``
    applies it to the biases too, and uses the nominal batch size for the last,
    smaller batch: the same cost, which is all that matters for timing.
    """
    torch.manual_seed(seed)
    classes, codes = np.unique(y, return_inverse=True)
    X_t = torch.from_numpy(X)
    y_t = torch.from_numpy(codes.astype(np.int64))
    layers = []
    fan_in = X.shape[1]
    for units in hidden:
        layers += [torch.nn.Linear(fan_in, units), torch.nn.ReLU()]
        fan_in = units
    layers.append(torch.nn.Linear(fan_in, len(classes)))
    model = torch.nn.Sequential(*layers).to(X_t.dtype)
    loss_fn = torch.nn.CrossEntropyLoss()
    if solver == "adam":
        optimizer = torch.optim.Adam(
            model.parameters(),
            lr=1e-3,
            betas=(0.9, 0.999),
            eps=1e-8,
            weight_decay=alpha / batch_size,
        )
    elif solver == "sgd":
        optimizer = torch.optim.SGD(
            model.parameters(),
            lr=1e-3,
            momentum=0.9,
            nesterov=True,
            weight_decay=alpha / batch_size,
        )
    else:
        raise ValueError(f"no PyTorch loop for solver {solver!r}")
    n = len(X_t)
    for _ in range(epochs):
        perm = torch.randperm(n)
        for start in range(0, n, batch_size):
            idx = perm[start : start + batch_size]
            xb = X_t[idx]
            yb = y_t[idx]
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
    return model


# ------------------------------------------------------------------ timing


def fit_estimator(cls, params, X, y):
    time.sleep(SETTLE_SECONDS)
    est = cls(**params)
    est, seconds, cpu, load = _machine.timed(lambda: est.fit(X, y))
    return Fit(seconds, cpu, load, est.n_iter_)


def fit_torch(torch, cell, X, y, batch_size, alpha, epochs):
    time.sleep(SETTLE_SECONDS)
    _, seconds, cpu, load = _machine.timed(
        lambda: train_torch(
            torch, X, y, cell.hidden, cell.solver, batch_size, alpha, epochs
        )
    )
    return Fit(seconds, cpu, load, epochs)


def run_cell(cell, data, epochs, repeats, args, torch):
    """Alternate skmlp, scikit-learn (and PyTorch) fits until ``repeats`` clean
    rounds; return the rounds used, least loaded first.

    A round is clean when the background load stayed at most ``--max-load``
    during all its fits; up to ``--retries`` extra rounds are tried, and if too
    few were clean the least loaded ones are used.  PyTorch runs as many epochs
    as scikit-learn's fit of the same round.
    """
    X, y = data[cell.dtype], data["y"]
    params = make_params(cell, epochs)
    alpha = params.get("alpha", 1e-4)
    batch_size = params.get("batch_size", min(200, len(X)))
    rounds = []
    for _ in range(repeats + args.retries):
        if args.wait_idle > 0:
            _machine.wait_for_idle(args.max_load, args.wait_idle)
        fits = {
            "skmlp": fit_estimator(MLPClassifier, params, X, y),
            "sklearn": fit_estimator(SkMLPClassifier, params, X, y),
        }
        if torch is not None:
            fits["torch"] = fit_torch(
                torch, cell, X, y, batch_size, alpha, fits["sklearn"].n_iter
            )
        for lib in ("skmlp", "sklearn"):
            if epochs is not None and fits[lib].n_iter != epochs:
                raise RuntimeError(
                    f"{lib} ran {fits[lib].n_iter} epochs in cell {cell.name}, "
                    f"expected {epochs}"
                )
        load = max((f.load for f in fits.values()), key=_machine.load_sort_key)
        rounds.append((load, fits))
        if sum(1 for r in rounds if r[0] <= args.max_load) >= repeats:
            break
    rounds.sort(key=lambda r: _machine.load_sort_key(r[0]))
    return rounds[:repeats]


def summarize_cell(cell, rounds, sizes, n_samples, peak):
    libs = [lib for lib in LIBS if lib in rounds[0][1]]

    def median(lib, value):
        return statistics.median(value(fits[lib]) for _, fits in rounds)

    return Result(
        cell=cell,
        repeats=len(rounds),
        per_epoch={lib: median(lib, lambda f: f.seconds / f.n_iter) for lib in libs},
        per_fit={lib: median(lib, lambda f: f.seconds) for lib in libs},
        cpu={lib: median(lib, lambda f: f.cpu / f.n_iter) for lib in libs},
        n_iter={lib: rounds[0][1][lib].n_iter for lib in libs},
        n_iter_match=all(
            fits["skmlp"].n_iter == fits["sklearn"].n_iter for _, fits in rounds
        ),
        load=rounds[-1][0],
        flops=flops_per_epoch(n_samples, sizes),
        peak=peak,
    )


def warm_up(torch):
    """Tiny fits of each library, so imports and first calls are paid."""
    X, y = _machine.synthetic_data(500)
    for dtype in DTYPES:
        Xd = X.astype(dtype)
        for cls in (MLPClassifier, SkMLPClassifier):
            cls(hidden_layer_sizes=(16,), max_iter=2, random_state=0).fit(Xd, y)
        if torch is not None:
            for solver in SOLVERS:
                train_torch(torch, Xd, y, (16,), solver, 100, 1e-4, 2)


# ------------------------------------------------------------------ output


def _pct(fraction):
    return "-" if fraction is None else f"{100 * fraction:.1f}%"


def _x(ratio):
    return "-" if ratio is None else f"{ratio:.2f}x"


def _secs(seconds):
    return "-" if seconds is None else f"{seconds:.4g}"


def _sklearn_column(r):
    if r.ratio("sklearn") >= r.cell.sklearn_target:
        return f"PASS ({r.cell.sklearn_target:g}x)"
    if r.sklearn_pass:
        return f"PASS ({PEAK_TARGET:.0%} peak)"
    return f"FAIL ({r.cell.sklearn_target:g}x)"


def _torch_column(r):
    return {None: "-", True: "PASS", False: "FAIL"}[r.torch_pass]


def _epochs_column(r):
    if r.cell.to_convergence:
        return f"{r.n_iter['skmlp']} conv x {r.repeats}"
    return f"{r.n_iter['skmlp']} x {r.repeats}"


def _flags(r, max_load):
    flags = []
    if r.ratio("sklearn") < 1:
        flags.append("SKMLP SLOWER")
    if not r.n_iter_match:
        flags.append("N_ITER MISMATCH")
    if not r.load <= max_load:
        flags.append("busy machine")
    return ", ".join(flags)


TABLE_HEADER = [
    "cell",
    "epochs x reps",
    "skmlp s/epoch",
    "sklearn s/epoch",
    "torch s/epoch",
    "sklearn/skmlp",
    "torch/skmlp",
    "skmlp %peak",
    "sklearn %peak",
    "torch %peak",
    "peak GFLOP/s",
    "cpu sklearn/skmlp",
    "bg load",
    "vs sklearn",
    "vs torch",
    "flag",
]


def format_table(results, max_load, markdown=False):
    rows = [
        [
            r.cell.name,
            _epochs_column(r),
            *(_secs(r.per_epoch.get(lib)) for lib in LIBS),
            _x(r.ratio("sklearn")),
            _x(r.ratio("torch")),
            *(_pct(r.fraction(lib)) for lib in LIBS),
            f"{r.peak:.0f}",
            _x(r.cpu_ratio),
            f"{r.load:.2f}",
            _sklearn_column(r),
            _torch_column(r),
            _flags(r, max_load),
        ]
        for r in results
    ]
    align = ["<"] + [">"] * (len(TABLE_HEADER) - 4) + ["<"] * 3
    return _machine.format_table(TABLE_HEADER, rows, align, markdown)


def format_fit_table(results, markdown=False):
    """Whole fits of the cells run to convergence (iris), or '' if none ran."""
    results = [r for r in results if r.cell.to_convergence]
    if not results:
        return ""
    header = [
        "cell (whole fit)",
        "n_iter_ skmlp",
        "n_iter_ sklearn",
        "match",
        "skmlp s/fit",
        "sklearn s/fit",
        "torch s/fit",
        "sklearn/skmlp",
        "torch/skmlp",
    ]
    rows = []
    for r in results:
        fit = r.per_fit
        rows.append(
            [
                r.cell.name,
                r.n_iter["skmlp"],
                r.n_iter["sklearn"],
                "yes" if r.n_iter_match else "NO",
                *(_secs(fit.get(lib)) for lib in LIBS),
                _x(fit["sklearn"] / fit["skmlp"]),
                _x(fit["torch"] / fit["skmlp"] if "torch" in fit else None),
            ]
        )
    return _machine.format_table(header, rows, markdown=markdown)


def summary(results, max_load, torch_note):
    """Summary lines: per target the cells that pass, then the failing cells."""
    if not results:
        return ["no cells run"]
    n = len(results)
    lines = [
        "targets (columns 'vs sklearn' and 'vs torch'):",
        f"  vs sklearn: every cell at least {SKLEARN_TARGET:g}x faster than "
        f"scikit-learn, or at least {PEAK_TARGET:.0%} of the measured "
        f"matrix-multiply peak where {SKLEARN_TARGET:g}x would need more than "
        "that; "
        + ", ".join(f"{k} at least {v:g}x" for k, v in DATASET_TARGETS.items())
        + f": {sum(r.sklearn_pass for r in results)}/{n} cells PASS",
    ]
    with_torch = [r for r in results if r.torch_pass is not None]
    if with_torch:
        lines.append(
            "  vs torch: no slower than the PyTorch loop at the same dtype "
            f"(torch/skmlp >= {TORCH_TARGET:g}): "
            f"{sum(r.torch_pass for r in with_torch)}/{len(with_torch)} cells PASS"
        )
    else:
        lines.append(f"  vs torch: not measured ({torch_note})")
    for r in results:
        if r.cell.dataset in DATASET_TARGETS:
            lines.append(
                f"  {r.cell.dataset} at least {r.cell.sklearn_target:g}x "
                f"scikit-learn: {'PASS' if r.sklearn_pass else 'FAIL'} "
                f"({r.ratio('sklearn'):.2f}x)"
            )
    ratios = [r.ratio("sklearn") for r in results]
    geo = float(np.exp(np.mean(np.log(ratios))))
    lines.append(
        f"speedup sklearn/skmlp: geometric mean {geo:.2f}x, "
        f"min {min(ratios):.2f}x, max {max(ratios):.2f}x over {n} cells"
    )
    if with_torch:
        t = [r.ratio("torch") for r in with_torch]
        geo = float(np.exp(np.mean(np.log(t))))
        lines.append(
            f"speedup torch/skmlp: geometric mean {geo:.2f}x, "
            f"min {min(t):.2f}x, max {max(t):.2f}x over {len(t)} cells"
        )
    failing = [(r, r.failures()) for r in results if r.failures()]
    if failing:
        lines.append(f"failing cells ({len(failing)}/{n}):")
        lines += [f"  {r.cell.name}: {'; '.join(why)}" for r, why in failing]
    else:
        lines.append(f"failing cells: none (all {n} cells meet every target)")
    busy = [r.cell.name for r in results if not r.load <= max_load]
    if busy:
        lines.append(
            f"WARNING: {len(busy)} cell(s) measured while other processes used "
            f"more than {max_load} cores: " + ", ".join(busy)
        )
    return lines


def _markdown_item(line):
    """A summary line as a Markdown list item, nested if it is indented."""
    stripped = line.lstrip()
    return ("  " if stripped != line else "") + "- " + stripped


def main(argv=None):
    """Run the benchmark; return the list of ``Result``."""
    args = parse_args(argv)
    cells = select_cells(args)
    if not cells:
        sys.exit("no cell matches --cells")
    torch, torch_note = import_torch(args.no_torch)
    if torch is not None and args.threads is not None:
        torch.set_num_threads(args.threads)
        torch_note += f", set to {args.threads}"
    info = [*_machine.machine_info(), torch_note]
    if args.threads is not None:
        info.append(f"threads limited to {args.threads} with threadpoolctl")
    print("\n".join(info), flush=True)

    names = list(dict.fromkeys(c.dataset for c in cells))
    data = {name: load_dataset(name, args.n_samples) for name in names}
    data_lines = []
    for name in names:
        X, y = data[name]["float64"], data[name]["y"]
        data_lines.append(
            f"data {name}: {X.shape[0]} x {X.shape[1]}, {len(np.unique(y))} classes"
        )
    print("\n".join(data_lines), flush=True)

    results = []
    started = time.perf_counter()
    with warnings.catch_warnings(), _machine.thread_limits(args.threads):
        warnings.simplefilter("ignore", ConvergenceWarning)
        warm_up(torch)
        peaks = _machine.matmul_peak(DTYPES, n=args.peak_size)
        peak_line = (
            f"matrix-multiply peak ({args.peak_size}x{args.peak_size} A @ B, "
            "median of 5 after a warm-up) at the start: "
            + ", ".join(f"{d} {peaks[d]:.1f} GFLOP/s" for d in DTYPES)
        )
        print(f"{peak_line}\n{len(cells)} cells\n", flush=True)
        for i, cell in enumerate(cells, 1):
            d = data[cell.dataset]
            before = _machine.matmul_peak([cell.dtype], args.peak_size, 3)
            rounds = run_cell(
                cell,
                d,
                cell_epochs(cell, args),
                cell_repeats(cell, args),
                args,
                torch,
            )
            r = summarize_cell(
                cell,
                rounds,
                layer_sizes(cell, d["float64"], d["y"]),
                len(d["y"]),
                max(
                    before[cell.dtype],
                    _machine.matmul_peak([cell.dtype], args.peak_size, 3)[cell.dtype],
                ),
            )
            results.append(r)
            flags = _flags(r, args.max_load)
            print(
                f"[{i}/{len(cells)} {time.perf_counter() - started:6.0f}s] "
                f"{cell.name}: "
                + "  ".join(
                    f"{lib} {_secs(r.per_epoch[lib])}"
                    for lib in LIBS
                    if lib in r.per_epoch
                )
                + f" s/epoch  sklearn/skmlp {_x(r.ratio('sklearn'))}"
                + f"  torch/skmlp {_x(r.ratio('torch'))}"
                + f"  skmlp {_pct(r.fraction('skmlp'))} of peak"
                + f"  bg load {r.load:.2f}"
                + (f"  <-- {flags}" if flags else ""),
                flush=True,
            )

    fit_table = format_fit_table(results)
    lines = summary(results, args.max_load, torch_note)
    print()
    print(format_table(results, args.max_load))
    if fit_table:
        print()
        print(fit_table)
    print()
    print("\n".join(lines))
    print(f"total {time.perf_counter() - started:.0f} s")
    if args.out is not None:
        notes = (
            "median of alternating fits (skmlp, scikit-learn, PyTorch); "
            "X/skmlp = X's seconds per epoch over skmlp's (>1: skmlp faster); "
            "%peak: 6 x samples x weights flops per epoch over the cell's "
            "matrix-multiply peak (peak GFLOP/s: the larger of the peaks "
            "measured right before and right after the cell); cpu: the sklearn "
            "ratio with CPU time of all threads; bg load: cores used by other "
            "processes during the fits (worst round used)"
        )
        blocks = [format_table(results, args.max_load, markdown=True)]
        if fit_table:
            blocks.append(format_fit_table(results, markdown=True))
        blocks.append("\n".join(_markdown_item(line) for line in lines))
        _machine.write_markdown(
            args.out,
            "skmlp vs scikit-learn and PyTorch MLP training: seconds per epoch",
            [*info, peak_line, *data_lines, notes],
            blocks,
        )
        print(f"wrote {args.out}")
    return results


if __name__ == "__main__":
    main()
