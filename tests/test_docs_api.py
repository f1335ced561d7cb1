"""docs/api/index.rst lists every public name: each module's ``__all__``."""

import ast
import importlib
import importlib.util
import re
from pathlib import Path

API = Path(__file__).resolve().parent.parent / "docs" / "api" / "index.rst"
MODULES = [
    "skmlp",
    "skmlp.optimizers",
    "skmlp.schedules",
    "skmlp.penalties",
    "skmlp.hyperparams",
    "skmlp.compression",
    "skmlp.weights",
    "skmlp.plotting",
    "skmlp.state",
    "skmlp.onnx",
    "skmlp.distributed",
]


def _listed():
    """``{module: names}`` of the autosummary tables, by ``currentmodule``."""
    listed, module = {}, None
    for line in API.read_text().splitlines():
        if match := re.match(r"\.\. currentmodule:: (\S+)", line):
            module = match.group(1)
            listed[module] = set()
        elif module and re.match(r"   [A-Za-z_]\w*$", line):
            listed[module].add(line.strip())
    return listed


def test_every_public_name_has_an_api_page():
    listed = _listed()
    assert set(listed) == set(MODULES)
    for name in MODULES:
        public = {n for n in _all(name) if n[:2] != "__"}
        assert listed[name] == public, name


def _all(module):
    """A module's ``__all__``, read from its source: skmlp.onnx cannot be
    imported without its optional extra, and its names are listed anyway."""
    spec = importlib.util.find_spec(module)
    tree = ast.parse(Path(spec.origin).read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            getattr(t, "id", None) == "__all__" for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{module} has no literal __all__")


def test_every_public_module_is_listed():
    import pkgutil

    import skmlp

    public = {
        f"skmlp.{m.name}"
        for m in pkgutil.iter_modules(skmlp.__path__)
        if not m.name.startswith("_")
    }
    # Each public module needs its section in docs/api/index.rst.
    assert public <= set(MODULES), public - set(MODULES)
