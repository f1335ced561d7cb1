"""scikit-learn's estimator checks with every non-default penalty.

The default ``penalty="l2"`` meets every check in ``test_check_estimator.py``;
here the default solver (``"adam"``) runs the whole suite with ``"l1"``,
``"elasticnet"``, ``"group"`` and ``None``, so the proximal steps, the mixed
penalty and no penalty at all pass the same checks, nothing marked as an
expected failure.  509 checks: about 55 s of CPU time.
"""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks
from threadpoolctl import threadpool_limits

from skmlp import MLPClassifier, MLPRegressor
from skmlp.penalties import PENALTIES

#: Every penalty but the default, which test_check_estimator.py covers.
PENALTY_NAMES = [name for name in PENALTIES if name != "l2"]

ESTIMATORS = [
    cls(penalty=name) for cls in (MLPClassifier, MLPRegressor) for name in PENALTY_NAMES
]


def test_every_non_default_penalty_is_checked():
    assert {e.penalty for e in ESTIMATORS} | {"l2"} == set(PENALTIES)
    assert all(e.solver == "adam" for e in ESTIMATORS)


@pytest.fixture(autouse=True, scope="module")
def one_blas_thread():
    """The checks' matrices are tiny: BLAS threads only add contention."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@parametrize_with_checks(ESTIMATORS)
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_checks_with_penalty(estimator, check):
    check(estimator)
