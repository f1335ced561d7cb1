"""The scikit-learn surface: signature, fitted attributes, methods, meta-estimators.

scikit-learn's own ``MLPClassifier``/``MLPRegressor`` is the oracle wherever
both must agree (signature, fitted-attribute conventions, warm starts from
hand-set weights).
"""

import copy
import inspect
import pickle
import re

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import sklearn.neural_network as sk
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

import skmlp
from skmlp import MLP, MLPClassifier, MLPRegressor
from skmlp._solvers import SOLVER_NAMES
from skmlp.optimizers import SGD, Adam, RMSprop

# Every fit here is deliberately a few epochs on tiny data.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

STOCHASTIC = ("sgd", "adam")
ESTIMATORS = (MLPClassifier, MLPRegressor)
#: Constructor parameters skmlp adds to scikit-learn's (keyword-only).
SKMLP_EXTRAS = frozenset({"penalty", "l1_ratio", "dropout", "class_weight"})
#: Their defaults that keep scikit-learn's behaviour.
EXTRA_DEFAULTS = {"penalty": "l2", "dropout": 0.0, "class_weight": None}
SMALL = {"hidden_layer_sizes": (5,), "random_state": 0}


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.randn(40, 4)
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 0.5)  # 3 classes
    y_reg = X @ np.array([1.0, -2.0, 0.5, 0.0]) + 0.1 * rng.randn(40)
    return X, y, y_reg


def _target(cls, data):
    return data[1] if cls is MLPClassifier else data[2]


def _oracle(cls):
    return getattr(sk, cls.__name__)


def _params(est):
    return est.coefs_ + est.intercepts_


def _assert_same_params(a, b, **tolerance):
    assert len(_params(a)) == len(_params(b))
    for p, q in zip(_params(a), _params(b)):
        np.testing.assert_allclose(p, q, **tolerance)


# ------------------------------------------------------------ public surface
def _signature(cls):
    return [
        (p.name, p.kind, p.default)
        for p in inspect.signature(cls.__init__).parameters.values()
    ]


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_constructor_signature_is_sklearns(cls):
    ours = _signature(cls)
    shared = [p for p in ours if p[0] not in SKMLP_EXTRAS]
    assert shared == _signature(_oracle(cls))
    for name, kind, default in ours:
        if name in SKMLP_EXTRAS:
            assert kind is inspect.Parameter.KEYWORD_ONLY
            assert default == EXTRA_DEFAULTS.get(name, default)


def test_public_names():
    assert MLP is MLPClassifier
    assert {"MLP", "MLPClassifier", "MLPRegressor"} <= set(skmlp.__all__)
    assert skmlp.MLPRegressor is MLPRegressor


# -------------------------------------------------------- fitted attributes
FITTED_ATTRIBUTES = (
    "coefs_",
    "intercepts_",
    "loss_curve_",
    "best_loss_",
    "validation_scores_",
    "best_validation_score_",
    "n_iter_",
    "t_",
    "n_layers_",
    "n_outputs_",
    "out_activation_",
    "classes_",
    "n_features_in_",
    "feature_names_in_",
    "loss_",
)


def _structure(value):
    """Type, shape and dtype of a fitted attribute, ignoring its values."""
    if value is None:
        return None
    if isinstance(value, list):
        return ("list", sorted({repr(_structure(v)) for v in value}))
    if isinstance(value, np.ndarray):
        return ("ndarray", value.shape, value.dtype)
    if isinstance(value, str):
        return ("str", value)
    return type(value).__name__


def _attribute_structures(est):
    return {
        a: _structure(getattr(est, a)) for a in FITTED_ATTRIBUTES if hasattr(est, a)
    }


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("solver", sorted(SOLVER_NAMES - {"lbfgs"}))
@pytest.mark.parametrize("early_stopping", [False, True])
def test_fitted_attributes_follow_sklearn(cls, solver, early_stopping, data):
    X = pd.DataFrame(data[0], columns=["a", "b", "c", "d"])
    y = _target(cls, data)
    params = dict(SMALL, early_stopping=early_stopping, max_iter=4)
    ours = cls(solver=solver, **params).fit(X, y)
    # The new solvers follow the conventions of scikit-learn's stochastic ones.
    oracle_solver = solver if solver in STOCHASTIC else "adam"
    oracle = _oracle(cls)(solver=oracle_solver, **params).fit(X, y)
    expected = _attribute_structures(oracle)
    assert "feature_names_in_" in expected
    assert _attribute_structures(ours) == expected
    np.testing.assert_array_equal(ours.feature_names_in_, ["a", "b", "c", "d"])
    assert len(ours.loss_curve_) == ours.n_iter_ == 4
    assert ours.t_ == 4 * (36 if early_stopping else 40)
    if early_stopping:
        assert ours.best_loss_ is None and len(ours.validation_scores_) == 4
    else:
        assert ours.validation_scores_ is ours.best_validation_score_ is None


