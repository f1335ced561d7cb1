"""class_weight, a given validation set, the validation loss, multilabel partial_fit.

Each extra is pinned to the fit it must equal bit for bit: ``class_weight`` to
the matching explicit sample weights, a validation set to the fit without one
(it only watches), its scores and losses to the ones computed by hand at each
epoch's weights (fits with ``max_iter=k`` stop at the k-th epoch's weights of
the same trajectory), multilabel ``partial_fit`` to scikit-learn's.
"""

import warnings

import numpy as np
import pytest
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, log_loss, r2_score
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_class_weight, compute_sample_weight

from skmlp import MLPClassifier, MLPRegressor
from skmlp._network import Layout, Objective, Workspace, loss_and_grad
from skmlp.penalties import penalty_from_params

SMALL = {"hidden_layer_sizes": (6,), "random_state": 0}
SOLVERS = ("sgd", "adam", "lbfgs")


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.fixture(scope="module")
def data():
    """Imbalanced three-class data and a validation set."""
    rng = np.random.RandomState(0)
    X = rng.randn(120, 4)
    y = (X[:, 0] > 0.6).astype(int) + (X[:, 1] > 1.2)
    X_val = rng.randn(40, 4)
    y_val = (X_val[:, 0] > 0.6).astype(int) + (X_val[:, 1] > 1.2)
    sw = rng.uniform(0.5, 2.0, 120)
    sw_val = rng.uniform(0.5, 2.0, 40)
    return X, y, X_val, y_val, sw, sw_val


def _same_fit(a, b):
    for p, q in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        assert np.array_equal(p, q)
    assert np.array_equal(a.loss_curve_, b.loss_curve_)
    assert a.n_iter_ == b.n_iter_
    for name in ("validation_scores_", "validation_loss_curve_"):
        assert getattr(a, name, None) == getattr(b, name, None)


def _explicit_weights(class_weight, y, sw=None):
    """What class_weight means as sample weights: its class weight per row
    ("balanced" from the sample-weighted counts) times ``sw``."""
    classes = np.unique(y)
    table = compute_class_weight(class_weight, classes=classes, y=y, sample_weight=sw)
    weights = table[np.searchsorted(classes, y)]
    return weights if sw is None else weights * sw


# ----------------------------------------------------------------- class_weight
@pytest.mark.parametrize(
    "solver, early_stopping",
    # lbfgs does not stop early.
    [("sgd", False), ("sgd", True), ("adam", False), ("adam", True), ("lbfgs", False)],
)
@pytest.mark.parametrize("class_weight", ["balanced", {0: 1.0, 1: 3.0, 2: 0.25}])
@pytest.mark.parametrize("with_sw", [False, True])
def test_class_weight_is_its_sample_weights(
    solver, class_weight, with_sw, early_stopping, data
):
    X, y, _, _, sw, _ = data
    sw = sw if with_sw else None
    params = dict(SMALL, solver=solver, max_iter=25, early_stopping=early_stopping)
    weighted = MLPClassifier(class_weight=class_weight, **params).fit(
        X, y, sample_weight=sw
    )
    explicit = MLPClassifier(**params).fit(
        X, y, sample_weight=_explicit_weights(class_weight, y, sw)
    )
    _same_fit(weighted, explicit)
    if early_stopping:
        # The split-off part carries the class weights into the score.
        assert len(weighted.validation_scores_) == weighted.n_iter_


def test_balanced_without_sample_weight_is_compute_sample_weight(data):
    X, y = data[:2]
    ours = MLPClassifier(class_weight="balanced", max_iter=20, **SMALL).fit(X, y)
    weights = compute_sample_weight("balanced", y)
    _same_fit(
        ours, MLPClassifier(max_iter=20, **SMALL).fit(X, y, sample_weight=weights)
    )


def test_class_weight_with_string_labels(data):
    X, y = data[:2]
    labels = np.array(["low", "mid", "high"])[y]
    cw = {"low": 0.5, "mid": 2.0, "high": 4.0}
    ours = MLPClassifier(class_weight=cw, max_iter=20, **SMALL).fit(X, labels)
    weights = compute_sample_weight(cw, labels)
    explicit = MLPClassifier(max_iter=20, **SMALL).fit(X, labels, sample_weight=weights)
    _same_fit(ours, explicit)


