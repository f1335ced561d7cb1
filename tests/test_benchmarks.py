"""The benchmark scripts: their pure pieces exactly, and a tiny run of each.

The runs use a few hundred samples, one epoch and small networks, so they
check what the scripts report, never how fast anything is.
"""

import importlib.util
import math
import re
import shutil
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"
TINY = "--n-samples 300 --epochs 1 --repeats 1 --peak-size 64 --no-torch".split()
SKMLP = ROOT / "skmlp" / "__init__.py"


@pytest.fixture(scope="module")
def bench():
    """The scripts, imported as ``python benchmarks/x.py`` would: with the
    benchmarks directory on sys.path (dataclasses need them registered)."""
    sys.path.insert(0, str(BENCHMARKS))
    names = ["_common", "bench_epoch", "bench_memory", "bench_optimizers"]
    names += ["bench_scaling", "bench_compression", "bench_penalties", "bench_predict"]
    names += ["bench_callbacks"]
    names += ["bench_dropout"]
    try:
        for name in names:
            spec = importlib.util.spec_from_file_location(
                name, BENCHMARKS / f"{name}.py"
            )
            sys.modules[name] = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(sys.modules[name])
        yield {name: sys.modules[name] for name in names}
    finally:
        for name in names:
            sys.modules.pop(name, None)
        sys.path.remove(str(BENCHMARKS))


def _positive_finite(x):
    return math.isfinite(x) and x > 0


def _rows(text, first, column="cell"):
    """Every plain-table row starting with ``first``, as {column: value}."""
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith(column + "  "))
    # Columns are two or more spaces apart; names and values hold single ones.
    columns = re.split(r"\s{2,}", header.strip())
    return [
        dict(zip(columns, re.split(r"\s{2,}", line.strip()), strict=False))
        for line in lines
        if line.startswith(first + "  ")
    ]


def _row(text, first, column="cell"):
    """The first plain-table row starting with ``first``, as {column: value}."""
    return _rows(text, first, column)[0]


def _fit(seconds, n_iter=2, other=0.0):
    return {"seconds": seconds, "n_iter": n_iter, "other": other, "flops": 1e9}


def _result(epoch, rounds, cell=None):
    return epoch.Result(cell or epoch.Cell((64,), 32, "float64", "adam"), rounds, 10.0)


# ------------------------------------------------------------- pure pieces


def test_cells_and_plans(bench):
    epoch = bench["bench_epoch"]
    full, quick = epoch.parse_args([]), epoch.parse_args(["--quick", "--repeats", "5"])
    cells = epoch.select_cells(full)
    assert len(cells) == 2 * 3 * 3 * 2 + 2 == len({c.name for c in cells})
    assert cells[-2:] == [epoch.IRIS, epoch.DIGITS]
    assert epoch.plan(epoch.Cell((1024, 1024), 32, "float64", "sgd"), full) == (1, 1)
    assert epoch.plan(epoch.Cell((64,), 1000, "float32", "adam"), full) == (40, 3)
    assert epoch.plan(epoch.IRIS, full) == (None, 3)  # to convergence
    assert epoch.plan(epoch.DIGITS, full) == (60, 3)
    cells = epoch.select_cells(quick)
    assert len(cells) == 2 * 2 * 2 + 2 and {c.solver for c in cells} == {"adam"}
    assert epoch.plan(epoch.Cell((64,), 200, "float64", "adam"), quick) == (10, 1)
    assert epoch.plan(epoch.DIGITS, quick) == (30, 3)

    picked = epoch.parse_args(["--cells", "h=256x256 b=32 ", "--cells", "iris"])
    assert "; ".join(c.name for c in epoch.select_cells(picked)) == (
        "adam h=256x256 b=32 float64; adam h=256x256 b=32 float32; "
        f"sgd h=256x256 b=32 float64; sgd h=256x256 b=32 float32; {epoch.IRIS.name}"
    )
    assert epoch.plan(epoch.DIGITS, epoch.parse_args(["--epochs", "7"])) == (7, 3)
    with pytest.raises(SystemExit):
        epoch.parse_args(["--baseline", str(BENCHMARKS)])  # holds no skmlp/


