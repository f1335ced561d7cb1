"""Every ```python block in README.md and docs/*.md runs as written, on its own.

Each block runs in a fresh namespace with nothing from the blocks before it:
a block of plain code is executed; a block written as a doctest (``>>>``
prompts) is run by :mod:`doctest`, so its printed output is checked too.
(pytest's ``--doctest-glob=*.md`` also runs each file's doctests, but in one
namespace per file, where a block may lean on an earlier one.)
"""

import ast
import doctest
import importlib.util
import re
from pathlib import Path

import matplotlib
import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
# The pages: docs/*.md and the user guide's topic pages, docs/guide/*.md
# (not docs/_build or the gallery's generated pages).
FILES = [
    ROOT / "README.md",
    *sorted(DOCS.glob("*.md")),
    *sorted(DOCS.glob("guide/*.md")),
]
# Blocks that train the compression page's (256, 256) teacher on digits (tens
# of seconds each; CI runs them).  Told by what they train, not by line: line
# numbers went stale each time the page grew above its blocks.
SLOW_PAGE, SLOW_MARK = "compression.md", "(256, 256)"
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
            slow = path.name == SLOW_PAGE and SLOW_MARK in match.group(1)
            marks = pytest.mark.slow if slow else []
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


def _source(code):
    """A block's Python source: a doctest's examples, or the plain code."""
    if ">>>" not in code:
        return code
    examples = doctest.DocTestParser().get_examples(code)
    return "".join(example.source for example in examples)


def test_custom_optimizer_uses_only_public_names():
    # docs/guide/optimizers.md promises an optimizer written with skmlp's
    # public names only: nothing imported from skmlp may be private, and
    # no private attribute may be reached.
    page = DOCS / "guide" / "optimizers.md"
    blocks = [m.group(1) for m in BLOCK.finditer(page.read_text())]
    (code,) = [b for b in blocks if "(Optimizer):" in b]
    tree = ast.parse(_source(code))
    imported = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module.split(".")[0] == "skmlp":
            imported += [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Import):
            imported += [a.name for a in node.names if a.name.split(".")[0] == "skmlp"]
        elif isinstance(node, ast.Attribute):
            private = node.attr.startswith("_") and not node.attr.startswith("__")
            assert not private, f"private attribute {node.attr}"
    assert "skmlp.optimizers.Optimizer" in imported
    for name in imported:
        assert not any(part.startswith("_") for part in name.split(".")), name


LINK = re.compile(r"\]\(([^)\s]+)\)")


def _anchors(path):
    """The heading anchors of a Markdown page, as MyST makes them
    (``myst_heading_anchors``) and GitHub too."""
    text = re.sub(r"^```.*?^```", "", path.read_text(), flags=re.DOTALL | re.M)
    headings = re.findall(r"^#{1,6} (.+)$", text, flags=re.M)
    return {
        re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings
    }


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(path):
    # A page moved or a heading renamed must not leave links behind (the
    # Sphinx build does not check them: docs/conf.py silences missing
    # cross-references, for the links to files outside docs/).
    text = re.sub(r"^```.*?^```", "", path.read_text(), flags=re.DOTALL | re.M)
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target) or target.startswith("auto_examples/"):
            continue  # a URL, or the gallery, which the build generates
        file, _, anchor = target.partition("#")
        page = (path.parent / file).resolve() if file else path
        assert page.exists(), f"{path.name}: {target}"
        if anchor:
            assert anchor in _anchors(page), f"{path.name}: {target}"