def test_class_weight_dict_with_an_unknown_class_is_an_error(data):
    X, y = data[:2]
    with pytest.raises(ValueError, match="not in class_weight"):
        MLPClassifier(class_weight={0: 1.0, 7: 2.0}, max_iter=2).fit(X, y)


def test_class_weight_changes_the_fit(data):
    X, y = data[:2]
    plain = MLPClassifier(max_iter=20, **SMALL).fit(X, y)
    weighted = MLPClassifier(class_weight="balanced", max_iter=20, **SMALL).fit(X, y)
    assert not np.array_equal(plain.coefs_[0], weighted.coefs_[0])


def test_multilabel_balanced_is_compute_sample_weight(data):
    X = data[0]
    Y = np.c_[X[:, 0] > 0.8, X[:, 1] > 0, X[:, 2] > -1].astype(int)
    ours = MLPClassifier(class_weight="balanced", max_iter=20, **SMALL).fit(X, Y)
    weights = compute_sample_weight("balanced", Y)
    _same_fit(
        ours, MLPClassifier(max_iter=20, **SMALL).fit(X, Y, sample_weight=weights)
    )


def test_multilabel_class_weight_dict_is_refused(data):
    X = data[0]
    Y = np.c_[X[:, 0] > 0.8, X[:, 1] > 0].astype(int)
    with pytest.raises(ValueError, match="not supported for multilabel"):
        MLPClassifier(class_weight={0: 1, 1: 2}, max_iter=2).fit(X, Y)


def test_partial_fit_class_weight(data):
    X, y = data[:2]
    cw = {0: 1.0, 1: 3.0, 2: 0.25}
    ours = MLPClassifier(class_weight=cw, solver="sgd", **SMALL)
    explicit = MLPClassifier(solver="sgd", **SMALL)
    for _ in range(3):
        ours.partial_fit(X, y, classes=[0, 1, 2])
        explicit.partial_fit(
            X, y, classes=[0, 1, 2], sample_weight=compute_sample_weight(cw, y)
        )
    _same_fit(ours, explicit)
    balanced = MLPClassifier(class_weight="balanced", solver="sgd")
    # As lbfgs has none: scikit-learn's checks then skip partial_fit.
    assert not hasattr(balanced, "partial_fit")
    with pytest.raises(AttributeError) as error:
        balanced.partial_fit(X, y, classes=[0, 1, 2])
    assert "not available with class_weight='balanced'" in str(error.value.__cause__)


def test_balanced_needs_weight_in_every_class(data):
    X, y = data[:2]
    sw = np.where(y == 2, 0.0, 1.0)
    with pytest.raises(ValueError, match=r"class\(es\) \[2\] sum to zero"):
        MLPClassifier(class_weight="balanced", max_iter=2).fit(X, y, sample_weight=sw)


def test_class_weight_multiplies_the_given_validation_weights(data):
    X, y, X_val, y_val, sw, sw_val = data
    cw = {0: 1.0, 1: 3.0, 2: 0.25}
    params = dict(SMALL, early_stopping=True, max_iter=15, n_iter_no_change=100)
    ours = MLPClassifier(class_weight=cw, **params).fit(
        X, y, sw, X_val=X_val, y_val=y_val, sample_weight_val=sw_val
    )
    explicit = MLPClassifier(**params).fit(
        X,
        y,
        _explicit_weights(cw, y, sw),
        X_val=X_val,
        y_val=y_val,
        sample_weight_val=compute_sample_weight(cw, y_val) * sw_val,
    )
    _same_fit(ours, explicit)