def test_result_ratios_load_and_flags(bench):
    epoch = bench["bench_epoch"]
    r = _result(
        epoch,
        [
            {"skmlp": _fit(1), "baseline": _fit(1.2), "sklearn": _fit(3, other=4)},
            {"skmlp": _fit(3), "baseline": _fit(1.0), "sklearn": _fit(2)},
            {"skmlp": _fit(2), "baseline": _fit(2.2), "sklearn": _fit(4)},
        ],
    )
    assert r.libs == ["skmlp", "baseline", "sklearn"]
    assert r.per_epoch("skmlp") == 1.0  # the median of 0.5, 1.5, 1.0
    assert r.ratio("sklearn") == pytest.approx(1.5)
    assert r.ratio("sklearn", "baseline") == pytest.approx(1.5 / 0.6)
    assert r.ratio("baseline") == pytest.approx(0.6)
    assert r.fraction("skmlp") == pytest.approx(0.1)  # 1 GFLOP in 1 s at 10
    assert r.load == pytest.approx(4 / 5.2)  # the worst round's
    assert r.flags() == ["busy"]
    unknown = _result(epoch, [{"skmlp": _fit(1, other=math.nan), "sklearn": _fit(1)}])
    assert math.isnan(unknown.load) and unknown.flags() == []
    iris = [{"skmlp": _fit(1, 820), "sklearn": _fit(1, 815)}]
    assert _result(epoch, iris, epoch.IRIS).flags() == ["skmlp 820 sklearn 815"]


def test_table_and_summary(bench):
    epoch = bench["bench_epoch"]
    alone = _result(epoch, [{"skmlp": _fit(1), "sklearn": _fit(2)}])
    header, rows = epoch.table([alone])
    assert "|".join(header) == (
        "cell|epochs x rounds|skmlp s/epoch|sklearn s/epoch|sklearn/skmlp|"
        "skmlp %peak|peak GFLOP/s|bg load|flag"
    )
    assert (
        "|".join(rows[0]) == "adam h=64 b=32 float64|2 x 1|0.5|1|2.00x|20.0%|10|0.00|"
    )

    slow_cell = epoch.Cell((64,), 200, "float32", "sgd")
    rounds = [
        [{"skmlp": _fit(1), "baseline": _fit(b), "sklearn": _fit(2)}] for b in (1, 0.9)
    ]
    results = [_result(epoch, rounds[0]), _result(epoch, rounds[1], slow_cell)]
    header, rows = epoch.table(results)
    assert "|".join(header[2:8]) == (
        "skmlp s/epoch|baseline s/epoch|sklearn s/epoch|sklearn/skmlp|"
        "sklearn/baseline|current vs baseline"
    )
    assert rows[1][5:8] == ["2.00x", "2.22x", "0.90x"]
    lines = epoch.summary(results)
    assert (
        lines[0]
        == "sklearn/skmlp: geometric mean 2.00x, min 2.00x, max 2.00x over 2 cells"
    )
    assert lines[2].startswith("current vs baseline: geometric mean 0.95x, min 0.90x")
    assert (
        lines[3]
        == f"current more than 5% slower than the baseline in: {slow_cell.name}"
    )
    assert epoch.summary(results[:1])[-1].endswith(": no cell")


def test_a_fit_off_its_epochs_is_an_error(bench):
    epoch = bench["bench_epoch"]

    # Workers whose scikit-learn fits always run 2 epochs.
    fake = types.SimpleNamespace(
        time=lambda lib, cell, epochs: _fit(1, 2 if lib == "sklearn" else epochs)
    )
    worker = {"skmlp": fake, "peers": fake}
    fits = epoch.run_round(worker, epoch.IRIS, None, ["products"])
    assert fits["products"]["n_iter"] == 2  # as many as scikit-learn ran
    with pytest.raises(RuntimeError, match="sklearn ran 2 epochs in adam h=64 b=32"):
        epoch.run_round(worker, epoch.Cell((64,), 32, "float64", "adam"), 1, [])