@pytest.mark.parametrize(
    "y",
    [np.arange(20) % 3, np.r_[np.zeros(10), np.ones(9), 2], np.r_[np.zeros(19), 1]],
    ids=[
        "fewer-validation-rows-than-classes",
        "multiclass-singleton",
        "binary-singleton",
    ],
)
def test_early_stopping_with_classes_too_rare_to_stratify(y, data):
    # scikit-learn fits the multiclass cases (it never stratifies them).
    X = data[0][:20]
    clf = MLPClassifier(early_stopping=True, max_iter=3, **SMALL).fit(X, y)
    assert len(clf.validation_scores_) == 3
    assert clf.predict(X).shape == (20,)


@pytest.mark.parametrize("counts", [(50, 50), (50, 30, 20)], ids=["binary", "3-class"])
def test_early_stopping_split_is_stratified(counts):
    """The validation rows keep each class's share, binary or multiclass.

    A network whose weights are 0 and whose output bias picks class 0 (a
    learning rate of 1e-8 leaves it so) scores, on the validation rows,
    class 0's share of them: half, exactly, in scikit-learn's stratified
    split of these 100 rows (``train_test_split(stratify=y)``, the oracle),
    10 of 20 whatever the seed.  A split at random misses it for most seeds.
    """
    y = np.repeat(np.arange(len(counts)), counts)
    X = np.random.RandomState(0).randn(100, 3)
    n_outputs = 1 if len(counts) == 2 else len(counts)
    # Output biases for class 0: a logistic unit far below 0.5, or a softmax
    # that favours the first class.
    bias = np.array([-5.0]) if n_outputs == 1 else 5.0 * np.eye(n_outputs)[0]
    for seed in range(5):
        _, val = train_test_split(
            np.arange(100), test_size=0.2, stratify=y, random_state=seed
        )
        assert np.mean(y[val] == 0) == 0.5
        clf = MLPClassifier(
            (2,),
            solver="sgd",
            learning_rate_init=1e-8,
            early_stopping=True,
            validation_fraction=0.2,
            max_iter=1,
            warm_start=True,
            random_state=seed,
        )
        _set_weights(
            clf,
            [np.zeros((3, 2)), np.zeros((2, n_outputs))],
            [np.zeros(2), bias],
        )
        clf.fit(X, y)
        assert clf.validation_scores_ == [0.5]


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_lbfgs_sets_sklearns_attributes(cls, data):
    X, y = data[0], _target(cls, data)
    ours = cls(solver="lbfgs", **SMALL).fit(X, y)
    oracle = _oracle(cls)(solver="lbfgs", **SMALL).fit(X, y)
    structures = _attribute_structures(ours)
    for name, structure in _attribute_structures(oracle).items():
        assert structures[name] == structure, name
    assert not hasattr(ours, "feature_names_in_")


# ------------------------------------------------------------------ methods
def test_classifier_methods(data):
    X, y, _ = data
    clf = MLPClassifier(solver="lbfgs", **SMALL).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    proba = clf.predict_proba(X)
    assert proba.shape == (40, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(proba))
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(1)])
    assert clf.score(X, y) == accuracy_score(y, clf.predict(X)) > 0.9


def test_binary_string_labels(data):
    X, y, _ = data
    labels = np.where(y > 0, "yes", "no")
    clf = MLPClassifier(solver="lbfgs", **SMALL).fit(X, labels)
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 1
    np.testing.assert_array_equal(clf.classes_, ["no", "yes"])
    proba = clf.predict_proba(X)
    assert proba.shape == (40, 2)
    assert np.isfinite(clf.predict_log_proba(X)).all()
    assert set(clf.predict(X)) <= {"no", "yes"}