# --------------------------------------------------------- a given validation set
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_a_validation_set_only_watches(cls, solver, data):
    """Without early stopping it changes nothing but validation_loss_curve_."""
    X, y, X_val, y_val, sw, sw_val = data
    params = dict(SMALL, solver=solver, max_iter=20)
    plain = cls(**params).fit(X, y, sw)
    watched = cls(**params).fit(
        X, y, sw, X_val=X_val, y_val=y_val, sample_weight_val=sw_val
    )
    assert plain.validation_loss_curve_ is None
    assert len(watched.validation_loss_curve_) == len(watched.loss_curve_)
    watched.validation_loss_curve_ = None
    _same_fit(plain, watched)


def _epoch_fits(params, X, y, n_epochs, **fit_params):
    """The weights after each of the first ``n_epochs`` epochs (fits whose
    max_iter stops the same trajectory there)."""
    return [
        MLPClassifier(**params, max_iter=k).fit(X, y, **fit_params)
        for k in range(1, n_epochs + 1)
    ]


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_given_validation_set_drives_early_stopping(solver, data):
    X, y, X_val, y_val, _, sw_val = data
    params = dict(SMALL, solver=solver, n_iter_no_change=100, learning_rate_init=0.01)
    stopped = MLPClassifier(early_stopping=True, max_iter=8, **params).fit(
        X, y, X_val=X_val, y_val=y_val, sample_weight_val=sw_val
    )
    epochs = _epoch_fits(params, X, y, 8)
    by_hand = [
        accuracy_score(y_val, e.predict(X_val), sample_weight=sw_val) for e in epochs
    ]
    assert stopped.validation_scores_ == by_hand
    assert stopped.best_validation_score_ == max(by_hand)
    # The best epoch's weights are restored (the first best one).
    best = epochs[int(np.argmax(by_hand))]
    for p, q in zip(stopped.coefs_, best.coefs_):
        assert np.array_equal(p, q)
    # No rows were split off: every epoch trained on all 120.
    assert stopped.t_ == 8 * 120


def test_given_validation_set_stops_a_regressor(data):
    X, _, X_val, *_ = data
    y, y_val = X @ [1.0, -2.0, 0.5, 0.0], X_val @ [1.0, -2.0, 0.5, 0.0]
    params = dict(SMALL, solver="adam", learning_rate_init=0.01)
    stopped = MLPRegressor(early_stopping=True, max_iter=5, **params).fit(
        X, y, X_val=X_val, y_val=y_val
    )
    last = MLPRegressor(max_iter=5, **params).fit(X, y)
    assert stopped.validation_scores_[-1] == r2_score(y_val, last.predict(X_val))


def _objective_at(est, X, Y, sw):
    """The objective of ``est``'s weights on encoded ``(X, Y)``, by the
    training code's own loss_and_grad on fresh buffers."""
    theta = est._theta
    loss = est._loss_name()
    penalty = penalty_from_params(est.penalty, est.alpha, est.l1_ratio)
    layout = Layout([est.n_features_in_, *est.hidden_layer_sizes, est.n_outputs_])
    objective = Objective(layout, est.activation, loss, penalty)
    workspace = Workspace(objective.layout, X.shape[0], theta.dtype)
    X = X.astype(theta.dtype)
    return loss_and_grad(objective, theta, np.empty_like(theta), X, Y, sw, workspace)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("penalty", ["l2", "elasticnet"])
def test_validation_loss_is_the_objective_at_each_epoch(solver, penalty, data):
    X, y, X_val, y_val, _, sw_val = data
    params = dict(SMALL, solver=solver, penalty=penalty, alpha=0.01)
    fit_val = dict(X_val=X_val, y_val=y_val, sample_weight_val=sw_val)
    watched = MLPClassifier(max_iter=6, **params).fit(X, y, **fit_val)
    epochs = _epoch_fits(params, X, y, 6)
    Y_val = epochs[0]._label_binarizer.transform(y_val).astype(bool)
    by_hand = [_objective_at(e, X_val, Y_val, sw_val) for e in epochs]
    assert watched.validation_loss_curve_ == by_hand