def test_epoch_products_are_the_networks(bench, monkeypatch):
    # Per minibatch: a forward and a weight-gradient product per layer and a
    # backward product per hidden layer, at the network's shapes.
    epoch = bench["bench_epoch"]
    seen, matmul = [], np.matmul
    run = epoch.epoch_products(np.ones((10, 4)), (5, 6), 3, batch=4, epochs=2)
    monkeypatch.setattr(
        epoch.np,
        "matmul",
        lambda a, b, out: seen.append((a.shape, b.shape)) or matmul(a, b, out=out),
    )
    assert run() == 2
    forward = [((4, 4), (4, 5)), ((4, 5), (5, 6)), ((4, 6), (6, 3))]
    backward = [((6, 4), (4, 3)), ((4, 3), (3, 6)), ((5, 4), (4, 6)), ((4, 6), (6, 5))]
    backward.append(((4, 4), (4, 5)))  # the first layer's weight gradient
    assert seen == (forward + backward) * 3 * 2  # ceil(10 / 4) batches, 2 epochs


def test_train_torch(bench):
    torch = pytest.importorskip("torch")
    epoch = bench["bench_epoch"]
    X = np.random.default_rng(0).standard_normal((50, 4))
    for solver in ("adam", "sgd"):
        cell = epoch.Cell((8, 8), 20, "float64", solver)
        assert epoch.train_torch(torch, X, np.arange(50) % 3, cell, 2) == 2


def test_common_helpers(bench):
    common = bench["_common"]
    plain = common.format_table(["a", "bb"], [["x", "1"], ["yyy", "22"]])
    assert plain.splitlines() == ["a    bb", "---  --", "x     1", "yyy  22"]
    md = common.format_table(["a", "bb"], [["x", 1]], markdown=True)
    assert md.splitlines() == ["| a | bb |", "| --- | ---: |", "| x | 1 |"]
    assert common.load([(1.0, 0.5), (3.0, 0.5)]) == 0.25
    value, seconds, other = common.timed(lambda: 7)
    assert value == 7 and seconds >= 0 and (other >= 0 or math.isnan(other))
    assert _positive_finite(common.matmul_peak("float32", n=32, repeats=1))
    assert any(line.startswith("env: ") for line in common.machine_info())


# ------------------------------------------------------------ tiny runs


def test_bench_epoch(bench, tmp_path, capsys):
    epoch = bench["bench_epoch"]
    out, name = tmp_path / "epoch.md", "adam h=64 b=32 float32"
    cells = ["--cells", name, "--cells", "iris", "--products", "--out", str(out)]
    grid, iris = results = epoch.main([*cells, *TINY])
    text = capsys.readouterr().out
    assert [r.cell for r in results] == [
        epoch.Cell((64,), 32, "float32", "adam"),
        epoch.IRIS,
    ]
    assert grid.libs == iris.libs == ["skmlp", "sklearn", "products"]
    assert grid.rounds[0]["skmlp"]["flops"] == 6 * 300 * (100 * 64 + 64 * 10)
    assert 1 < iris.rounds[0]["skmlp"]["n_iter"] == iris.rounds[0]["sklearn"]["n_iter"]
    for r in results:
        ratios = [
            r.ratio("sklearn"),
            r.ratio("sklearn", "products"),
            r.fraction("skmlp"),
        ]
        assert all(map(_positive_finite, ratios))
    row = _row(text, name)
    assert row["epochs x rounds"] == "1 x 1"
    assert row["sklearn/skmlp"] == f"{grid.ratio('sklearn'):.2f}x"
    assert _row(text, epoch.IRIS.name)["epochs x rounds"].endswith(" conv x 1")
    assert f"current: skmlp from {SKMLP} (git " in text
    assert "threadpool: " in text and "torch not run" in text
    assert "sklearn/products: geometric mean" in text
    md = out.read_text()
    assert md.startswith("# skmlp vs scikit-learn MLP training: seconds per epoch")
    assert (
        "| cell | epochs x rounds | skmlp s/epoch |" in md
        and f"| {name} | 1 x 1 |" in md
    )