def test_regressor_methods(data):
    X, _, y = data
    reg = MLPRegressor(solver="lbfgs", **SMALL).fit(X, y)
    pred = reg.predict(X)
    assert pred.shape == (40,)
    assert reg.score(X, y) == pytest.approx(r2_score(y, pred))
    assert reg.score(X, y) > 0.9


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_partial_fit_classifier_with_classes(solver, data):
    X, y, _ = data
    clf = MLPClassifier(solver=solver, **SMALL)
    clf.partial_fit(X[:20], y[:20], classes=[0, 1, 2])
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    clf.partial_fit(X[20:], y[20:])
    clf.partial_fit(X[y == 0], y[y == 0])  # a batch with one class only
    assert clf.t_ == 40 + (y == 0).sum()
    assert len(clf.loss_curve_) == 3 and clf.n_iter_ == 1
    assert clf.predict_proba(X).shape == (40, 3)


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_partial_fit_regressor(solver, data):
    X, _, y = data
    reg = MLPRegressor(solver=solver, learning_rate_init=0.01, **SMALL)
    for _ in range(30):
        reg.partial_fit(X, y)
    assert reg.t_ == 30 * 40 and len(reg.loss_curve_) == 30
    assert reg.loss_curve_[-1] < reg.loss_curve_[0]


def test_multilabel_classification(data):
    X, y, _ = data
    Y = np.column_stack([y == 0, y == 1, X[:, 3] > 0]).astype(int)
    clf = MLPClassifier(solver="lbfgs", **SMALL).fit(X, Y)
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 3
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    pred = clf.predict(X)
    assert pred.shape == (40, 3) and set(np.unique(pred)) <= {0, 1}
    proba = clf.predict_proba(X)
    assert proba.shape == (40, 3) and ((proba > 0) & (proba < 1)).all()
    np.testing.assert_array_equal(pred, (proba > 0.5).astype(int))
    assert clf.score(X, Y) > 0.8


def test_multioutput_regression(data):
    X, _, y = data
    Y = np.column_stack([y, -2 * y + 1])
    reg = MLPRegressor(solver="lbfgs", **SMALL).fit(X, Y)
    assert reg.n_outputs_ == 2 and reg.out_activation_ == "identity"
    assert reg.predict(X).shape == (40, 2)
    assert reg.score(X, Y) > 0.9


def test_column_vector_target_is_raveled(data):
    X, _, y = data
    with pytest.warns(Warning, match="column-vector y"):
        reg = MLPRegressor(max_iter=3, **SMALL).fit(X, y.reshape(-1, 1))
    assert reg.n_outputs_ == 1 and reg.predict(X).shape == (40,)


