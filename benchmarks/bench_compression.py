"""skmlp.compression on digits: every method against its teacher, and the targets.

Digits standardized, float32, split 70/30; the teacher MLPClassifier((256,
256), max_iter=300, random_state=0); "tune": trained further on the training
part.  Per row: test accuracy, its difference to the teacher's in points;
parameters stored, over the teacher's; ``pickle.dumps`` length, and as "size"
over the teacher's weights and biases at 4 bytes each; ``predict`` on 10,000
rows tiled from the test set (the fastest of ``--repeats`` rounds, each
timing every model once), the teacher's time over it; seconds to make the
model (the teacher: its fit); epochs (``n_iter_``: the fit's, the
fine-tuning's, or the teacher's for a model only re-encoded); the issue's
target.

Usage::

    python benchmarks/bench_compression.py --out compression.md  # about a minute
    python benchmarks/bench_compression.py --quick  # tiny settings, seconds
"""

from __future__ import annotations

import operator
import warnings
from functools import partial

import _common
import numpy as np
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import skmlp
from skmlp import MLPClassifier
from skmlp.compression import distill, low_rank, prune, quantize, report, share_weights

# Row name -> targets, (figure, comparison, bound): "drop" is the teacher's
# accuracy minus the row's in points; "size", "params" ratios to the teacher.
TARGETS = {
    "teacher": [],
    "prune(0.9) + tune": [("drop", "<=", 1)],
    "prune(0.95) + tune": [("drop", "<=", 1)],
    "prune(0.5, structured) + tune": [("drop", "<=", 1), ("speed-up", ">=", 1.5)],
    "quantize(bits=8)": [("drop", "<=", 0.5), ("size", "<=", 0.3)],
    "quantize(bits=4)": [("drop", "<=", 2), ("size", "<=", 0.2)],
    "low_rank(energy=0.9)": [("drop", "<=", 2), ("params", "<", 1)],
    "low_rank(energy=1.0)": [("same predictions", "==", True)],
    "share_weights(16)": [("drop", "<=", 1)],
    "distill into student": [("drop", "<=", 2), ("params", "<=", 0.1)],
    "prune(0.95) > share(16) > quantize(8)": [("drop", "<=", 1), ("size", "<=", 0.05)],
    # Rows docs/compression.md quotes beyond the targets.
    "prune(0.9) > share(16) > quantize(8)": [],
    "share_weights(4)": [],
    "group(0.1) > prune(0, structured)": [],
    "prune(0.9), no tuning": [],
    "prune(0.9) + tune, max_iter=5": [],
    "prune(0.9) + tune, max_iter=20": [],
    "prune(0.95), no tuning": [],
    "prune(0.95) + tune, max_iter=5": [],
    "prune(0.95) + tune, max_iter=20": [],
    "teacher, early_stopping": [],
    "student on labels alone": [],
}
OPS = {"<=": operator.le, "<": operator.lt, ">=": operator.ge, "==": operator.eq}


def parse_args(argv=None):
    p = _common.parser(__doc__)
    p.add_argument("--quick", action="store_true", help="tiny teacher, 5 epochs")
    p.add_argument("--hidden", type=int, nargs="+", default=[256, 256])
    p.add_argument("--student", type=int, nargs="+", default=[32])
    p.add_argument("--max-iter", type=int, default=300, help="teacher and student")
    p.add_argument("--rows", type=int, default=10_000, help="rows to predict on")
    p.add_argument("--repeats", type=int, default=20, help="predict timings")
    args = p.parse_args(argv)
    if args.quick:
        args.hidden, args.student, args.max_iter = [16, 16], [4], 5
        args.rows, args.repeats = 1000, 2
    return args


def load_data():
    """Standardized digits in float32, split 70/30 (``random_state=0``)."""
    X, y = load_digits(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=0)
    scaler = StandardScaler().fit(Xtr)
    return *(scaler.transform(X).astype(np.float32) for X in (Xtr, Xte)), ytr, yte


def builders(teacher, X, y, args):
    """Row name -> a function making that row's model from the teacher."""
    tuned = partial(prune, teacher, X=X, y=y)  # pruned, then trained further
    student = MLPClassifier(tuple(args.student), max_iter=args.max_iter, random_state=0)
    return {
        "teacher": lambda: teacher,
        "prune(0.9) + tune": lambda: tuned(0.9),
        "prune(0.95) + tune": lambda: tuned(0.95),
        "prune(0.5, structured) + tune": lambda: tuned(0.5, structured=True),
        "quantize(bits=8)": lambda: quantize(teacher, bits=8),
        "quantize(bits=4)": lambda: quantize(teacher, bits=4),
        "low_rank(energy=0.9)": lambda: low_rank(teacher, energy=0.9),
        "low_rank(energy=1.0)": lambda: low_rank(teacher, energy=1.0),
        "share_weights(16)": lambda: share_weights(teacher, 16),
        "distill into student": lambda: distill(teacher, student, X, y, temperature=2),
        "prune(0.95) > share(16) > quantize(8)": lambda: quantize(
            share_weights(tuned(0.95), 16), bits=8
        ),
        "prune(0.9) > share(16) > quantize(8)": lambda: quantize(
            share_weights(tuned(0.9), 16), bits=8
        ),
        "share_weights(4)": lambda: share_weights(teacher, 4),
        "group(0.1) > prune(0, structured)": lambda: prune(
            clone(teacher).set_params(penalty="group", alpha=0.1).fit(X, y),
            0.0,
            structured=True,
        ),
        "prune(0.9), no tuning": lambda: prune(teacher, 0.9),
        "prune(0.9) + tune, max_iter=5": lambda: tuned(0.9, max_iter=5),
        "prune(0.9) + tune, max_iter=20": lambda: tuned(0.9, max_iter=20),
        "prune(0.95), no tuning": lambda: prune(teacher, 0.95),
        "prune(0.95) + tune, max_iter=5": lambda: tuned(0.95, max_iter=5),
        "prune(0.95) + tune, max_iter=20": lambda: tuned(0.95, max_iter=20),
        "teacher, early_stopping": lambda: (
            clone(teacher).set_params(early_stopping=True).fit(X, y)
        ),
        "student on labels alone": lambda: clone(student).fit(X, y),
    }


