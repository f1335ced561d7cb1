"""Solver strings, optimizer objects and schedules inside the estimators."""

import pickle

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import MLPClassifier, MLPRegressor
from skmlp._solvers import STRING_SOLVERS
from skmlp.optimizers import GD, SGD, AdaGrad, Adam, AdamW, Momentum, RMSprop
from skmlp.schedules import (
    Adaptive,
    Constant,
    CosineDecay,
    ExponentialDecay,
    InvScaling,
    StepDecay,
)

DEFAULT_OBJECTS = {
    "gd": GD(),
    "sgd": SGD(),
    "momentum": Momentum(),
    "adagrad": AdaGrad(),
    "rmsprop": RMSprop(),
    "adam": Adam(),
    "adamw": AdamW(),
}

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def test_every_string_solver_has_a_default_object():
    assert set(DEFAULT_OBJECTS) == set(STRING_SOLVERS)


@pytest.mark.parametrize("name", sorted(DEFAULT_OBJECTS))
def test_string_and_default_object_give_identical_fits(name, iris):
    X, y = iris
    kwargs = {"hidden_layer_sizes": (8,), "max_iter": 15, "random_state": 0}
    by_name = MLPClassifier(solver=name, **kwargs).fit(X, y)
    by_object = MLPClassifier(solver=DEFAULT_OBJECTS[name], **kwargs).fit(X, y)
    for a, b in zip(
        by_name.coefs_ + by_name.intercepts_, by_object.coefs_ + by_object.intercepts_
    ):
        np.testing.assert_array_equal(a, b)
    assert by_name.loss_curve_ == by_object.loss_curve_


@given(
    lr=st.floats(1e-4, 1.0),
    momentum=st.floats(0, 1),
    beta_1=st.floats(0, 0.999),
    beta_2=st.floats(0, 0.999),
    epsilon=st.floats(1e-10, 1e-2),
)
def test_strings_take_hyperparameters_from_the_estimator(
    lr, momentum, beta_1, beta_2, epsilon
):
    est = MLPClassifier(
        learning_rate_init=lr,
        momentum=momentum,
        beta_1=beta_1,
        beta_2=beta_2,
        epsilon=epsilon,
        nesterovs_momentum=False,
    )
    built = {name: make(est) for name, make in STRING_SOLVERS.items()}
    assert built["sgd"] == SGD(lr, momentum, nesterov=False)
    assert built["gd"] == GD(lr)
    assert built["momentum"] == Momentum(lr, beta=momentum)
    assert built["adagrad"] == AdaGrad(lr, epsilon=epsilon)
    # RMSprop's decay is its own (0.9), not Adam's beta_2.
    assert built["rmsprop"] == RMSprop(lr, epsilon=epsilon)
    assert built["rmsprop"].rho == 0.9
    assert built["adam"] == Adam(lr, beta_1, beta_2, epsilon)
    assert built["adamw"] == AdamW(lr, beta_1, beta_2, epsilon)


def test_gd_uses_the_whole_training_set_every_step(iris):
    X, y = iris
    gd = MLPClassifier(
        hidden_layer_sizes=(5,),
        solver="gd",
        batch_size=10,
        learning_rate_init=0.1,
        max_iter=3,
        random_state=0,
        shuffle=True,
    ).fit(X, y)
    # One step per epoch over the full batch: the same as SGD without momentum
    # and with batch_size = n_samples, in row order.
    sgd = MLPClassifier(
        hidden_layer_sizes=(5,),
        solver=SGD(0.1, momentum=0.0),
        batch_size=len(X),
        max_iter=3,
        random_state=0,
        shuffle=False,
    ).fit(X, y)
    for a, b in zip(gd.coefs_, sgd.coefs_):
        np.testing.assert_array_equal(a, b)
    assert gd.t_ == 3 * len(X)


def test_fit_never_modifies_the_users_optimizer(iris):
    X, y = iris
    optimizer = Adam(learning_rate=0.01)
    before = dict(vars(optimizer))
    clf = MLPClassifier(
        hidden_layer_sizes=(5,), solver=optimizer, max_iter=5, random_state=0
    ).fit(X, y)
    assert vars(optimizer) == before
    assert clf.solver is optimizer