@pytest.mark.parametrize("solver", sorted(SOLVER_NAMES))
def test_float32_kept_end_to_end(solver, data):
    X, y, y_reg = data
    X32 = X.astype(np.float32)
    clf = MLPClassifier(solver=solver, max_iter=3, **SMALL).fit(X32, y)
    reg = MLPRegressor(solver=solver, max_iter=3, **SMALL).fit(X32, y_reg)
    for est in (clf, reg):
        assert {p.dtype for p in _params(est)} == {np.dtype(np.float32)}
    assert clf.predict_proba(X32).dtype == np.float32
    assert clf.predict_log_proba(X32).dtype == np.float32
    assert reg.predict(X32).dtype == np.float32
    # float64 input to a float32 model still gives the model's precision.
    assert reg.predict(X).dtype == np.float32


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_float32_partial_fit(solver, data):
    X, y, _ = data
    clf = MLPClassifier(solver=solver, **SMALL)
    clf.partial_fit(X.astype(np.float32), y, classes=[0, 1, 2])
    clf.partial_fit(X.astype(np.float32), y)
    assert {p.dtype for p in _params(clf)} == {np.dtype(np.float32)}


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("solver", ["lbfgs", "adam", "gd"])
def test_sparse_input_matches_dense(fmt, cls, solver, data):
    y = _target(cls, data)
    X_sparse = sp.random(40, 6, density=0.3, format=fmt, random_state=0)
    X_dense = X_sparse.toarray()
    params = dict(SMALL, solver=solver, max_iter=5)
    dense = cls(**params).fit(X_dense, y)
    sparse = cls(**params).fit(X_sparse, y)
    _assert_same_params(dense, sparse, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(sparse.predict(X_sparse), dense.predict(X_dense))


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_verbose_prints_every_iteration(solver, data, capsys):
    X, y, _ = data
    MLPClassifier(solver=solver, max_iter=3, verbose=True, **SMALL).fit(X, y)
    out = capsys.readouterr().out
    lines = re.findall(r"^Iteration (\d+), loss = (\d+\.\d{8})$", out, re.M)
    assert [int(n) for n, _ in lines] == list(range(1, len(lines) + 1))
    if solver == "lbfgs":
        assert 1 <= len(lines) <= 3
    else:
        assert len(lines) == 3


def test_silent_by_default(data, capsys):
    X, y, _ = data
    MLPClassifier(max_iter=3, **SMALL).fit(X, y)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("solver", STOCHASTIC)
def test_warm_start_continues_like_sklearn(cls, solver, data):
    X, y = data[0], _target(cls, data)
    params = dict(SMALL, solver=solver, max_iter=3, warm_start=True)
    ours, oracle = cls(**params), _oracle(cls)(**params)
    for _ in range(2):
        ours.fit(X, y)
        oracle.fit(X, y)
    assert len(ours.loss_curve_) == 6 and ours.t_ == 6 * 40
    np.testing.assert_allclose(ours.loss_curve_, oracle.loss_curve_, rtol=1e-12)
    _assert_same_params(ours, oracle, rtol=1e-12)


def test_without_warm_start_fit_restarts(data):
    X, y, _ = data
    clf = MLPClassifier(max_iter=3, **SMALL)
    first = copy.deepcopy(_params(clf.fit(X, y)))
    clf.fit(X, y)
    assert len(clf.loss_curve_) == 3
    for p, q in zip(first, _params(clf)):
        np.testing.assert_array_equal(p, q)


def _hand_set_weights(est, seed=5):
    rng = np.random.RandomState(seed)
    coefs = [rng.uniform(-0.5, 0.5, c.shape) for c in est.coefs_]
    intercepts = [rng.uniform(-0.5, 0.5, b.shape) for b in est.intercepts_]
    return coefs, intercepts


def _set_weights(est, coefs, intercepts):
    est.coefs_ = copy.deepcopy(coefs)
    est.intercepts_ = copy.deepcopy(intercepts)


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("solver", STOCHASTIC)
def test_hand_set_weights_start_a_warm_fit(cls, solver, data):
    X, y = data[0], _target(cls, data)
    params = dict(SMALL, solver=solver, max_iter=2, warm_start=True)
    ours = cls(**params).fit(X, y)
    oracle = _oracle(cls)(**params).fit(X, y)
    coefs, intercepts = _hand_set_weights(ours)
    given = copy.deepcopy(coefs)
    _set_weights(ours, coefs, intercepts)
    _set_weights(oracle, coefs, intercepts)
    ours.set_params(max_iter=1).fit(X, y)
    oracle.set_params(max_iter=1).fit(X, y)
    _assert_same_params(ours, oracle, rtol=1e-12)
    # The epoch really started from the hand-set weights, not the old ones.
    start = cls(**params).set_params(max_iter=1)
    _set_weights(start, coefs, intercepts)
    start.fit(X, y)  # warm start of an unfitted model from given weights
    _assert_same_params(ours, start, rtol=1e-12)
    for p, q in zip(coefs, given):
        np.testing.assert_array_equal(p, q)  # the user's arrays are untouched


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("solver", STOCHASTIC)
def test_hand_set_weights_start_partial_fit(cls, solver, data):
    X, y = data[0], _target(cls, data)
    extra = {"classes": [0, 1, 2]} if cls is MLPClassifier else {}
    params = dict(SMALL, solver=solver, learning_rate_init=0.01)
    ours = cls(**params).partial_fit(X, y, **extra)
    oracle = _oracle(cls)(**params).partial_fit(X, y, **extra)
    coefs, intercepts = _hand_set_weights(ours)
    _set_weights(ours, coefs, intercepts)
    _set_weights(oracle, coefs, intercepts)
    ours.partial_fit(X, y)
    oracle.partial_fit(X, y)
    _assert_same_params(ours, oracle, rtol=1e-12)
    assert not np.allclose(ours.coefs_[0], coefs[0])
    # Weights edited in place are the starting point too.
    for est in (ours, oracle):
        est.coefs_[0][...] = coefs[0]
        est.intercepts_[-1][...] = 0.0
        est.partial_fit(X, y)
    _assert_same_params(ours, oracle, rtol=1e-12)


def test_hand_set_weights_of_the_wrong_shape_are_rejected(data):
    X, y, _ = data
    clf = MLPClassifier(warm_start=True, max_iter=2, **SMALL).fit(X, y)
    clf.coefs_ = [np.zeros((3, 5)), clf.coefs_[1]]
    with pytest.raises(ValueError, match="coefs_"):
        clf.fit(X, y)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_pickle_round_trip(cls, data):
    X, y = data[0], _target(cls, data)
    extra = {"classes": [0, 1, 2]} if cls is MLPClassifier else {}
    est = cls(solver=Adam(learning_rate=0.01), **SMALL).partial_fit(X, y, **extra)
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.predict(X), est.predict(X))
    # The optimizer state travels too: both continue identically.
    est.partial_fit(X, y)
    restored.partial_fit(X, y)
    _assert_same_params(restored, est, rtol=0, atol=0)


