"""scikit-learn's own MLP test module, run against skmlp's estimators.

Every test function of ``sklearn.neural_network.tests.test_mlp`` (as installed)
is collected here with ``MLPClassifier`` / ``MLPRegressor`` replaced by
skmlp's: the drop-in promise, checked by the tests scikit-learn wrote for
itself.  The few that cannot pass are marked as expected failures (strict,
so a change either way is noticed), each for a stated reason:

- they read scikit-learn's private attributes (``_loss_grad_lbfgs``,
  ``_optimizer``, ``_no_improvement_count``), which skmlp's estimators do
  not have; the behaviour they check is compared with scikit-learn's own
  numbers in ``test_fidelity.py`` (the ``sgd-adaptive`` and ``lbfgs`` cases,
  ``test_warm_start_continues``) and ``test_gradients.py``;
- ``test_early_stopping_stratified`` expects scikit-learn's error for a
  binary class too rare to stratify the early-stopping split; skmlp splits at
  random then (docs/differences.md), and here reports the validation set
  too small.
"""

import pytest
import sklearn.neural_network.tests.test_mlp as sklearn_tests
from sklearn.neural_network.tests.test_mlp import *  # noqa: F403

import skmlp

PRIVATE = "reads a private attribute of scikit-learn's estimator: {}"
EXPECTED_FAILURES = {
    "test_gradient": PRIVATE.format("_loss_grad_lbfgs"),
    "test_learning_rate_warmstart": PRIVATE.format("_optimizer"),
    "test_adaptive_learning_rate": PRIVATE.format("_optimizer"),
    "test_n_iter_no_change": PRIVATE.format("_no_improvement_count"),
    "test_n_iter_no_change_inf": PRIVATE.format("_no_improvement_count"),
    "test_early_stopping_stratified": "difference: a random split for a rare class",
}


@pytest.fixture(autouse=True)
def _skmlp_estimators(monkeypatch):
    monkeypatch.setattr(sklearn_tests, "MLPClassifier", skmlp.MLPClassifier)
    monkeypatch.setattr(sklearn_tests, "MLPRegressor", skmlp.MLPRegressor)


@pytest.fixture
def global_random_seed():
    """scikit-learn's conftest fixture, at its default seed."""
    return 42


def test_expected_failures_exist():
    names = {name for name in dir(sklearn_tests) if name.startswith("test_")}
    assert set(EXPECTED_FAILURES) <= names
    assert len(names) >= 40  # the module was found and read


for _name, _reason in EXPECTED_FAILURES.items():
    globals()[_name] = pytest.mark.xfail(strict=True, reason=_reason)(
        getattr(sklearn_tests, _name)
    )