def test_partial_fit_continues_the_optimizer_state_and_fit_restarts_it(iris):
    X, y = iris
    clf = MLPClassifier(
        hidden_layer_sizes=(5,), solver=Adam(), random_state=0, batch_size=len(X)
    )
    for _ in range(3):
        clf.partial_fit(X, y, classes=np.unique(y))
    assert clf._run.state.t == 3
    restored = pickle.loads(pickle.dumps(clf))
    assert restored._run.state.t == 3
    clf.partial_fit(X, y)
    restored.partial_fit(X, y)
    for a, b in zip(clf.coefs_, restored.coefs_):
        np.testing.assert_array_equal(a, b)
    clf.set_params(max_iter=2).fit(X, y)
    assert clf._run.state.t == 2


@pytest.mark.parametrize(
    "param_grid",
    [
        {
            "mlpclassifier__solver__learning_rate": [1e-3, 1e-2],
            "mlpclassifier__solver__beta_1": [0.8, 0.9],
        },
        {"mlpclassifier__solver": [SGD(learning_rate=0.01), RMSprop(0.001), "adam"]},
        {
            "mlpclassifier__solver__learning_rate": [
                CosineDecay(0.01, n_epochs=10),
                Constant(0.01),
            ]
        },
    ],
)
def test_grid_search_over_optimizers(param_grid, iris):
    X, y = iris
    pipe = make_pipeline(
        StandardScaler(),
        MLPClassifier(
            hidden_layer_sizes=(5,), solver=Adam(), max_iter=10, random_state=0
        ),
    )
    search = GridSearchCV(pipe, param_grid, cv=2).fit(X, y)
    n_candidates = np.prod([len(v) for v in param_grid.values()])
    assert len(search.cv_results_["params"]) == n_candidates
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_schedule_values():
    assert InvScaling(1.0, power_t=1.0).rate(3, 9, 1.0) == pytest.approx(0.1)
    assert ExponentialDecay(2.0, gamma=0.5).rate(2, 0, 2.0) == pytest.approx(0.5)
    assert StepDecay(1.0, step_size=3, gamma=0.1).rate(2, 0, 1.0) == 1.0
    assert StepDecay(1.0, step_size=3, gamma=0.1).rate(3, 0, 1.0) == pytest.approx(0.1)
    assert CosineDecay(1.0, n_epochs=10, min_rate=0.1).rate(10, 0, 1.0) == (
        pytest.approx(0.1)
    )
    assert Adaptive(1.0, factor=4).on_plateau(1.0) == 0.25
    assert Constant(0.3).on_plateau(0.3) is None


@pytest.mark.parametrize(
    "schedule",
    [
        Constant(0.01),
        InvScaling(0.05),
        Adaptive(0.01),
        CosineDecay(0.01, 20),
        StepDecay(0.01, 5, 0.5),
        ExponentialDecay(0.01, 0.9),
    ],
)
@pytest.mark.parametrize("cls", [SGD, Momentum, AdaGrad, RMSprop, Adam, AdamW, GD])
def test_every_schedule_works_with_every_optimizer(schedule, cls, iris):
    X, y = iris
    clf = MLPClassifier(
        hidden_layer_sizes=(5,),
        solver=cls(learning_rate=schedule),
        max_iter=20,
        random_state=0,
    ).fit(X, y)
    run = clf._run.schedule
    expected = schedule.initial
    for epoch in range(1, clf.n_iter_ + 1):
        expected = schedule.rate(epoch, epoch * len(X), expected)
    if not isinstance(schedule, Adaptive):
        assert run.current == pytest.approx(expected)
    assert np.isfinite(clf.loss_curve_).all()


def test_flat_learning_rate_keeps_sklearn_meaning_for_sgd(iris):
    X, y = iris
    clf = MLPRegressor(
        hidden_layer_sizes=(5,),
        solver="sgd",
        learning_rate="invscaling",
        learning_rate_init=0.1,
        power_t=0.5,
        max_iter=4,
        random_state=0,
    ).fit(X, y)
    assert clf._run.schedule.current == pytest.approx(0.1 / (4 * len(X) + 1) ** 0.5)
    # Other solvers ignore it, as in scikit-learn.
    clf = MLPRegressor(
        hidden_layer_sizes=(5,),
        solver="adam",
        learning_rate="invscaling",
        learning_rate_init=0.1,
        max_iter=4,
        random_state=0,
    ).fit(X, y)
    assert clf._run.schedule.current == 0.1