@pytest.fixture
def baseline(tmp_path):
    """A worktree of this repository's HEAD, removed afterwards."""
    git = shutil.which("git")
    if not git or subprocess.run([git, "-C", ROOT, "rev-parse"]).returncode:
        pytest.skip("needs git and a git checkout")
    path = tmp_path / "baseline"
    subprocess.run([git, "-C", ROOT, "worktree", "add", "--detach", path], check=True)
    try:
        yield path
    finally:
        subprocess.run([git, "-C", ROOT, "worktree", "remove", "--force", path])


def test_bench_epoch_against_a_baseline(bench, baseline, capsys):
    epoch = bench["bench_epoch"]
    name = "sgd h=64 b=200 float64"
    (r,) = epoch.main(["--cells", name, *TINY, "--baseline", str(baseline)])
    text = capsys.readouterr().out
    assert r.libs == ["skmlp", "baseline", "sklearn"]
    ratios = [r.ratio("baseline"), r.ratio("sklearn"), r.ratio("sklearn", "baseline")]
    assert all(map(_positive_finite, ratios))
    row = _row(text, name)
    assert row["current vs baseline"] == f"{r.ratio('baseline'):.2f}x"
    assert row["sklearn/baseline"] == f"{r.ratio('sklearn', 'baseline'):.2f}x"
    # Each worker imported its own checkout's skmlp.
    assert f"current: skmlp from {SKMLP} (git " in text
    assert f"baseline: skmlp from {baseline / 'skmlp' / '__init__.py'} (git " in text
    assert "current more than 5% slower than the baseline in: " in text


def test_bench_epoch_worker_errors(bench):
    epoch = bench["bench_epoch"]
    worker = epoch.Worker(ROOT, epoch.parse_args(TINY))
    try:
        with pytest.raises(RuntimeError, match="KeyError: 'nope'"):
            worker.time("nope", epoch.IRIS, None)
        assert worker.time("skmlp", epoch.IRIS, None)["n_iter"] > 1  # still serving
    finally:
        worker.close()
    with pytest.raises(RuntimeError, match=r"imported .*skmlp"):
        epoch.Worker(BENCHMARKS, epoch.parse_args(TINY))  # finds the installed one


def test_bench_memory(bench, tmp_path, capsys):
    out = tmp_path / "memory.md"
    argv = "--hidden 8 --n-samples 300 --epochs 1 --dtypes float32 --out".split()
    (row,) = bench["bench_memory"].main([*argv, str(out)])
    text = capsys.readouterr().out
    assert row[0] == "float32" and len(row) == 10
    assert _positive_finite(float(row[3].rstrip("x")))  # the traced ratio
    assert f"skmlp/sklearn traced peak in float32: {row[3]}" in text
    md = out.read_text()
    assert "| dtype | skmlp traced MiB | sklearn traced MiB | skmlp/sklearn |" in md


def test_bench_scaling(bench, tmp_path, capsys):
    out = tmp_path / "scaling.md"
    argv = "--sizes 600 300 --hidden 8 --repeats 2 --samples-per-fit 600 --out"
    rows, spread = bench["bench_scaling"].main([*argv.split(), str(out)])
    text = capsys.readouterr().out
    (n, per_epoch, norm, load), ref = rows  # without 100k, the largest is the ref
    assert (n, ref[0], ref[2]) == (300, 600, 1.0) and _positive_finite(per_epoch)
    assert norm == pytest.approx((per_epoch / 300) / (ref[1] / 600))
    assert spread == pytest.approx(max(norm, 1) / min(norm, 1))
    assert load >= 0 or math.isnan(load)
    assert f"largest per-sample time over the smallest: {spread:.3f}" in text
    assert (
        "| samples | s/epoch | us/epoch/sample | per sample / 600's |"
        in out.read_text()
    )


