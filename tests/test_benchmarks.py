"""The benchmark scripts: their pure pieces exactly, and smoke runs of each.

The smoke runs use tiny arguments (a few hundred samples, one epoch, small
networks, no PyTorch unless a test asks for it), so they check that the
scripts run and report what they should, not how fast anything is.
"""

import argparse
import importlib.util
import math
import re
import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def _load(name):
    """Import benchmarks/<name>.py as a module (registered: dataclasses need it)."""
    spec = importlib.util.spec_from_file_location(
        f"_bench_{name}", BENCHMARKS / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench():
    """The scripts and _machine, imported as ``python benchmarks/x.py``
    would: with the benchmarks directory on sys.path."""
    added = str(BENCHMARKS) not in sys.path
    if added:
        sys.path.insert(0, str(BENCHMARKS))
    names = (
        "_machine",
        "bench_epoch",
        "bench_memory",
        "bench_scaling",
        "bench_kernels",
    )
    try:
        yield {name: _load(name) for name in names}
    finally:
        for name in names:
            sys.modules.pop(f"_bench_{name}", None)
        if added:
            sys.path.remove(str(BENCHMARKS))


def _positive_finite(x):
    return x is not None and math.isfinite(x) and x > 0


def _table_row(text, first):
    """The plain-table row whose first column is ``first``, split in columns."""
    for line in text.splitlines():
        if line.startswith(first + "  "):
            return re.split(r"\s{2,}", line.strip())
    raise AssertionError(f"no table row {first!r} in:\n{text}")


# ------------------------------------------------------------- pure pieces


def test_weights_and_flops(bench):
    epoch = bench["bench_epoch"]
    assert epoch.n_weights([100, 64, 10]) == 100 * 64 + 64 * 10 == 7040
    assert epoch.n_weights([100, 1024, 1024, 10]) == 1_161_216
    assert epoch.n_weights([4, 10, 10, 3]) == 170  # iris
    assert epoch.flops_per_epoch(20000, [100, 64, 10]) == 844_800_000
    assert epoch.flops_per_epoch(120, [4, 10, 10, 3]) == 122_400


def test_layer_sizes(bench):
    epoch = bench["bench_epoch"]
    X = np.zeros((6, 4))
    assert epoch.layer_sizes(epoch.IRIS, X, np.array([0, 1, 2, 0, 1, 2])) == [
        4,
        10,
        10,
        3,
    ]
    # Two classes: scikit-learn's single logistic output.
    assert epoch.layer_sizes(epoch.DIGITS, X, np.array([0, 1] * 3)) == [4, 100, 1]


def test_sklearn_and_torch_rules(bench):
    epoch = bench["bench_epoch"]
    assert epoch.sklearn_verdict(1.5, 0.0) is True
    assert epoch.sklearn_verdict(1.49, 0.5) is False
    assert epoch.sklearn_verdict(1.0, 0.85) is True
    assert epoch.sklearn_verdict(1.0, 0.849) is False
    assert epoch.sklearn_verdict(1.9, 0.1, target=2.0) is False
    assert epoch.sklearn_verdict(2.0, 0.1, target=2.0) is True
    assert epoch.torch_verdict(1.0) is True
    assert epoch.torch_verdict(0.99) is False
    assert epoch.torch_verdict(None) is None


def _result(epoch, cell, per_epoch, flops, peak, n_iter=(5, 5)):
    return epoch.Result(
        cell=cell,
        repeats=1,
        per_epoch=per_epoch,
        per_fit={lib: s * n_iter[0] for lib, s in per_epoch.items()},
        cpu=dict(per_epoch),
        n_iter={"skmlp": n_iter[0], "sklearn": n_iter[1], "torch": n_iter[1]},
        n_iter_match=n_iter[0] == n_iter[1],
        load=0.0,
        flops=flops,
        peak=peak,
    )


def test_result_ratios_fractions_and_verdicts(bench):
    epoch = bench["bench_epoch"]
    cell = epoch.Cell((1024, 1024), 200, "float32", "adam")
    # 8.5 GFLOP per epoch in 1 s at a 10 GFLOP/s peak: 85%, so the cell passes
    # against scikit-learn although it is only 1.4x faster; torch is faster.
    r = _result(epoch, cell, {"skmlp": 1.0, "sklearn": 1.4, "torch": 0.9}, 8.5e9, 10.0)
    assert r.ratio("sklearn") == pytest.approx(1.4)
    assert r.ratio("torch") == pytest.approx(0.9)
    assert r.fraction("skmlp") == pytest.approx(0.85)
    assert r.fraction("sklearn") == pytest.approx(0.85 / 1.4)
    assert r.sklearn_pass is True
    assert r.torch_pass is False
    assert epoch._sklearn_column(r) == "PASS (85% peak)"
    assert epoch._torch_column(r) == "FAIL"
    assert [why.split()[1] for why in r.failures()] == ["torch"]

    no_torch = _result(epoch, cell, {"skmlp": 1.0, "sklearn": 1.6}, 1e9, 10.0)
    assert no_torch.ratio("torch") is None and no_torch.torch_pass is None
    assert no_torch.failures() == []
    assert epoch._sklearn_column(no_torch) == "PASS (1.5x)"

    # iris needs 2x, and its n_iter_ must match scikit-learn's.
    iris = _result(
        epoch, epoch.IRIS, {"skmlp": 1.0, "sklearn": 1.9}, 1e3, 10.0, (820, 815)
    )
    assert iris.sklearn_pass is False
    assert epoch._sklearn_column(iris) == "FAIL (2x)"
    reasons = iris.failures()
    assert len(reasons) == 2 and "n_iter_ skmlp 820 != sklearn 815" in reasons[1]


def test_scaling_rule(bench):
    scaling = bench["bench_scaling"]
    assert scaling.spread([2.0, 2.2, 2.1]) == pytest.approx(1.1)
    assert scaling.scaling_verdict([1.0, 1.149]) is True
    assert scaling.scaling_verdict([1.151, 1.0]) is False
    assert scaling.scaling_verdict([3e-6, 3e-6 * 1.14, 3.1e-6]) is True


def test_memory_rule(bench):
    memory = bench["bench_memory"]
    assert memory.memory_verdict(0.6) is True
    assert memory.memory_verdict(0.61) is False


def test_format_table(bench):
    machine = bench["_machine"]
    plain = machine.format_table(["a", "bb"], [["x", "1"], ["yyy", "22"]])
    assert plain.splitlines() == ["a    bb", "---  --", "x     1", "yyy  22"]
    md = machine.format_table(["a", "bb"], [["x", "1"]], ["<", ">"], markdown=True)
    assert md.splitlines() == ["| a | bb |", "|---|---:|", "| x | 1 |"]


def test_matmul_peak(bench):
    peaks = bench["_machine"].matmul_peak(("float64", "float32"), n=64, repeats=1)
    assert set(peaks) == {"float64", "float32"}
    assert all(_positive_finite(v) for v in peaks.values())


# -------------------------------------------------------------- smoke runs


def test_bench_epoch_grid_cell(bench, tmp_path, capsys):
    epoch = bench["bench_epoch"]
    out = tmp_path / "epoch.md"
    name = "adam h=64 b=32 float32"
    results = epoch.main(
        [
            "--cells",
            name,
            *"--n-samples 300 --epochs 1 --repeats 1 --no-torch".split(),
            *"--peak-size 128".split(),
            "--out",
            str(out),
        ]
    )
    text = capsys.readouterr().out
    assert [r.cell.name for r in results] == [name]
    (r,) = results
    assert set(r.per_epoch) == {"skmlp", "sklearn"}
    assert r.n_iter == {"skmlp": 1, "sklearn": 1}
    assert r.flops == 6 * 300 * (100 * 64 + 64 * 10)
    assert _positive_finite(r.ratio("sklearn")) and _positive_finite(r.cpu_ratio)
    # (No upper bound: a 128 x 128 product is far from the machine's peak.)
    assert _positive_finite(r.peak)
    assert r.fraction("skmlp") == r.flops / r.per_epoch["skmlp"] / (r.peak * 1e9)

    header = _table_row(text, "cell")
    assert header[:5] == [
        "cell",
        "epochs x reps",
        "skmlp s/epoch",
        "sklearn s/epoch",
        "torch s/epoch",
    ]
    assert {"sklearn/skmlp", "torch/skmlp", "skmlp %peak", "vs sklearn"} <= set(header)
    row = _table_row(text, name)
    assert row[1] == "1 x 1"
    ratio = row[header.index("sklearn/skmlp")]
    assert ratio == f"{r.ratio('sklearn'):.2f}x"
    assert row[header.index("torch/skmlp")] == "-"
    assert row[header.index("vs sklearn")].split()[0] in {"PASS", "FAIL"}
    assert row[header.index("vs torch")] == "-"
    assert "matrix-multiply peak (128x128" in text
    assert "vs torch: not measured (torch: not run (--no-torch))" in text
    assert re.search(r"failing cells(: none| \(1/1\):)", text)

    md = out.read_text()
    assert md.startswith("# skmlp vs scikit-learn and PyTorch")
    assert "| cell | epochs x reps | skmlp s/epoch |" in md
    assert f"| {name} | 1 x 1 |" in md
    assert "- matrix-multiply peak" in md and "GFLOP/s" in md


def test_bench_epoch_iris_runs_to_convergence(bench, capsys):
    epoch = bench["bench_epoch"]
    (r,) = epoch.main(
        ["--cells", "iris", *"--repeats 1 --no-torch --peak-size 64".split()]
    )
    text = capsys.readouterr().out
    assert r.cell == epoch.IRIS
    assert r.n_iter_match and r.n_iter["skmlp"] == r.n_iter["sklearn"]
    assert 1 < r.n_iter["skmlp"] < 1000  # converged before max_iter
    for lib in ("skmlp", "sklearn"):
        assert r.per_fit[lib] / r.per_epoch[lib] == pytest.approx(r.n_iter[lib])
    assert r.flops == 6 * 120 * 170
    row = _table_row(text, "cell (whole fit)")
    assert row[1:4] == ["n_iter_ skmlp", "n_iter_ sklearn", "match"]
    whole_fit_table = text[text.index("cell (whole fit)") :]
    fit_row = _table_row(whole_fit_table, epoch.IRIS.name)
    assert fit_row[1] == fit_row[2] == str(r.n_iter["skmlp"])
    assert fit_row[3] == "yes"
    assert "iris at least 2x scikit-learn: " in text


def test_bench_epoch_checks_epochs(bench, monkeypatch, capsys):
    """A grid fit that does not run exactly the cell's epochs is an error."""
    epoch = bench["bench_epoch"]
    make_params = epoch.make_params
    monkeypatch.setattr(
        epoch, "make_params", lambda cell, n: dict(make_params(cell, n), max_iter=2)
    )
    with pytest.raises(RuntimeError, match=r"ran 2 epochs .* expected 1"):
        epoch.main(
            [
                "--cells",
                "adam h=64 b=200 float64",
                *"--n-samples 300 --epochs 1 --repeats 1 --no-torch".split(),
                *"--peak-size 64".split(),
            ]
        )


def test_bench_epoch_with_torch(bench, capsys):
    torch = pytest.importorskip("torch")
    epoch = bench["bench_epoch"]
    X = np.random.default_rng(0).standard_normal((50, 4))
    y = np.arange(50) % 3
    model = epoch.train_torch(torch, X, y, (8, 8), "sgd", 20, 1e-4, 1)
    assert model(torch.from_numpy(X)).shape == (50, 3)
    assert all(p.dtype == torch.float64 for p in model.parameters())

    # One thread: PyTorch's OpenMP threads crawl on a machine busy elsewhere.
    name = "sgd h=64 b=200 float32"
    threads = torch.get_num_threads()
    try:
        (r,) = epoch.main(
            [
                "--cells",
                name,
                *"--n-samples 300 --epochs 2 --repeats 1".split(),
                *"--peak-size 64 --threads 1".split(),
            ]
        )
    finally:
        torch.set_num_threads(threads)
    text = capsys.readouterr().out
    assert r.n_iter["torch"] == 2
    assert _positive_finite(r.ratio("torch")) and _positive_finite(r.fraction("torch"))
    assert r.torch_pass == (r.ratio("torch") >= 1)
    header = _table_row(text, "cell")
    row = _table_row(text, name)
    assert row[header.index("torch/skmlp")] == f"{r.ratio('torch'):.2f}x"
    assert row[header.index("vs torch")] in {"PASS", "FAIL"}
    assert f"torch {torch.__version__}, {threads} threads" in text
    assert ", set to 1" in text


def test_bench_memory(bench, tmp_path, capsys):
    memory = bench["bench_memory"]
    out = tmp_path / "memory.md"
    rows = memory.main(
        f"--hidden 8 --n-samples 300 --epochs 1 --dtypes float32 --out {out}".split()
    )
    text = capsys.readouterr().out
    (row,) = rows
    assert row["dtype"] == "float32"
    for lib in ("skmlp", "sklearn"):
        assert row[lib]["lib"] == lib and row[lib]["n_iter"] == 1
        assert row[lib]["traced_peak"] > 0
        assert row[lib]["data_bytes"] == 300 * 100 * 4
    assert _positive_finite(row["ratio"])
    assert row["pass"] == (row["ratio"] <= 0.6)
    table_row = _table_row(text, "float32")
    assert table_row[3] == f"{row['ratio']:.2f}x"
    assert table_row[-1] == ("PASS" if row["pass"] else "FAIL")
    assert "target: skmlp's peak memory added by fit (traced) at most 0.6x" in text
    md = out.read_text()
    assert "| dtype | skmlp MiB | sklearn MiB | skmlp/sklearn |" in md
    assert "| float32 |" in md


def test_bench_scaling(bench, tmp_path, capsys):
    scaling = bench["bench_scaling"]
    out = tmp_path / "scaling.md"
    rows, ok = scaling.main(
        f"--sizes 600,300 --hidden 8 --repeats 1 --small-repeats 2 "
        f"--samples-per-fit 600 --out {out}".split()
    )
    text = capsys.readouterr().out
    assert [(r["n"], r["repeats"]) for r in rows] == [(300, 2), (600, 2)]
    small, ref = rows  # the largest size is the reference without 100k
    assert ref["normalized"] == 1.0
    assert small["normalized"] == pytest.approx(
        (small["per_epoch"] / 300) / (ref["per_epoch"] / 600)
    )
    assert all(_positive_finite(r["per_epoch"]) for r in rows)
    assert ok == (
        max(r["normalized"] for r in rows) / min(r["normalized"] for r in rows) <= 1.15
    )
    assert _table_row(text, "300")[4] == f"{small['normalized']:.3f}"
    assert "per sample / 600's" in text
    assert re.search(r"target: time per epoch proportional to n .*: (PASS|FAIL)", text)
    md = out.read_text()
    assert "| samples | repeats | s/epoch |" in md and "| 300 | 2 |" in md


def test_bench_kernels_products_are_the_epochs(bench, monkeypatch):
    # The "products alone" an epoch is compared with are the network's: per
    # minibatch, a forward product per layer, a weight-gradient product per
    # layer, and a backward product per hidden layer, with their shapes.
    kernels = bench["bench_kernels"]
    X = np.ones((10, 4))
    seen = []
    real = np.matmul

    def matmul(a, b, out):
        seen.append((a.shape, b.shape))
        return real(a, b, out=out)

    run, count = kernels.epoch_products(X, (5, 6), 3, batch=4)
    monkeypatch.setattr(kernels.np, "matmul", matmul)
    run()
    per_batch = [
        ((4, 4), (4, 5)),
        ((4, 5), (5, 6)),
        ((4, 6), (6, 3)),
        ((6, 4), (4, 3)),
        ((4, 3), (3, 6)),
        ((5, 4), (4, 6)),
        ((4, 6), (6, 5)),
        ((4, 4), (4, 5)),
    ]
    assert count == len(per_batch) == 8
    assert seen == per_batch * 3  # ceil(10 / 4) minibatches


def test_bench_kernels_cells(bench, capsys):
    kernels = bench["bench_kernels"]
    assert kernels.parse_cell("256x256:1000:float64") == ((256, 256), 1000, "float64")
    assert kernels.parse_cell("64:32:float32") == ((64,), 32, "float32")
    for bad in ("256x256:1000", "a:1000:float64", "64:32:float99"):
        with pytest.raises(argparse.ArgumentTypeError, match="HIDDEN:BATCH:DTYPE"):
            kernels.parse_cell(bad)
    args = ["--samples", "600", "--epochs", "1", "--repeats", "1"]
    times = kernels.main([*args, "--cells", "8:200:float32", "6x5:300:float64"])
    out = capsys.readouterr().out
    assert "(8,), adam, batch 200, float32" in out
    assert "(6, 5), adam, batch 300, float64" in out
    assert out.count("of peak") == 6
    assert set(times) == {"skmlp", "scikit-learn", "8 products alone"}
    assert all(_positive_finite(t) for t in times.values())


def test_bench_kernels_runs(bench, capsys):
    kernels = bench["bench_kernels"]
    times = kernels.main(["--samples", "2000", "--epochs", "1", "--repeats", "1"])
    out = capsys.readouterr().out
    assert set(times) == {"skmlp", "scikit-learn", "8 products alone"}
    assert all(_positive_finite(t) for t in times.values())
    assert out.count("x faster") == 9