def test_custom_optimizer_protocol(iris):
    X, y = iris

    class SignSGD(SGD):
        def step(self, params, grads, state, learning_rate):
            params -= learning_rate * np.sign(grads)
            return state

    clf = MLPClassifier(
        hidden_layer_sizes=(8,),
        solver=SignSGD(learning_rate=0.01),
        max_iter=100,
        random_state=0,
    ).fit(X, y)
    assert clf.score(X, y) > 0.9


# ------------------------------------------------- what a fit at max_iter says
def _max_iter_warnings(estimator, X, y):
    with pytest.warns(ConvergenceWarning) as record:
        estimator.fit(X, y)
    return [
        str(w.message) for w in record if issubclass(w.category, ConvergenceWarning)
    ]


@pytest.mark.parametrize(
    "solver, cls",
    [
        ("gd", GD),
        ("momentum", Momentum),
        ("adagrad", AdaGrad),
        ("rmsprop", RMSprop),
        ("adamw", AdamW),
    ],
)
@pytest.mark.filterwarnings("default::sklearn.exceptions.ConvergenceWarning")
def test_max_iter_warning_names_the_rate_used_and_the_recommended_one(
    solver, cls, iris
):
    X, y = iris
    kwargs = {"hidden_layer_sizes": (4,), "max_iter": 3, "random_state": 0, "tol": 0}
    (message,) = _max_iter_warnings(
        MLPClassifier(solver=solver, learning_rate_init=2e-4, **kwargs), X, y
    )
    assert message == (
        f"{cls.__name__}: Maximum iterations (3) reached and the optimization "
        "hasn't converged yet. It ran at learning rate 0.0002; the recommended "
        f"learning rate for {cls.__name__} is {cls.recommended_learning_rate:g} "
        "(set learning_rate_init, or the optimizer's learning_rate), or increase "
        "max_iter."
    )
    assert "Stochastic" not in message
    rate = cls.recommended_learning_rate
    (message,) = _max_iter_warnings(
        MLPClassifier(solver=cls(learning_rate=rate), **kwargs), X, y
    )
    assert message.endswith(
        f"It ran at {cls.__name__}'s recommended learning rate, {rate:g}: "
        "increase max_iter."
    )


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.filterwarnings("default::sklearn.exceptions.ConvergenceWarning")
def test_scikit_learns_solvers_warn_in_scikit_learns_words(solver, iris):
    from sklearn.neural_network import MLPClassifier as SkMLPClassifier

    X, y = iris
    kwargs = {"hidden_layer_sizes": (4,), "max_iter": 3, "random_state": 0}
    ours = _max_iter_warnings(MLPClassifier(solver=solver, **kwargs), X, y)
    theirs = _max_iter_warnings(SkMLPClassifier(solver=solver, **kwargs), X, y)
    assert (
        ours
        == theirs
        == [
            "Stochastic Optimizer: Maximum iterations (3) reached and the "
            "optimization hasn't converged yet."
        ]
    )


class _Halving(SGD):
    """A user's optimizer: no recommended rate documented."""

    recommended_learning_rate = None


@pytest.mark.filterwarnings("default::sklearn.exceptions.ConvergenceWarning")
def test_an_optimizer_without_a_recommended_rate_claims_none(iris):
    X, y = iris
    estimator = MLPClassifier(
        solver=_Halving(learning_rate=0.01), hidden_layer_sizes=(4,), max_iter=3
    )
    (message,) = _max_iter_warnings(estimator, X, y)
    assert message == (
        "_Halving: Maximum iterations (3) reached and the optimization hasn't "
        "converged yet."
    )


def test_rmsprop_decays_as_the_textbook():
    """rho = 0.9 (Hinton's lecture, Keras): the first step on a gradient g is
    eta g / sqrt(0.1 g^2 + eps), about 3.2 eta, not 32 eta as with 0.999."""
    assert RMSprop().rho == 0.9
    w = np.array([1.0])
    optimizer = RMSprop(learning_rate=0.01, epsilon=0.0)
    optimizer.step(w, np.array([5.0]), optimizer.init(w), 0.01)
    assert w[0] == pytest.approx(
        1.0 - 0.01 * 5.0 / np.sqrt((1 - 0.9) * 25.0), rel=1e-15
    )