def test_validation_loss_is_the_log_loss_plus_the_penalty(data):
    """The same number by scikit-learn's log_loss and the L2 formula."""
    X, y, X_val, y_val, _, sw_val = data
    est = MLPClassifier(alpha=0.1, max_iter=30, **SMALL).fit(
        X, y, X_val=X_val, y_val=y_val, sample_weight_val=sw_val
    )
    proba = est.predict_proba(X_val)
    squares = sum(np.sum(W**2) for W in est.coefs_)
    penalty = 0.1 / 2 * squares / np.sum(sw_val)
    expected = log_loss(y_val, proba, sample_weight=sw_val) + penalty
    np.testing.assert_allclose(est.validation_loss_curve_[-1], expected, rtol=1e-12)


def test_float32_validation_loss(data):
    X, y, X_val, y_val = data[:4]
    X = X.astype(np.float32)
    est = MLPClassifier(max_iter=5, **SMALL).fit(X, y, X_val=X_val, y_val=y_val)
    assert est.coefs_[0].dtype == np.float32
    Y_val = est._label_binarizer.transform(y_val).astype(bool)
    assert est.validation_loss_curve_[-1] == _objective_at(est, X_val, Y_val, None)


def test_split_validation_set_has_a_loss_curve(data):
    X, y = data[0], data[1] > 0  # binary: scikit-learn stratifies only those
    est = MLPClassifier(early_stopping=True, max_iter=30, **SMALL).fit(X, y)
    sk = SkMLPClassifier(early_stopping=True, max_iter=30, **SMALL).fit(X, y)
    # The fit is scikit-learn's; the loss curve is an addition.
    assert est.validation_scores_ == sk.validation_scores_
    assert len(est.validation_loss_curve_) == len(est.loss_curve_) == sk.n_iter_
    assert np.all(np.isfinite(est.validation_loss_curve_))


def test_validation_loss_curve_continues_like_the_loss_curve(data):
    X, y, X_val, y_val = data[:4]
    est = MLPClassifier(warm_start=True, max_iter=3, **SMALL)
    est.fit(X, y, X_val=X_val, y_val=y_val).fit(X, y, X_val=X_val, y_val=y_val)
    assert len(est.validation_loss_curve_) == len(est.loss_curve_) == 6
    est.fit(X, y)
    assert est.validation_loss_curve_ is None
    est = MLPClassifier(solver="sgd", **SMALL).partial_fit(X, y, classes=[0, 1, 2])
    assert est.validation_loss_curve_ is None


def test_pipeline_transforms_X_val(data):
    X, y, X_val, y_val = data[:4]
    X, X_val = X * 10 + 3, X_val * 10 + 3
    params = dict(SMALL, early_stopping=True, max_iter=10)
    with sklearn.config_context(enable_metadata_routing=True):
        mlp = MLPClassifier(**params).set_fit_request(X_val=True, y_val=True)
        pipe = Pipeline(
            [("scale", StandardScaler()), ("mlp", mlp)], transform_input=["X_val"]
        )
        pipe.fit(X, y, X_val=X_val, y_val=y_val)
    scaler = StandardScaler().fit(X)
    by_hand = MLPClassifier(**params).fit(
        scaler.transform(X), y, X_val=scaler.transform(X_val), y_val=y_val
    )
    _same_fit(pipe[-1], by_hand)


@pytest.mark.parametrize(
    "given, match",
    [
        ({"X_val": "X"}, "X_val is provided, but y_val was not provided"),
        ({"y_val": "y"}, "y_val is provided, but X_val was not provided"),
        ({"sample_weight_val": "sw"}, "sample_weight_val is given without"),
        ({"X_val": "X3", "y_val": "y"}, "X has 3 features, but MLPClassifier"),
        ({"X_val": "X", "y_val": "y10"}, "inconsistent numbers of samples"),
        ({"X_val": "X", "y_val": "y_new"}, "classes not in `self.classes_`"),
        ({"X_val": "X", "y_val": "y", "sample_weight_val": "sw3"}, "sample_weight"),
        (
            {"X_val": "X", "y_val": "y", "sample_weight_val": "sw0"},
            "at least one non-zero",
        ),
        ({"X_val": "X", "y_val": "Y2"}, "multilabel indicator matrix"),
        ({"X_val": "Xnan", "y_val": "y"}, "Input X contains NaN"),
    ],
)
def test_bad_validation_sets_are_value_errors(given, match, data):
    X, y, X_val, y_val = data[:4]
    values = {
        "X": X_val,
        "X3": X_val[:, :3],
        "Xnan": np.where(X_val > 2, np.nan, X_val),
        "y": y_val,
        "y10": y_val[:10],
        "y_new": y_val + 5,
        "Y2": np.c_[y_val > 0, y_val > 1].astype(int),
        "sw": np.ones(40),
        "sw3": np.ones(3),
        "sw0": np.zeros(40),
    }
    kwargs = {k: values[v] for k, v in given.items()}
    est = MLPClassifier(max_iter=2, **SMALL)
    with pytest.raises(ValueError, match=match):
        est.fit(X, y, **kwargs)
    assert not hasattr(est, "coefs_")


