"""The examples run: each one's ``main`` on a tiny setting, checking its output."""

import importlib.util
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _load(name):
    # No importorskip: matplotlib is in the ``test`` extra, so a missing
    # install must fail here rather than skip.
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _is_png(path):
    data = Path(path).read_bytes()
    return data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000


def test_plot_penalties_writes_its_figure(tmp_path, monkeypatch, capsys):
    example = _load("plot_penalties")
    # A tiny grid: two alphas, a few epochs (the real run takes ~20 s of CPU).
    target = tmp_path / "figure.png"
    path, models, accuracy = example.main(
        [str(target)], alphas=(0.1,), hist_alpha=1.0, max_iter=5
    )
    assert Path(path) == target
    assert _is_png(target)
    assert set(models) == {(p, a) for p in example.PENALTIES for a in (0.1, 1.0)}
    assert all(0 <= score <= 1 for score in accuracy.values())
    # L2 leaves no zeros; L1 has some after even 5 epochs at alpha=1.
    assert models["l2", 1.0].sparsity_[0] == 0
    assert models["l1", 1.0].sparsity_[0] > 0
    out = capsys.readouterr().out
    assert "Saved" in out and "elasticnet" in out

    # Without an argument the figure is penalties.png in the current directory.
    monkeypatch.chdir(tmp_path)
    path, models, _ = example.main([], alphas=(), hist_alpha=1.0, max_iter=2)
    assert Path(path) == Path("penalties.png")
    assert _is_png(tmp_path / "penalties.png")
    assert set(models) == {(p, 1.0) for p in example.PENALTIES}


def test_plot_compression_writes_its_figure(tmp_path, monkeypatch, capsys):
    example = _load("plot_compression")
    # A small teacher, a few epochs, one or two settings per method (the real
    # run takes about ten seconds).
    settings = {
        "prune + tune": [0.9],
        "quantize (bits)": [8, 4],
        "distill (units)": [4],
        "prune 0.95 > share 16 > quantize 8": [None],
    }
    target = tmp_path / "figure.png"
    path, results = example.main(
        [str(target)], hidden=(16,), max_iter=5, settings=settings
    )
    assert Path(path) == target
    assert _is_png(target)
    expected = {(m, k) for m, knobs in settings.items() for k in knobs}
    assert set(results) == expected | {("teacher", None)}
    assert all(size > 0 and 0 <= score <= 1 for size, score in results.values())
    # Pruning and quantization store less than the teacher's pickle, 4 bits
    # less than 8.
    sizes = {key: size for key, (size, _) in results.items()}
    assert sizes["quantize (bits)", 4] < sizes["quantize (bits)", 8]
    assert sizes["prune + tune", 0.9] < sizes["teacher", None]
    out = capsys.readouterr().out
    assert "Saved" in out and "quantize (bits)" in out

    # Without an argument the figure is compression.png in the current
    # directory; the default settings cover every method.
    monkeypatch.chdir(tmp_path)
    path, results = example.main([], hidden=(8,), max_iter=2)
    assert Path(path) == Path("compression.png")
    assert _is_png(tmp_path / "compression.png")
    assert {m for m, _ in results} == {"teacher", *example.SETTINGS}


def test_plot_loss_curves_writes_its_figure(tmp_path, monkeypatch, capsys):
    example = _load("plot_loss_curves")
    # A few epochs of three solvers (the real run takes a few seconds).
    solvers = {name: example.SOLVERS[name] for name in ("adam", "RMSprop()", "lbfgs")}
    target = tmp_path / "figure.png"
    path, models, accuracy = example.main([str(target)], solvers=solvers, max_iter=3)
    assert Path(path) == target
    assert _is_png(target)
    assert set(models) == set(accuracy) == set(solvers)
    assert all(0 <= score <= 1 for score in accuracy.values())
    # Early stopping scored every epoch, each of which the figure plots;
    # lbfgs has a loss per iteration and no validation score.
    stochastic = [models["adam"], models["RMSprop()"]]
    assert all(len(m.validation_scores_) == m.n_iter_ == 3 for m in stochastic)
    assert len(models["lbfgs"].loss_curve_) == models["lbfgs"].n_iter_ == 3
    assert not hasattr(models["lbfgs"], "validation_scores_")
    out = capsys.readouterr().out
    assert "Saved" in out and "RMSprop()" in out and "lbfgs" in out

    # Without an argument the figure is loss_curves.png in the current
    # directory, with every solver.
    monkeypatch.chdir(tmp_path)
    path, models, _ = example.main([], max_iter=2)
    assert Path(path) == Path("loss_curves.png")
    assert _is_png(tmp_path / "loss_curves.png")
    assert set(models) == set(example.SOLVERS)


