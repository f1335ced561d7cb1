"""The package's front page and metadata agree with the repository.

README.md is also the package's description on the index, so what it points
at must exist: its links lead to files (the docs pages move, the links must
follow), it names every extra ``pyproject.toml`` defines, and its test
command is the one CI runs.  The project URLs share one repository and the
docs' address, ``skmlp._doc_links.DOCS_URL``; CHANGELOG.md has an entry for
the version.  (What the sdist holds is checked by ``.ci/run``, which builds
it.)
"""

import re
import tomllib
from pathlib import Path

import pytest

import skmlp
from skmlp._doc_links import DOCS_URL

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
TEST_COMMAND = 'python -m pip install -e ".[test]" && python -m pytest'


def test_readme_links_lead_to_files():
    targets = re.findall(r"\]\(([^)\s]+)\)", README)
    local = [t.split("#")[0] for t in targets if "://" not in t and t[0] != "#"]
    assert len(local) > 5
    assert [t for t in local if not (ROOT / t).exists()] == []


def test_readme_names_every_extra():
    extras = PROJECT["optional-dependencies"]
    assert [e for e in extras if f"`skmlp[{e}]`" not in README] == []


def test_readme_test_command_is_cis():
    assert f"\n{TEST_COMMAND}\n" in README
    ci = ROOT / ".ci" / "run"
    if not ci.exists():  # the sdist holds no .ci/
        pytest.skip("no .ci/run here")
    assert f"\n{TEST_COMMAND}\n" in ci.read_text()


def test_project_urls():
    urls = PROJECT["urls"]
    assert DOCS_URL.startswith(urls["Documentation"])
    assert urls["Documentation"] in README
    for name in ("Issues", "Changelog"):
        assert urls[name].startswith(urls["Source"] + "/")
    assert urls["Changelog"].endswith("/CHANGELOG.md")


def test_changelog_has_the_version():
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert f"\n## [{skmlp.__version__}] - " in changelog
