"""scikit-learn's estimator checks, for every solver, as a string and as an
object, and for every hidden activation.

Every check runs on every configuration: both estimators, the default
(``solver="adam"``), every solver string, every optimizer object, each
activation skmlp adds to scikit-learn's (``leaky_relu``, ``elu``, ``gelu``,
``softplus``, ``silu``) at otherwise default settings, and the classifier
with ``class_weight="balanced"`` for scikit-learn's solvers, and both with
``dropout=0.2`` (random masks in every training check's fit).
skmlp skips no check (scikit-learn skips its decision_function check itself:
the estimators have none) and marks one as an expected failure, for the
dropout configurations only: ``check_sample_weight_equivalence`` (dense and
sparse) wants a row of weight ``k`` to fit like ``k`` repeated rows, and with
dropout each repetition draws its own mask where the weighted row draws one,
so the two fits agree in expectation only (as scikit-learn marks this check
for :class:`~sklearn.linear_model.SGDClassifier`).  The mark is strict (a
pass would fail), and tests/test_dropout.py checks the expectation instead.

The checks include training ones (``check_classifiers_train`` wants an
accuracy above 0.83 after a default ``fit``, ``check_regressors_train`` an
R^2 above 0.5).  scikit-learn's own solvers (``"sgd"``, ``"adam"``,
``"lbfgs"``) pass them at scikit-learn's defaults.  skmlp's other optimizers
run at their documented recommended learning rate, read from the optimizer
class (``recommended_learning_rate``, measured by
``benchmarks/bench_optimizers.py --sweep``, docs/guide/optimizers.md): at
scikit-learn's ``learning_rate_init=0.001`` full-batch gradient descent takes
200 tiny steps and learns little, which its ``ConvergenceWarning`` says.
"""

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks
from threadpoolctl import threadpool_limits

from skmlp import MLPClassifier, MLPRegressor, optimizers
from skmlp._activations import HIDDEN_ACTIVATIONS
from skmlp._solvers import SOLVER_NAMES, resolve_optimizer
from skmlp.optimizers import GD, SGD, AdaGrad, Adam, AdamW, Momentum, RMSprop

ESTIMATORS = (MLPClassifier, MLPRegressor)

#: scikit-learn's solvers, checked at scikit-learn's defaults.
SKLEARN_SOLVERS = ("sgd", "adam", "lbfgs")

#: The optimizer class each other string builds.
STRING_CLASSES = {
    "gd": GD,
    "momentum": Momentum,
    "adagrad": AdaGrad,
    "rmsprop": RMSprop,
    "adamw": AdamW,
}

OPTIMIZER_CLASSES = (SGD, Adam, GD, Momentum, AdaGrad, RMSprop, AdamW)

#: scikit-learn's activations (its own checks cover them at its defaults;
#: relu is every configuration above's).
SKLEARN_ACTIVATIONS = ("identity", "logistic", "tanh", "relu")

#: skmlp's other activations, each checked at the default settings.
EXTRA_ACTIVATIONS = tuple(sorted(set(HIDDEN_ACTIVATIONS) - set(SKLEARN_ACTIVATIONS)))


def _string_config(cls, solver):
    if solver in SKLEARN_SOLVERS:
        return cls(solver=solver)
    rate = STRING_CLASSES[solver].recommended_learning_rate
    return cls(solver=solver, learning_rate_init=rate)


def _object_config(cls, optimizer_class):
    if optimizer_class in (SGD, Adam):
        return cls(solver=optimizer_class())
    rate = optimizer_class.recommended_learning_rate
    return cls(solver=optimizer_class(learning_rate=rate))


#: class_weight="balanced" with scikit-learn's solvers: the weights it
#: multiplies into every fit (and the class_weight checks, which set a dict).
CLASS_WEIGHTED = [
    MLPClassifier(solver=s, class_weight="balanced") for s in SKLEARN_SOLVERS
]

#: Dropout at 0.2, with the default solver and with SGD.
DROPOUT = [cls(dropout=0.2, solver=s) for cls in ESTIMATORS for s in ("adam", "sgd")]

CONFIGURATIONS = [
    *(cls() for cls in ESTIMATORS),
    *(_string_config(cls, s) for cls in ESTIMATORS for s in sorted(SOLVER_NAMES)),
    *(_object_config(cls, o) for cls in ESTIMATORS for o in OPTIMIZER_CLASSES),
    *(cls(activation=a) for cls in ESTIMATORS for a in EXTRA_ACTIVATIONS),
    *CLASS_WEIGHTED,
    *DROPOUT,
]


@pytest.fixture(autouse=True, scope="module")
def one_blas_thread():
    """The checks' matrices are tiny: BLAS threads only add contention."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


#: Why dropout fails the sample-weight equivalence check (see above).
DROPOUT_REASON = (
    "With dropout each repeated row draws its own mask and a weighted row one "
    "mask: weights equal repetitions in expectation only (tests/test_dropout.py)."
)


def _expected_failures(estimator):
    if not np.any(np.asarray(estimator.dropout) > 0):
        return {}
    return {
        f"check_sample_weight_equivalence_on_{kind}_data": DROPOUT_REASON
        for kind in ("dense", "sparse")
    }


@parametrize_with_checks(
    CONFIGURATIONS, expected_failed_checks=_expected_failures, xfail_strict=True
)
def test_every_check_on_every_configuration(estimator, check):
    check(estimator)


def test_configurations_cover_every_solver():
    """Every solver string and optimizer class meets the checks, and the
    rates used are the classes' documented ones, not constants of this file."""
    strings = {(type(e), e.solver) for e in CONFIGURATIONS if isinstance(e.solver, str)}
    assert strings == {(cls, s) for cls in ESTIMATORS for s in SOLVER_NAMES}
    public = {getattr(optimizers, name) for name in optimizers.__all__}
    public = {obj for obj in public if isinstance(obj, type)}
    public.discard(optimizers.Optimizer)
    objects = {
        (type(e), type(e.solver))
        for e in CONFIGURATIONS
        if not isinstance(e.solver, str)
    }
    assert objects == {(cls, opt) for cls in ESTIMATORS for opt in public}
    assert set(STRING_CLASSES) | set(SKLEARN_SOLVERS) == SOLVER_NAMES
    for estimator in CONFIGURATIONS:
        optimizer = (
            resolve_optimizer(estimator) if estimator.solver != "lbfgs" else None
        )
        if optimizer is not None and type(optimizer) not in (SGD, Adam):
            assert optimizer.learning_rate == type(optimizer).recommended_learning_rate
    for cls in ESTIMATORS:
        assert cls().get_params() == cls(solver="adam").get_params()


def test_configurations_cover_every_extra_activation():
    assert set(EXTRA_ACTIVATIONS) == {"leaky_relu", "elu", "gelu", "softplus", "silu"}
    checked = {(type(e), e.activation) for e in CONFIGURATIONS}
    assert checked >= {(cls, a) for cls in ESTIMATORS for a in HIDDEN_ACTIVATIONS} - {
        (cls, a) for cls in ESTIMATORS for a in ("identity", "logistic", "tanh")
    }