def test_bench_optimizers(bench, monkeypatch, tmp_path, capsys):
    """The table at the recommended rates and the sweep, on iris alone with
    two rates: the recommended one is the better mean accuracy (the smaller
    within 0.1 point), and Adam's gap to itself is 0."""
    script = bench["bench_optimizers"]
    monkeypatch.setattr(script, "DATASETS", {"iris": script.DATASETS["iris"]})
    monkeypatch.setattr(script, "RATES", [1e-4, 0.1])
    rows = script.main(["--seeds", "1", "--max-iter", "3"])
    assert len(rows) == len(script.OPTIMIZERS)
    assert all(row[0] == "iris" and 0 <= float(row[3]) <= 1 for row in rows)
    assert [row[6] for row in rows if row[1] == "Adam"] == ["+0.00"]
    out = tmp_path / "sweep.md"
    rows = script.main(
        ["--sweep", "--seeds", "1", "--max-iter", "3", "--out", str(out)]
    )
    for low, high in zip(rows[::2], rows[1::2]):
        better = float(high[2]) > float(low[2]) + 1e-3
        assert (low[5], high[5]) == (
            ("", "recommended") if better else ("recommended", "")
        )
    assert "| optimizer | learning rate | mean test accuracy |" in out.read_text()
    assert "fits at max_iter" in capsys.readouterr().out


def test_bench_compression(bench, tmp_path, capsys):
    """Every method's row, its numbers parsing, and the teacher as the unit."""
    script = bench["bench_compression"]
    out = tmp_path / "compression.md"
    rows = script.main(["--quick", "--repeats", "1", "--out", str(out)])
    text = capsys.readouterr().out
    assert [r[0] for r in rows] == list(script.TARGETS)
    for name in script.TARGETS:
        row = _row(text, name, "method")
        assert 0 <= float(row["test accuracy"]) <= 1
        assert math.isfinite(float(row["vs teacher (points)"]))
        assert int(row["parameters"].replace("_", "")) > 0
        assert int(row["pickled bytes"].replace("_", "")) > 0
        ratios = (row[c].rstrip("x") for c in ("params/teacher", "size", "speed-up"))
        assert all(_positive_finite(float(v)) for v in ratios)
        assert float(row["predict ms"]) > 0 and float(row["build s"]) >= 0
        targeted = bool(script.TARGETS[name])
        assert row["result"] in (("PASS", "FAIL") if targeted else ("-",))
    teacher = _row(text, "teacher", "method")
    assert teacher["vs teacher (points)"] == "+0.00"
    assert (teacher["params/teacher"], teacher["speed-up"]) == ("1.000x", "1.00x")
    assert _row(text, "low_rank(energy=1.0)", "method")["result"] == "PASS"
    assert "low_rank(energy=1.0) gives the teacher's test predictions: True" in text
    assert "threadpool: " in text and "skmlp from " in text
    assert re.search(r"targets met: \d+ of 10", text)
    assert "| method | test accuracy | vs teacher (points) |" in out.read_text()


def test_bench_penalties(bench, tmp_path, capsys):
    """A row per solver, every penalty's ratio to none and scikit-learn's
    reference (none for AdaGrad) parsing."""
    script = bench["bench_penalties"]
    out = tmp_path / "penalties.md"
    rows = script.main(["--quick", "--out", str(out)])
    text = capsys.readouterr().out
    assert [r[1] for r in rows] == script.SOLVERS
    table = _rows(text, "tiny (1 ep)")
    assert [row["solver"] for row in table] == script.SOLVERS
    for solver, row in zip(script.SOLVERS, table, strict=True):
        assert _positive_finite(float(row["none s/epoch"]))
        for penalty in script.PENALTIES[1:]:
            assert _positive_finite(float(row[f"{penalty}/none"].rstrip("x")))
        reference = [row["sklearn l2 s/epoch"], row["sklearn/none"]]
        if solver == "AdaGrad()":
            assert reference == ["-", "-"]
        else:
            assert _positive_finite(float(reference[1].rstrip("x")))
    assert re.search(r"group/none: min \d+\.\d\dx, max \d+\.\d\dx", text)
    assert "threadpool: " in text and "skmlp from " in text
    md = out.read_text()
    assert "| cell | solver | none s/epoch | l2/none | l1/none |" in md


