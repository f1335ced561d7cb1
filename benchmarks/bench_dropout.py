"""What dropout costs per epoch: skmlp's MLPClassifier with ``dropout`` 0.2
(and 0.5) as a ratio to ``dropout=0`` in the same run.

Per cell and hidden activation (relu, the default; tanh, whose derivative
reads the output buffer; gelu, which keeps its pre-activations) every fit
runs a fixed number of Adam epochs (tol=0); the fits are interleaved over
the rates, ``--repeats`` rounds, and a figure is the fastest round's seconds
per epoch.  Cells: digits standardized, and make_classification(20_000 x
256), both float32, batch 200.  A rate's extra work per step: drawing one
uniform number per hidden unit and row, two passes to make the scale, one
product in the forward pass and one in the backward pass per hidden layer.

Usage::

    python benchmarks/bench_dropout.py                # about five minutes
    python benchmarks/bench_dropout.py --quick        # tiny, checks the table
    python benchmarks/bench_dropout.py --out dropout.md
"""

from __future__ import annotations

import _common

import skmlp

RATES = [0.0, 0.2, 0.5]
ACTIVATIONS = ["relu", "tanh", "gelu"]


def fit(hidden, activation, rate, epochs, X, y):
    """Seconds per epoch of one fit, and other processes' CPU seconds."""
    params = _common.fixed_epochs(hidden, "adam", 200, epochs)
    params.update(activation=activation, dropout=rate)
    return _common.epoch_seconds(
        lambda: skmlp.MLPClassifier(**params), X, y, epochs, f"{activation} {rate}"
    )


def measure(hidden, activation, epochs, X, y, repeats):
    """Per rate: the fastest round's seconds per epoch, and the background
    load over all rounds."""
    fits = {rate: [] for rate in RATES}
    for _ in range(repeats):
        for rate in RATES:
            fits[rate].append(fit(hidden, activation, rate, epochs, X, y))
    best = {rate: min(s for s, _ in f) for rate, f in fits.items()}
    return best, _common.load([f for run in fits.values() for f in run])


def row(cell, activation, best, load):
    none = best[0.0]
    ratios = [f"{best[r] / none:.2f}x" for r in RATES[1:]]
    return [cell, activation, f"{none:.4g}", *ratios, f"{load:.2f}"]


HEADER = ["cell", "activation", "dropout=0 s/epoch"]
HEADER += [f"{r}/0" for r in RATES[1:]] + ["bg load"]


def main(argv=None):
    """Run the benchmark; return the table's rows."""
    args = _common.rounds_parser(__doc__).parse_args(argv)
    rows, info = _common.epoch_cell_rows(
        args,
        skmlp.__file__,
        "adam, batch 200",
        lambda hidden, X, y: fit(hidden, "relu", 0.2, 1, X, y),
        ACTIVATIONS,
        measure,
        row,
    )
    ratios = [float(r[HEADER.index("0.2/0")][:-1]) for r in rows]
    lines = [f"0.2/0: min {min(ratios):.2f}x, max {max(ratios):.2f}x"]
    title = "skmlp: seconds per epoch with dropout"
    _common.report(title, info, HEADER, rows, lines, args.out)
    return rows


if __name__ == "__main__":
    main()
