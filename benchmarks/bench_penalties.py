"""What each penalty costs per epoch: skmlp's MLPClassifier with penalty None,
"l2", "l1", "elasticnet" and "group", each as a ratio to no penalty.

Per cell and solver ("sgd", "adam" and the optimizer object AdaGrad()) every
fit runs a fixed number of epochs (tol=0); the fits are interleaved over the
penalties, ``--repeats`` rounds, and a figure is the fastest round's seconds
per epoch.  scikit-learn's MLPClassifier (L2, its default) on the same cell
is the reference (it has no AdaGrad).  Cells: digits standardized, and
make_classification(20_000 x 256), both float32, batch 200.

Usage::

    python benchmarks/bench_penalties.py                # about five minutes
    python benchmarks/bench_penalties.py --quick        # tiny, checks the table
    python benchmarks/bench_penalties.py --out penalties.md
"""

from __future__ import annotations

import _common

import skmlp
from skmlp.optimizers import AdaGrad

PENALTIES = [None, "l2", "l1", "elasticnet", "group"]
SOLVERS = ["sgd", "adam", "AdaGrad()"]


def fit(lib, hidden, solver, penalty, epochs, X, y):
    """Seconds per epoch of one fit, and other processes' CPU seconds."""
    params = _common.fixed_epochs(hidden, solver, 200, epochs)
    if lib == "skmlp":
        params.update(penalty=penalty)
        if solver == "AdaGrad()":
            params.update(solver=AdaGrad())
    return _common.epoch_seconds(
        lambda: _common.estimator(lib)(**params),
        X,
        y,
        epochs,
        f"{lib} {solver} {penalty}",
    )


def measure(hidden, solver, epochs, X, y, repeats):
    """Per penalty (and "sklearn"): the fastest round's seconds per epoch,
    and the background load over all rounds."""
    runs = [("skmlp", p) for p in PENALTIES]
    if solver in ("sgd", "adam"):
        runs.append(("sklearn", "l2"))
    fits = {run: [] for run in runs}
    for _ in range(repeats):
        for lib, penalty in runs:
            fits[lib, penalty].append(fit(lib, hidden, solver, penalty, epochs, X, y))
    best = {
        p if lib == "skmlp" else lib: min(s for s, _ in f)
        for (lib, p), f in fits.items()
    }
    return best, _common.load([f for run in fits.values() for f in run])


def row(cell, solver, best, load):
    none, ref = best[None], best.get("sklearn")
    cells = [f"{best[p] / none:.2f}x" for p in PENALTIES[1:]]
    cells += [f"{ref:.4g}", f"{ref / none:.2f}x"] if ref else ["-", "-"]
    return [cell, solver, f"{none:.4g}", *cells, f"{load:.2f}"]


HEADER = ["cell", "solver", "none s/epoch", *(f"{p}/none" for p in PENALTIES[1:])]
HEADER += ["sklearn l2 s/epoch", "sklearn/none", "bg load"]


def main(argv=None):
    """Run the benchmark; return the table's rows."""
    args = _common.rounds_parser(__doc__).parse_args(argv)
    rows, info = _common.epoch_cell_rows(
        args,
        skmlp.__file__,
        "batch 200",
        lambda hidden, X, y: fit("skmlp", hidden, "adam", None, 1, X, y),
        SOLVERS,
        measure,
        row,
    )
    group = [float(r[HEADER.index("group/none")][:-1]) for r in rows]
    lines = [f"group/none: min {min(group):.2f}x, max {max(group):.2f}x"]
    title = "skmlp: seconds per epoch by penalty"
    _common.report(title, info, HEADER, rows, lines, args.out)
    return rows


if __name__ == "__main__":
    main()