def test_bench_callbacks(bench, tmp_path, capsys):
    """A row per solver and variant, each a time and its ratio to no
    callback, and the Markdown report."""
    pytest.importorskip("rich")
    script = bench["bench_callbacks"]
    out = tmp_path / "callbacks.md"
    rows = script.main(
        ["--epochs", "1", "--fits", "1", "--rounds", "1", "--out", str(out)]
    )
    text = capsys.readouterr().out
    cells = [f"{s} {v}" for s in script.SOLVERS for v in script.VARIANTS]
    assert [row[0] for row in rows] == cells
    for cell in cells:
        row = _row(text, cell)
        assert _positive_finite(float(row["s/fit"]))
        assert _positive_finite(float(row["vs none"]))
    assert _row(text, "adam none")["vs none"] == "1.000"
    assert "| adam ScoringMonitor |" in out.read_text()


def test_bench_dropout(bench, tmp_path, capsys):
    """A row per activation, every rate's ratio to dropout=0 parsing."""
    script = bench["bench_dropout"]
    out = tmp_path / "dropout.md"
    rows = script.main(["--quick", "--out", str(out)])
    text = capsys.readouterr().out
    assert [r[1] for r in rows] == script.ACTIVATIONS
    table = _rows(text, "tiny (1 ep)")
    assert [row["activation"] for row in table] == script.ACTIVATIONS
    for row in table:
        assert _positive_finite(float(row["dropout=0 s/epoch"]))
        for rate in script.RATES[1:]:
            assert _positive_finite(float(row[f"{rate}/0"].rstrip("x")))
    assert re.search(r"0\.2/0: min \d+\.\d\dx, max \d+\.\d\dx", text)
    md = out.read_text()
    assert "| cell | activation | dropout=0 s/epoch | 0.2/0 | 0.5/0 |" in md


def test_each_library_fits_in_its_own_worker(bench):
    """A worker that also ran the peers' fits would time its skmlp on what
    they left behind, and the baseline's worker would not."""
    epoch = bench["bench_epoch"]
    calls = {name: [] for name in ("skmlp", "baseline", "peers")}

    def worker(name):
        def time(lib, cell, epochs):
            calls[name].append(lib)
            return _fit(1, epochs or 3)

        return types.SimpleNamespace(time=time)

    workers = {name: worker(name) for name in calls}
    fits = epoch.run_round(workers, epoch.IRIS, None, ["products"], flip=True)
    assert set(fits) == {"skmlp", "baseline", "sklearn", "products"}
    assert calls == {
        "skmlp": ["skmlp"],
        "baseline": ["skmlp"],
        "peers": ["sklearn", "products"],
    }


def test_bench_predict(bench, baseline, tmp_path, capsys):
    """Every case's row with its ratios, the current skmlp against scikit-learn
    and a baseline checkout's skmlp timed in its own worker."""
    script = bench["bench_predict"]
    out = tmp_path / "predict.md"
    best = script.main(["--quick", "--baseline", str(baseline), "--out", str(out)])
    text = capsys.readouterr().out
    cases = [f"{m}, {r}" for m in script.METHODS for r in script.ROWS]
    assert list(best) == cases
    for case in cases:
        assert set(best[case]) == {"skmlp", "sklearn", "products", "baseline"}
        assert all(map(_positive_finite, best[case].values()))
        row = _row(text, case, "case")
        ratio = best[case]["sklearn"] / best[case]["skmlp"]
        assert row["sklearn/skmlp"] == f"{ratio:.2f}x"
        assert _positive_finite(float(row["baseline/skmlp"].rstrip("x")))
    assert "same predictions as sklearn: True" in text
    assert f"baseline: skmlp from {baseline / 'skmlp' / '__init__.py'}" in text
    assert "threadpool: " in text and f"skmlp from {SKMLP}" in text
    assert "| case | skmlp us | sklearn us | sklearn/skmlp | products us |" in (
        out.read_text()
    )
