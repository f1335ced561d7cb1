"""The examples run: each one's ``main`` on a tiny setting, checking its output."""

import importlib.util
from pathlib import Path

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