def predict_times(models, data, args):
    """Each model's ``predict`` timings on ``args.rows`` rows, in rounds that
    time every model once (so no model gets a quieter stretch of the run)."""
    Xte = data[1]
    big = np.tile(Xte, (-(-args.rows // len(Xte)), 1))[: args.rows]
    runs = {name: [] for name in models}
    for model in models.values():
        model.predict(big)  # warm-up
    for _ in range(args.repeats):
        for name, model in models.items():
            runs[name].append(_common.timed(lambda m=model: m.predict(big))[1:])
    return runs


def measure(model, build, data, runs):
    """One row's figures: accuracy, report, timings, test predictions, and
    (seconds, other processes' CPU seconds) pairs of what was timed."""
    _, Xte, _, yte = data
    return dict(
        accuracy=model.score(Xte, yte),
        report=report(model),
        predict=min(s for s, _ in runs),
        build=build[0],
        epochs=model.n_iter_,
        labels=model.predict(Xte),
        timed=[build, *runs],
    )


def row(name, m, ref, budget):
    """One table row; ``m``, ``ref``: the row's and the teacher's figures."""
    m = dict(m, size=m["report"].pickled_bytes / budget)
    m.update(params=m["report"].ratios(ref["report"])["parameters"])
    m.update(points=100 * (m["accuracy"] - ref["accuracy"]))
    m.update(drop=-m["points"])
    m.update({"speed-up": ref["predict"] / m["predict"]})
    m["same predictions"] = bool(np.array_equal(m["labels"], ref["labels"]))
    met = all(OPS[op](m[key], bound) for key, op, bound in TARGETS[name])
    target = ", ".join(f"{k} {op} {b}" for k, op, b in TARGETS[name])
    r = m["report"]
    return [
        *(name, f"{m['accuracy']:.4f}", f"{m['points']:+.2f}", f"{r.parameters:_}"),
        *(f"{m['params']:.3f}x", f"{r.pickled_bytes:_}", f"{m['size']:.3f}x"),
        *(f"{m['predict'] * 1e3:.2f}", f"{m['speed-up']:.2f}x", f"{m['build']:.2f}"),
        str(m["epochs"]),
        *(target or "-", ("PASS" if met else "FAIL") if target else "-"),
    ]


HEADER = ["method", "test accuracy", "vs teacher (points)", "parameters"]
HEADER += ["params/teacher", "pickled bytes", "size", "predict ms"]
HEADER += ["speed-up", "build s", "epochs", "target", "result"]


def main(argv=None):
    """Run the benchmark; return the table's rows."""
    args = parse_args(argv)
    data = Xtr, _, ytr, _ = load_data()
    teacher = MLPClassifier(tuple(args.hidden), max_iter=args.max_iter, random_state=0)
    with _common.thread_limits(args.threads), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        teacher, *fit = _common.timed(lambda: teacher.fit(Xtr, ytr))
        models, builds = {}, {}
        for name, build in builders(teacher, Xtr, ytr, args).items():
            models[name], *timing = _common.timed(build)
            builds[name] = fit if models[name] is teacher else timing
        runs = predict_times(models, data, args)
        figures = {
            name: measure(model, builds[name], data, runs[name])
            for name, model in models.items()
        }
    ref, student = figures["teacher"], figures["distill into student"]
    budget = 4 * ref["report"].parameters
    info = [*_common.machine_info(), _common.skmlp_line(skmlp.__file__)]
    info.append(
        f"digits float32 70/30; teacher hidden {tuple(args.hidden)}, student "
        f"{tuple(args.student)}, max_iter={args.max_iter}; size = pickled bytes "
        f"/ {budget:_} (teacher's {ref['report'].parameters:_} weights and "
        f"biases x 4 bytes); predict on {args.rows:_} rows, best of {args.repeats}"
    )
    print("\n".join(info), flush=True)
    rows = [row(name, m, ref, budget) for name, m in figures.items()]
    same = np.array_equal(figures["low_rank(energy=1.0)"]["labels"], ref["labels"])
    timed = [t for m in figures.values() for t in m["timed"]]
    lines = [
        f"low_rank(energy=1.0) gives the teacher's test predictions: {same}",
        f"fit: teacher {fit[0]:.2f} s, {teacher.n_iter_} epochs; student by "
        f"distillation {student['build']:.2f} s, {student['epochs']} epochs",
        f"other processes' load while timing: {_common.load(timed):.2f} cores",
        f"targets met: {sum(r[-1] == 'PASS' for r in rows)} of "
        f"{sum(bool(t) for t in TARGETS.values())}",
    ]
    title = "skmlp.compression on digits: each method against the teacher"
    _common.report(title, info, HEADER, rows, lines, args.out)
    return rows


if __name__ == "__main__":
    main()
