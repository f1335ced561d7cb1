"""Check what an sdist holds, so that its contents cannot silently regress.

It must hold every file git tracks in what its own tests need (tests/,
docs/, examples/, benchmarks/, the root conftest.py, README.md, CHANGELOG.md,
LICENSE, pyproject.toml and the package), and none of the documentation
build's output or Python caches.  Run from the repository's root:

    python .ci/check_sdist.py dist/skmlp-0.1.0.tar.gz
"""

import subprocess
import sys
import tarfile

NEEDED = [
    "skmlp",
    "tests",
    "docs",
    "examples",
    "benchmarks",
    "conftest.py",
    "README.md",
    "CHANGELOG.md",
    "LICENSE",
    "pyproject.toml",
]
# Named as well, in case git's list ever comes back short.
KEY_FILES = [
    "tests/conftest.py",
    "tests/seeded_bugs.py",
    "docs/index.md",
    "docs/conf.py",
    "examples/article_iris.py",
]
BUILD_OUTPUT = ("docs/_build/", "docs/auto_examples/", "docs/api/generated/")


def check(path):
    with tarfile.open(path) as tar:
        # Every member sits under one folder, skmlp-<version>/.
        names = {m.name.partition("/")[2] for m in tar.getmembers() if m.isfile()}
    tracked = subprocess.run(
        ["git", "ls-files", "-z", "--", *NEEDED],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    missing = sorted({*filter(None, tracked), *KEY_FILES} - names)
    unwanted = sorted(
        name
        for name in names
        if name.startswith(BUILD_OUTPUT)
        or name == "docs/sg_execution_times.rst"
        or "__pycache__" in name.split("/")
        or name.endswith((".pyc", ".pyo"))
    )
    return len(names), missing, unwanted


def main(argv):
    (path,) = argv
    count, missing, unwanted = check(path)
    for name in missing:
        print(f"{path}: missing {name}")
    for name in unwanted:
        print(f"{path}: should not hold {name}")
    if missing or unwanted:
        return 1
    print(f"{path}: {count} files, every tracked file its tests need")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