def test_pickle_keeps_early_stoppings_scores(data):
    # Weights equal to the best ones are pickled once; the validation
    # scores and best score beside them must survive that.
    X, y, _ = data
    est = MLPClassifier(early_stopping=True, max_iter=3, **SMALL).fit(X, y)
    est._progress.best_theta = est._theta.copy()
    restored = pickle.loads(pickle.dumps(est))
    assert restored._progress.validation_scores == est._progress.validation_scores
    assert restored._progress.best_validation_score == (
        est._progress.best_validation_score
    )
    np.testing.assert_array_equal(restored._progress.best_theta, est._theta)


def test_clone_copies_parameters_not_state(data):
    X, y, _ = data
    est = MLPClassifier(solver=RMSprop(learning_rate=0.01), alpha=0.1, **SMALL)
    est.fit(X, y)
    copied = clone(est)
    assert copied.solver is not est.solver
    assert copied.solver.get_params() == est.solver.get_params()
    assert copied.get_params(deep=False).keys() == est.get_params(deep=False).keys()
    assert copied.alpha == 0.1
    with pytest.raises(NotFittedError):
        check_is_fitted(copied)


def test_solver_params_are_nested(data):
    est = MLPClassifier(solver=Adam(learning_rate=0.01))
    assert est.get_params()["solver__learning_rate"] == 0.01
    est.set_params(solver__learning_rate=0.1)
    assert est.solver.learning_rate == 0.1


@pytest.mark.parametrize(
    "grid",
    [
        {"mlpclassifier__solver__learning_rate": [0.001, 0.01]},
        {
            "mlpclassifier__solver": [
                SGD(learning_rate=0.01),
                RMSprop(learning_rate=0.01),
                "adam",
            ]
        },
    ],
)
def test_grid_search_over_a_pipeline(grid, data):
    X, y, _ = data
    solver = Adam()
    before = copy.deepcopy(vars(solver))
    pipe = make_pipeline(StandardScaler(), MLPClassifier(solver=solver, max_iter=5))
    search = GridSearchCV(pipe, grid, cv=2).fit(X, y)
    (values,) = grid.values()
    assert len(search.cv_results_["params"]) == len(values)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_estimator_.predict(X).shape == (40,)
    assert vars(solver) == before  # the pipeline's own optimizer is untouched
    assert pipe.named_steps["mlpclassifier"].solver is solver


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
@pytest.mark.parametrize("optimizer", [SGD(learning_rate=0.01), Adam(), RMSprop()])
def test_fit_does_not_mutate_the_users_optimizer(method, optimizer, data):
    X, y, _ = data
    before = copy.deepcopy(vars(optimizer))
    est = MLPClassifier(solver=optimizer, max_iter=3, **SMALL)
    if method == "fit":
        est.fit(X, y)
    else:
        est.partial_fit(X, y, classes=[0, 1, 2]).partial_fit(X, y)
    assert est.solver is optimizer
    assert vars(optimizer) == before
    # Sharing one object between estimators shares no state either.
    twin = MLPClassifier(solver=optimizer, max_iter=3, **SMALL)
    alone = MLPClassifier(solver=clone(optimizer), max_iter=3, **SMALL)
    if method == "fit":
        twin.fit(X, y)
        alone.fit(X, y)
    else:
        twin.partial_fit(X, y, classes=[0, 1, 2]).partial_fit(X, y)
        alone.partial_fit(X, y, classes=[0, 1, 2]).partial_fit(X, y)
    _assert_same_params(twin, alone, rtol=0, atol=0)
