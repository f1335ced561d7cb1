"""scikit-learn's estimator checks, for every solver, as a string and as an object.

Every check must pass: nothing is marked as an expected failure.

The full suite over all 32 configurations (2 estimators x default, 8 strings,
7 objects) takes over five minutes, most of it in checks that refit on many
input formats or train to an accuracy threshold.  The checks run in tiers:

1. ``parametrize_with_checks``, every check: the default estimators (which
   are ``solver="adam"``, shuffled minibatches) and the ``"sgd"`` and
   ``"gd"`` strings (plain minibatches, and the whole unshuffled training set).
2. Every other string solver, ``"lbfgs"`` included: every check except
   :data:`INPUT_FORMAT_CHECKS`.  Those feed every sparse format through
   ``validate_data`` and the network's sparse products, which no optimizer
   touches; ``"gd"`` in tier 1 covers the full-batch path L-BFGS evaluates,
   and L-BFGS's own sparse checks alone would take about a minute.
3. Every optimizer object: every check except :data:`INPUT_FORMAT_CHECKS`
   and, but for the two objects whose learning rate is set here, the
   :data:`SLOW_CHECKS`.  An object and its string build the same optimizer
   (``test_solvers`` shows the fits are bit-identical), so for the objects
   what matters is ``clone``, nested ``get_params``/``set_params``, pickling
   and the rule that ``fit`` never modifies a parameter.
"""

from functools import partial

import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import (
    estimator_checks_generator,
    parametrize_with_checks,
)

from skmlp import MLPClassifier, MLPRegressor, optimizers
from skmlp._solvers import SOLVER_NAMES
from skmlp.optimizers import GD, SGD, AdaGrad, Adam, AdamW, Momentum, RMSprop

#: Checks that refit the estimator on every sparse format (about ten fits each).
INPUT_FORMAT_CHECKS = frozenset(
    {
        "check_estimator_sparse_array",
        "check_estimator_sparse_matrix",
        "check_estimator_sparse_tag",
        "check_sample_weight_equivalence_on_sparse_data",
    }
)
#: The slowest of the other checks: each trains several times, to an accuracy
#: or R^2 threshold (does the optimizer learn) or on several forms of the data.
SLOW_CHECKS = frozenset(
    {
        "check_classifiers_train",
        "check_regressors_train",
        "check_classifiers_classes",
        "check_classifier_data_not_an_array",
        "check_regressor_data_not_an_array",
        "check_classifiers_multilabel_representation_invariance",
        "check_estimators_dtypes",
        "check_sample_weight_equivalence_on_dense_data",
        "check_supervised_y_2d",
    }
)

# Full-batch gradient descent takes one step per epoch: at scikit-learn's
# learning_rate_init=0.001, 200 steps barely move the weights, so
# check_classifiers_train (accuracy > 0.83) cannot pass; 0.1 learns in 200
# steps on the checks' standardized data.
GD_RATE = 0.1
# Momentum here is the exponential moving average v <- beta v + (1 - beta) g
# with W <- W - eta v, whose steady-state step is eta g, ten times smaller than
# scikit-learn's heavy-ball SGD (eta / (1 - mu) = 0.01 at its defaults).  At
# 0.001 it fails check_classifiers_train and check_regressors_train; 0.01
# gives it the step SGD takes with the estimator's defaults.
MOMENTUM_RATE = 0.01

SOLVER_STRINGS = {
    "lbfgs": {},
    "sgd": {},
    "adam": {},
    "gd": {"learning_rate_init": GD_RATE},
    "momentum": {"learning_rate_init": MOMENTUM_RATE},
    "adagrad": {},
    "rmsprop": {},
    "adamw": {},
}

OPTIMIZER_OBJECTS = [
    SGD(),
    Adam(),
    GD(learning_rate=GD_RATE),
    Momentum(learning_rate=MOMENTUM_RATE),
    AdaGrad(),
    RMSprop(),
    AdamW(),
]

#: Objects whose configured learning rate the training checks must confirm.
OBJECTS_WITH_SLOW_CHECKS = (GD, Momentum)

ESTIMATORS = (MLPClassifier, MLPRegressor)
TIER_1_SOLVERS = ("sgd", "gd")
# solver="adam" is the default: the same estimator as tier 1's default one.
DEFAULT_SOLVER = "adam"


def _string_config(cls, solver):
    return cls(solver=solver, **SOLVER_STRINGS[solver])


def _tier_1():
    estimators = [cls() for cls in ESTIMATORS]
    estimators += [_string_config(cls, s) for cls in ESTIMATORS for s in TIER_1_SOLVERS]
    return estimators


def _tier_2():
    solvers = [s for s in SOLVER_STRINGS if s not in (*TIER_1_SOLVERS, DEFAULT_SOLVER)]
    return [_string_config(cls, s) for cls in ESTIMATORS for s in solvers]


def _tier_3(with_slow_checks):
    return [
        cls(solver=clone(opt))
        for cls in ESTIMATORS
        for opt in OPTIMIZER_OBJECTS
        if isinstance(opt, OBJECTS_WITH_SLOW_CHECKS) == with_slow_checks
    ]


def _check_name(check):
    while isinstance(check, partial):
        check = check.func
    return check.__name__


def _checks_except(estimators, skipped):
    """(estimator, check) pairs as ``parametrize_with_checks`` makes them."""
    for estimator in estimators:
        for pair in estimator_checks_generator(estimator, legacy=True):
            if _check_name(pair[1]) not in skipped:
                yield pair


def _tier_3_checks():
    yield from _checks_except(_tier_3(True), INPUT_FORMAT_CHECKS)
    yield from _checks_except(_tier_3(False), INPUT_FORMAT_CHECKS | SLOW_CHECKS)


def _ids(obj):
    if isinstance(obj, partial):
        keywords = ",".join(f"{k}={v}" for k, v in obj.keywords.items())
        return _check_name(obj) + (f"({keywords})" if keywords else "")
    return repr(obj).replace(" ", "").replace("\n", "")


@parametrize_with_checks(_tier_1())
def test_every_check_on_default_sgd_and_gd(estimator, check):
    check(estimator)


@pytest.mark.parametrize(
    "estimator, check", list(_checks_except(_tier_2(), INPUT_FORMAT_CHECKS)), ids=_ids
)
def test_checks_on_other_solver_strings(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator, check", list(_tier_3_checks()), ids=_ids)
def test_checks_on_optimizer_objects(estimator, check):
    check(estimator)


def test_tiers_cover_every_configuration():
    """Every solver string and optimizer class meets the checks somewhere."""
    assert set(SOLVER_STRINGS) == SOLVER_NAMES
    solvers = {(type(e), e.solver) for e in _tier_1() + _tier_2()}
    solvers |= {(cls, DEFAULT_SOLVER) for cls in ESTIMATORS}
    assert solvers == {(cls, s) for cls in ESTIMATORS for s in SOLVER_NAMES}
    for cls in ESTIMATORS:
        assert cls().get_params() == cls(solver=DEFAULT_SOLVER).get_params()
    public = {getattr(optimizers, name) for name in optimizers.__all__}
    public.discard(optimizers.Optimizer)
    objects = {(type(e), type(e.solver)) for e in _tier_3(True) + _tier_3(False)}
    assert objects == {(cls, opt) for cls in ESTIMATORS for opt in public}
