"""docs/api/index.rst lists every public name: each module's ``__all__``."""

import importlib
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
        public = {n for n in importlib.import_module(name).__all__ if n[:2] != "__"}
        assert listed[name] == public, name


def test_every_public_module_is_listed():
    import pkgutil

    import skmlp

    public = {
        f"skmlp.{m.name}"
        for m in pkgutil.iter_modules(skmlp.__path__)
        if not m.name.startswith("_")
    }
    # Modules of the other branches (ONNX export, Dask) join the list as
    # they land; each needs its section in docs/api/index.rst.
    assert public <= set(MODULES), public - set(MODULES)
