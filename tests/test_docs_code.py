"""Every ```python block in README.md and docs/*.md runs as written, on its own.

Each block runs in a fresh namespace with nothing from the blocks before it:
a block of plain code is executed; a block written as a doctest (``>>>``
prompts) is run by :mod:`doctest`, so its printed output is checked too.
(pytest's ``--doctest-glob=*.md`` also runs each file's doctests, but in one
namespace per file, where a block may lean on an earlier one.)
"""

import doctest
import importlib.util
import re
from pathlib import Path

import matplotlib
import pytest

ROOT = Path(__file__).resolve().parent.parent
FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Blocks that train the compression page's (256, 256) teacher on digits (tens
# of seconds each; CI runs them).
SLOW = {
    "docs/compression.md:61",
    "docs/compression.md:97",
    "docs/compression.md:148",
    "docs/compression.md:218",
}
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)
IMPORT = re.compile(r"^(?:>>> )?(?:import|from) (\w+)", re.MULTILINE)
# Packages of skmlp's optional extras: a block that imports one runs where
# the extra is installed (CI's later steps), and is skipped where it is not.
OPTIONAL = {
    "dask": "dask",
    "distributed": "dask",
    "skl2onnx": "onnx",
    "onnxruntime": "onnx",
    "skops": "deploy",
}


def _blocks():
    for path in FILES:
        text = path.read_text()
        for match in BLOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            name = f"{path.relative_to(ROOT)}:{line}"
            marks = pytest.mark.slow if name in SLOW else []
            yield pytest.param(match.group(1), name, id=name, marks=marks)


BLOCKS = list(_blocks())


def test_there_are_blocks():
    assert len(BLOCKS) > 10


@pytest.mark.parametrize(("code", "name"), BLOCKS)
def test_block_runs_on_its_own(code, name, tmp_path, monkeypatch):
    for package in set(IMPORT.findall(code)) & set(OPTIONAL):
        if importlib.util.find_spec(package) is None:
            pytest.skip(f"needs skmlp[{OPTIONAL[package]}] ({package})")
    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)  # a block may write files
    if ">>>" in code:
        test = doctest.DocTestParser().get_doctest(code, {}, name, name, 0)
        runner = doctest.DocTestRunner(
            optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
        )
        runner.run(test)
        assert runner.failures == 0, f"{name}: {runner.failures} failing example(s)"
    else:
        exec(compile(code, name, "exec"), {"__name__": "__docs__"})