def test_plot_dropout_writes_its_figure(tmp_path, monkeypatch, capsys):
    example = _load("plot_dropout")
    # A small network, a few epochs (the real run takes about 10 seconds).
    target = tmp_path / "figure.png"
    path, models, results = example.main(
        [str(target)], hidden=(16,), max_iter=4, n_train=50
    )
    assert Path(path) == target
    assert _is_png(target)
    assert set(models) == set(results) == set(example.RATES)
    assert all(m.dropout == rate for rate, m in models.items())
    # The test set given as X_val: one validation loss per epoch.
    assert all(len(m.validation_loss_curve_) == 4 for m in models.values())
    out = capsys.readouterr().out
    assert "Saved" in out and "min test loss" in out

    # Without an argument the figure is dropout.png in the current directory.
    monkeypatch.chdir(tmp_path)
    path, models, _ = example.main([], rates=(0.5,), hidden=(8,), max_iter=2)
    assert Path(path) == Path("dropout.png")
    assert _is_png(tmp_path / "dropout.png")
    assert set(models) == {0.5}


def test_plot_grid_search_optimizers_writes_its_figure(tmp_path, capsys):
    example = _load("plot_grid_search_optimizers")
    # Two optimizers, one rate each, a few epochs, 2 folds.
    grid = [
        {"mlp__solver": [example.SGD()], "mlp__solver__learning_rate": [0.1]},
        {"mlp__solver": [example.Adam()], "mlp__solver__learning_rate": [0.01]},
    ]
    target = tmp_path / "figure.png"
    path, search, test = example.main([str(target)], grid=grid, max_iter=3, cv=2)
    assert Path(path) == target
    assert _is_png(target)
    assert len(search.cv_results_["params"]) == 2
    assert type(search.best_params_["mlp__solver"]).__name__ in {"SGD", "Adam"}
    assert 0 <= test <= 1
    out = capsys.readouterr().out
    assert "Saved" in out and "SGD(0.1)" in out and "Adam(0.01)" in out


def test_plot_early_stopping_writes_its_figure(tmp_path, capsys):
    example = _load("plot_early_stopping")
    target = tmp_path / "figure.png"
    path, model, test = example.main([str(target)], max_iter=4)
    assert Path(path) == target
    assert _is_png(target)
    # The given validation set was watched: one loss and one score per epoch.
    assert len(model.validation_loss_curve_) == len(model.validation_scores_) == 4
    assert 0 <= test <= 1
    out = capsys.readouterr().out
    assert "Saved" in out and "test accuracy" in out


def test_plot_distributed_writes_its_figure(tmp_path, monkeypatch, capsys):
    # dask is an optional extra (skmlp[dask]): without it, nothing to run.
    pytest.importorskip("distributed")
    example = _load("plot_distributed")
    # A few iterations and one pass, on a cluster of threads (the gallery
    # starts worker processes; tests/test_distributed.py covers those).
    target = tmp_path / "figure.png"
    path, fits, accuracy = example.main(
        [str(target)], max_iter=5, passes=1, processes=False
    )
    assert Path(path) == target
    assert _is_png(target)
    assert set(fits) == set(accuracy)
    assert all(0 <= score <= 1 for score in accuracy.values())
    on_cluster, in_memory = fits["lbfgs on the cluster"], fits["lbfgs in memory"]
    assert on_cluster.n_iter_ == in_memory.n_iter_ == 5
    assert example.max_difference(on_cluster, in_memory) < 1e-10
    # stream_partial_fit is the in-memory partial_fit loop, to the bit.
    streamed, looped = fits["partial_fit streamed"], fits["partial_fit in memory"]
    assert example.max_difference(streamed, looped) == 0
    out = capsys.readouterr().out
    assert "Saved" in out and "largest weight difference" in out

    # Without an argument the figure is distributed.png in the current
    # directory.
    monkeypatch.chdir(tmp_path)
    path, _, _ = example.main([], max_iter=2, passes=1, processes=False)
    assert Path(path) == Path("distributed.png")
    assert _is_png(tmp_path / "distributed.png")