def test_regressor_validation_outputs_must_match(data):
    X, _, X_val, *_ = data
    with pytest.raises(ValueError, match="y_val has 1 output column"):
        MLPRegressor(max_iter=2).fit(X, X[:, :2], X_val=X_val, y_val=X_val[:, 0])
    with pytest.raises(ValueError, match="negative"):
        MLPRegressor(loss="poisson", max_iter=2).fit(
            X, np.abs(X[:, 0]), X_val=X_val, y_val=X_val[:, 0]
        )


# ---------------------------------------------------------- multilabel partial_fit
@pytest.fixture(scope="module")
def multilabel():
    rng = np.random.RandomState(1)
    X = rng.randn(90, 5)
    Y = np.c_[X[:, 0] > 0, X[:, 1] + X[:, 2] > 0, X[:, 3] > 0.5].astype(int)
    return X, Y


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_multilabel_partial_fit_is_sklearns(solver, multilabel):
    X, Y = multilabel
    ours = MLPClassifier(solver=solver, **SMALL)
    sk = SkMLPClassifier(solver=solver, **SMALL)
    for start in (0, 30, 60, 0):
        rows = slice(start, start + 30)
        classes = [0, 1, 2] if start == 0 else None
        ours.partial_fit(X[rows], Y[rows], classes=classes)
        sk.partial_fit(X[rows], Y[rows], classes=classes)
    np.testing.assert_array_equal(ours.classes_, [0, 1, 2])
    for p, q in zip(ours.coefs_ + ours.intercepts_, sk.coefs_ + sk.intercepts_):
        assert np.array_equal(p, q)
    assert ours.loss_curve_ == sk.loss_curve_
    np.testing.assert_array_equal(ours.predict(X), sk.predict(X))


def test_multilabel_partial_fit_classes_are_fixed_by_the_first_call(multilabel):
    X, Y = multilabel
    est = MLPClassifier(solver="sgd", **SMALL).partial_fit(X, Y, classes=[0, 1, 2])
    # A later call whose rows happen to have no positive of a label is fine.
    est.partial_fit(X[:5], np.zeros((5, 3), dtype=int))
    assert est.n_outputs_ == 3
    coefs = [c.copy() for c in est.coefs_]
    with pytest.raises(ValueError, match="y has 4 label columns but the model"):
        est.partial_fit(X, np.c_[Y, Y[:, 0]])
    with pytest.raises(ValueError, match="y has 2 label columns"):
        est.partial_fit(X, Y[:, :2])
    with pytest.raises(ValueError, match="y is class labels but the model was fit"):
        est.partial_fit(X, Y[:, 0])
    for before, after in zip(coefs, est.coefs_):
        assert np.array_equal(before, after)
    with pytest.raises(ValueError, match="classes must be the column indices"):
        MLPClassifier(solver="sgd").partial_fit(X, Y, classes=[0, 1])
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        MLPClassifier(solver="sgd").partial_fit(X, Y)


def test_labels_after_a_multilabel_first_call_are_refused(multilabel):
    X, Y = multilabel
    est = MLPClassifier(solver="sgd", **SMALL).partial_fit(X, Y[:, 0], classes=[0, 1])
    with pytest.raises(ValueError, match="y is a multilabel indicator matrix"):
        est.partial_fit(X, Y[:, :2])
