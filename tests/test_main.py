"""``python -m skmlp``: the help, the options and the table's marks."""

import subprocess
import sys
import time

from skmlp.__main__ import SOLVERS, compare_solvers, main
from skmlp.optimizers import Adam


def test_help_prints_usage_and_exits_at_once():
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "skmlp", "--help"], capture_output=True, text=True
    )
    assert out.returncode == 0
    assert out.stdout.startswith("usage: python -m skmlp")
    assert "--solvers" in out.stdout and "* marks a fit" in out.stdout
    assert "Accuracy" not in out.stdout  # nothing was fit
    assert time.perf_counter() - start < 10


def test_options_pick_datasets_and_solvers(capsys):
    main(
        [
            "--no-example",
            "--data",
            "wine",
            "--solvers",
            "adam",
            "lbfgs",
            "--max-iter",
            "3",
        ]
    )
    out = capsys.readouterr().out
    assert "Textbook example" not in out
    rows = [line.split() for line in out.splitlines() if line.startswith("wine")]
    assert [row[1] for row in rows] == ["adam", "lbfgs"]
    # Adam ran at its recommended rate; L-BFGS has none. Three epochs stop
    # neither fit by convergence: both are marked.
    assert rows[0][2] == f"{Adam.recommended_learning_rate:g}" and rows[1][2] == "-"
    assert all(row[4] == "3*" for row in rows)


def test_a_converged_fit_is_not_marked():
    rows = compare_solvers(2000, ("iris",), ("lbfgs",))
    ((_, _, rate, accuracy, epochs, _, hit),) = rows
    assert rate is None and not hit and epochs < 2000 and accuracy > 0.9
    assert set(SOLVERS) == {
        "lbfgs",
        "gd",
        "sgd",
        "momentum",
        "adagrad",
        "rmsprop",
        "adam",
        "adamw",
    }


def test_the_docstring_examples_run():
    """pytest's doctest collection skips ``__main__.py``: run them here."""
    import doctest
    import warnings

    import skmlp.__main__

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = doctest.testmod(skmlp.__main__)
    assert result.failed == 0 and result.attempted >= 4
