"""Sphinx configuration: the Markdown pages (MyST), the API reference
(autosummary + numpydoc) and the gallery (sphinx-gallery, running examples/).

Build with warnings as errors::

    python -m sphinx -W --keep-going -b html docs docs/_build/html
"""

import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
# Document the skmlp next to docs/, whatever skmlp is installed.
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS))  # _scrapers

from _scrapers import PNGScraper  # noqa: E402

import skmlp  # noqa: E402

project = "skmlp"
author = "skmlp developers"
copyright = "skmlp developers"
release = version = skmlp.__version__

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = [
    "_build",
    "**.ipynb_checkpoints",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.md5",
    "auto_examples/*.json",
]
templates_path = ["_templates"]

# MyST: headings get anchors so the pages' own #links resolve.
myst_heading_anchors = 3
myst_enable_extensions = ["dollarmath"]
# The Markdown pages link to files outside docs/ (benchmarks, examples,
# tests) for readers on GitHub; those are not pages of the site.
suppress_warnings = ["myst.xref_missing"]

# API pages: one per public name, at api/generated/<module>.<Name>.html
# (the address skmlp._doc_links.DOC_LINK_TEMPLATE links the HTML repr to).
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": True}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks = set()


def _skip_metadata_requests(app, what, name, obj, skip, options):
    # scikit-learn's generated set_{fit,score,...}_request methods: their
    # docstrings point into scikit-learn's own docs (its glossary and its
    # metadata routing guide), which this site does not have.
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


_SKLEARN_ROLE = re.compile(r":(?:ref|term):`([^`<]*?)\s*(?:<[^>]*>)?`", re.DOTALL)


def _unlink_sklearn_roles(app, what, name, obj, options, lines):
    # Methods inherited from scikit-learn (score, get_params,
    # get_metadata_routing...) keep their docstrings, whose :ref: and :term:
    # targets live in scikit-learn's docs (no intersphinx here): plain text.
    module = getattr(obj, "__module__", None) or ""
    if module.startswith("sklearn"):
        # (a role may run over two lines)
        lines[:] = _SKLEARN_ROLE.sub(r"\1", "\n".join(lines)).split("\n")


def setup(app):
    app.connect("autodoc-skip-member", _skip_metadata_requests)
    app.connect("autodoc-process-docstring", _unlink_sklearn_roles)


# No network during the build: no intersphinx.

html_theme = "pydata_sphinx_theme"
html_title = f"skmlp {version}"
html_theme_options = {"navigation_with_keys": False}
html_static_path = []


sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    # Run every example (plot_* and the others), not only plot_*.
    "filename_pattern": r"/.*\.py$",
    "image_scrapers": ("matplotlib", PNGScraper()),
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "show_memory": False,
    "abort_on_example_error": True,
}
