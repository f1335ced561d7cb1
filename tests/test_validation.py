"""Bad input gives clear scikit-learn-style errors; good input is never modified."""

import copy

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from skmlp import MLPClassifier, MLPRegressor

ESTIMATORS = (MLPClassifier, MLPRegressor)
SMALL = {"hidden_layer_sizes": (4,), "max_iter": 3, "random_state": 0}

# Every fit here is deliberately a few epochs on tiny data.
quick_fit = pytest.mark.filterwarnings(
    "ignore:Stochastic Optimizer:sklearn.exceptions.ConvergenceWarning",
    "ignore:lbfgs failed to converge:sklearn.exceptions.ConvergenceWarning",
)
pytestmark = quick_fit


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.randn(20, 3)
    y = np.arange(20) % 2
    y_reg = X @ np.array([1.0, -1.0, 2.0])
    return X, y, y_reg


def _target(cls, data):
    return data[1] if cls is MLPClassifier else data[2]


def _fitted(cls, data, **params):
    return cls(**{**SMALL, **params}).fit(data[0], _target(cls, data))


def _partial_fit(est, X, y, **kwargs):
    if isinstance(est, MLPClassifier) and not hasattr(est, "classes_"):
        kwargs.setdefault("classes", [0, 1])
    return est.partial_fit(X, y, **kwargs)


# -------------------------------------------------------------------- inputs
@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_X(cls, bad, data):
    X, y = data[0].copy(), _target(cls, data)
    X[3, 1] = bad
    match = "NaN" if np.isnan(bad) else "infinity"
    with pytest.raises(ValueError, match=match):
        cls(**SMALL).fit(X, y)
    with pytest.raises(ValueError, match=match):
        _partial_fit(cls(**SMALL), X, y)
    fitted = _fitted(cls, data)
    with pytest.raises(ValueError, match=match):
        fitted.predict(X)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_wrong_number_of_features(cls, data):
    X, y = data[0], _target(cls, data)
    est = _fitted(cls, data)
    message = "X has 2 features, but .* is expecting 3 features"
    methods = [est.predict, lambda X: est.score(X, y)]
    if cls is MLPClassifier:
        methods += [est.predict_proba, est.predict_log_proba]
    for method in methods:
        with pytest.raises(ValueError, match=message):
            method(X[:, :2])
    with pytest.raises(ValueError, match=message):
        est.partial_fit(X[:, :2], y)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_feature_names_must_match(cls, data):
    pd = pytest.importorskip("pandas")
    X, y = data[0], _target(cls, data)
    est = cls(**SMALL).fit(pd.DataFrame(X, columns=["a", "b", "c"]), y)
    with pytest.raises(ValueError, match="feature names should match"):
        est.predict(pd.DataFrame(X, columns=["a", "b", "z"]))
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        est.predict(X)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_warm_start_with_other_features(cls, data):
    X, y = data[0], _target(cls, data)
    est = _fitted(cls, data, warm_start=True)
    with pytest.raises(ValueError, match="features"):
        est.fit(X[:, :2], y)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_empty_input(cls, data):
    X, y = data[0], _target(cls, data)
    with pytest.raises(ValueError, match=r"0 sample\(s\)"):
        cls(**SMALL).fit(X[:0], y[:0])
    with pytest.raises(ValueError, match=r"0 feature\(s\)"):
        cls(**SMALL).fit(X[:, :0], y)
    with pytest.raises(ValueError, match=r"0 sample\(s\)"):
        _fitted(cls, data).predict(X[:0])


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_inconsistent_lengths(cls, data):
    X, y = data[0], _target(cls, data)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        cls(**SMALL).fit(X, y[:5])


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize(
    "sample_weight, match",
    [
        (-np.ones(20), "Negative values in data passed to `sample_weight`"),
        (np.r_[np.ones(19), -1.0], "Negative values in data passed to `sample_weight`"),
        (np.zeros(20), "at least one non-zero"),
        (np.ones(5), r"sample_weight.shape == \(5,\), expected \(20,\)"),
        (np.ones((20, 2)), "Sample weights must be 1D"),
        (np.r_[np.ones(19), np.nan], "NaN"),
    ],
    ids=["negative", "one-negative", "all-zero", "wrong-length", "2-D", "nan"],
)
def test_bad_sample_weight(cls, sample_weight, match, data):
    X, y = data[0], _target(cls, data)
    with pytest.raises(ValueError, match=match):
        cls(**SMALL).fit(X, y, sample_weight=sample_weight)
    with pytest.raises(ValueError, match=match):
        _partial_fit(cls(**SMALL), X, y, sample_weight=sample_weight)


def test_negative_poisson_targets(data):
    X, _, y = data
    match = "negative which is not allowed for Poisson regression"
    with pytest.raises(ValueError, match=match):
        MLPRegressor(loss="poisson", **SMALL).fit(X, y)
    with pytest.raises(ValueError, match=match):
        MLPRegressor(loss="poisson", **SMALL).partial_fit(X, y)
    # Zero is a valid Poisson count.
    MLPRegressor(loss="poisson", **SMALL).fit(X, np.abs(y) * (y > 0))


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_three_dimensional_y(cls, data):
    X, y = data[0], _target(cls, data)
    with pytest.raises(ValueError, match="dim 3"):
        cls(**SMALL).fit(X, y.reshape(20, 1, 1))


def test_continuous_y_to_the_classifier(data):
    X, _, y = data
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        MLPClassifier(**SMALL).fit(X, y)
    with pytest.raises(ValueError, match="Unknown label type"):
        MLPClassifier(**SMALL).partial_fit(X, y, classes=[0, 1])


def test_non_numeric_y_to_the_regressor(data):
    X = data[0]
    with pytest.raises(ValueError, match=r"could not convert string to float: .a."):
        MLPRegressor(**SMALL).fit(X, np.array(["a", "b"] * 10, dtype=object))


def test_predict_before_fit(data):
    for est in (MLPClassifier(), MLPRegressor()):
        with pytest.raises(NotFittedError, match="not fitted yet"):
            est.predict(data[0])
    with pytest.raises(NotFittedError):
        MLPClassifier().predict_proba(data[0])


# ---------------------------------------------------------------- parameters
BAD_PARAMETERS = [
    ("hidden_layer_sizes", (0,)),
    ("hidden_layer_sizes", (5, -1)),
    ("hidden_layer_sizes", 0),
    ("activation", "foo"),
    ("solver", "foo"),
    ("solver", object()),
    ("alpha", -1),
    ("batch_size", 0),
    ("learning_rate", "foo"),
    ("learning_rate_init", 0),
    ("power_t", -1),
    ("max_iter", 0),
    ("tol", -1),
    ("momentum", 2),
    ("momentum", -0.1),
    ("validation_fraction", 1.0),
    ("validation_fraction", -0.1),
    ("beta_1", 1.0),
    ("beta_2", 1.0),
    ("epsilon", 0),
    ("n_iter_no_change", 0),
    ("max_fun", 0),
    ("shuffle", "yes"),
    ("early_stopping", 2),
    ("penalty", "foo"),
    ("l1_ratio", 2),
    ("dropout", 1.0),
    ("dropout", -0.1),
    ("dropout", (0.1, 0.2)),
]


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize(
    "name, value", BAD_PARAMETERS, ids=[f"{n}={v!r}" for n, v in BAD_PARAMETERS]
)
def test_invalid_parameter(cls, name, value, data):
    X, y = data[0], _target(cls, data)
    est = cls(**{**SMALL, name: value})
    with pytest.raises(ValueError, match=name):
        est.fit(X, y)
    if hasattr(est, "partial_fit"):
        with pytest.raises(ValueError, match=name):
            _partial_fit(est, X, y)


def test_invalid_parameters_are_sklearns_error_type(data):
    with pytest.raises(InvalidParameterError, match="'alpha' parameter"):
        MLPClassifier(alpha=-1).fit(data[0], data[1])
    with pytest.raises(InvalidParameterError, match="'loss' parameter"):
        MLPRegressor(loss="foo").fit(data[0], data[2])


def test_parameters_are_only_validated_in_fit():
    # The constructor only stores its arguments (the scikit-learn rule).
    est = MLPClassifier(alpha=-1, solver="foo", hidden_layer_sizes=(0,))
    assert est.get_params()["alpha"] == -1


# ---------------------------------------------------------------- partial_fit
def test_partial_fit_needs_classes_on_the_first_call(data):
    X, y, _ = data
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        MLPClassifier(**SMALL).partial_fit(X, y)


def test_partial_fit_with_unseen_labels(data):
    X, y, _ = data
    clf = MLPClassifier(**SMALL).partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match=r"classes not in `self\.classes_`"):
        clf.partial_fit(X, y + 1)
    with pytest.raises(ValueError, match=r"classes not in `self\.classes_`"):
        MLPClassifier(**SMALL).partial_fit(X, y + 1, classes=[0, 1])


def test_partial_fit_with_other_classes_than_the_first_call(data):
    X, y, _ = data
    clf = MLPClassifier(**SMALL).partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="classes"):
        clf.partial_fit(X, y, classes=[0, 1, 2])


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_partial_fit_with_early_stopping(cls, data):
    X, y = data[0], _target(cls, data)
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping"):
        _partial_fit(cls(early_stopping=True, **SMALL), X, y)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_no_partial_fit_for_lbfgs(cls, data):
    est = cls(solver="lbfgs", **SMALL)
    assert not hasattr(est, "partial_fit")
    with pytest.raises(AttributeError, match="partial_fit"):
        est.partial_fit(data[0], _target(cls, data))
    # Switching to a stochastic solver brings it back.
    assert hasattr(est.set_params(solver="sgd"), "partial_fit")


def test_warm_start_with_other_classes(data):
    X, y, _ = data
    clf = _fitted(MLPClassifier, data, warm_start=True)
    with pytest.raises(ValueError, match="warm_start can only be used where `y`"):
        clf.fit(X, y + 1)


def test_validation_set_too_small(data):
    X, _, y = data
    est = MLPRegressor(early_stopping=True, validation_fraction=0.05, **SMALL)
    with pytest.raises(ValueError, match="validation set is too small"):
        est.fit(X, y)


# ----------------------------------------------------------- inputs untouched
def _inputs(kind, data):
    X, y, y_reg = data
    if kind == "float32":
        X = X.astype(np.float32)
    elif kind == "int":
        X = np.round(X * 10).astype(np.int64)
    elif kind == "csr":
        X = sp.csr_matrix(X * (np.abs(X) > 0.5))
    sample_weight = np.linspace(0.5, 2.0, len(y))
    return X, y, y_reg, sample_weight


def _same(a, b):
    if sp.issparse(a):
        assert sp.issparse(b) and a.format == b.format and a.dtype == b.dtype
        a, b = a.toarray(), b.toarray()
    assert a.dtype == b.dtype
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kind", ["float64", "float32", "int", "csr"])
@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam", "gd"])
@pytest.mark.parametrize("cls", ESTIMATORS)
def test_inputs_are_never_modified(cls, solver, kind, data):
    X, y, y_reg, sample_weight = _inputs(kind, data)
    y = y if cls is MLPClassifier else y_reg
    originals = copy.deepcopy((X, y, sample_weight))
    est = cls(solver=solver, **SMALL).fit(X, y, sample_weight=sample_weight)
    est.predict(X)
    est.score(X, y, sample_weight=sample_weight)
    if cls is MLPClassifier:
        est.predict_proba(X)
    if solver != "lbfgs":
        _partial_fit(est, X, y, sample_weight=sample_weight)
        cls(solver=solver, early_stopping=True, **SMALL).fit(
            X, y, sample_weight=sample_weight
        )
    for now, before in zip((X, y, sample_weight), originals):
        _same(now, before)


# ---------------------------------------------------------------- divergence
DIVERGING = [
    ("sgd-huge-rate", MLPRegressor, {"solver": "sgd", "learning_rate_init": 1e6}, 1),
    ("gd-huge-rate", MLPRegressor, {"solver": "gd", "learning_rate_init": 1e6}, 1),
    (
        "adam-huge-rate",
        MLPRegressor,
        {"solver": "adam", "learning_rate_init": 1e100},
        1,
    ),
    ("sgd-huge-X", MLPRegressor, {"solver": "sgd"}, 1e100),
    ("sgd-huge-X-clf", MLPClassifier, {"solver": "sgd"}, 1e100),
    (
        "adam-huge-rate-clf",
        MLPClassifier,
        {"solver": "adam", "learning_rate_init": 1e300},
        1,
    ),
    ("lbfgs-huge-X", MLPRegressor, {"solver": "lbfgs"}, 1e100),
]


@pytest.mark.parametrize(
    "cls, params, scale", [d[1:] for d in DIVERGING], ids=[d[0] for d in DIVERGING]
)
def test_diverging_fit_stops_with_a_clear_warning(cls, params, scale, data):
    X, y = data[0] * scale, _target(cls, data)
    est = cls(hidden_layer_sizes=(5,), max_iter=50, random_state=0, **params)
    # RuntimeWarnings are errors in this suite: only the one explanation shows.
    with pytest.warns(ConvergenceWarning, match="diverged") as record:
        est.fit(X, y)
    (message,) = [str(w.message) for w in record if "diverged" in str(w.message)]
    assert "learning rate" in message and "StandardScaler" in message
    assert all(np.isfinite(p).all() for p in est.coefs_ + est.intercepts_)
    assert np.isfinite(est.predict(X)).all()
    if cls is MLPClassifier:
        assert np.isfinite(est.predict_proba(X)).all()


def test_diverging_partial_fit_keeps_finite_weights(data):
    X, _, y = data
    est = MLPRegressor(solver="sgd", learning_rate_init=1e6, **SMALL)
    with pytest.warns(ConvergenceWarning, match="diverged"):
        for _ in range(10):
            est.partial_fit(X, y)
    assert all(np.isfinite(p).all() for p in est.coefs_ + est.intercepts_)


def test_minibatch_with_all_zero_weights_is_skipped():
    """A minibatch whose weights are all zero has no normalizer: it is skipped."""
    import warnings

    rng = np.random.RandomState(0)
    X = rng.standard_normal((10, 3))
    y = np.array([0, 1] * 5)
    weights = np.array([0.0] * 5 + [1.0] * 5)
    clf = MLPClassifier(
        hidden_layer_sizes=(3,), batch_size=5, shuffle=False, max_iter=3, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        warnings.filterwarnings("ignore", message="Stochastic Optimizer")
        clf.fit(X, y, sample_weight=weights)
    assert clf.n_iter_ == len(clf.loss_curve_) == 3
    assert np.isfinite(clf.loss_curve_).all()
    # Only the weighted batch trained: the same as fitting it alone.
    alone = MLPClassifier(
        hidden_layer_sizes=(3,), batch_size=5, shuffle=False, max_iter=3, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        alone.fit(X[5:], y[5:], sample_weight=weights[5:])
    for a, b in zip(clf.coefs_, alone.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-12)


# ------------------------------------------------ what a failed call leaves
def _fitted_attributes(est):
    return sorted(name for name in vars(est) if name.endswith("_"))


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize(
    "bad_fit, match",
    [
        ({"sample_weight": -np.ones(20)}, "Negative values in data"),
        ({"early_stopping": True, "validation_fraction": 0.05}, "too small"),
    ],
    ids=["negative weights", "no validation rows"],
)
def test_a_fresh_fit_that_fails_leaves_the_estimator_unfitted(
    cls, bad_fit, match, data
):
    X, y = data[0], _target(cls, data)
    sample_weight = bad_fit.get("sample_weight")
    params = {k: v for k, v in bad_fit.items() if k != "sample_weight"}
    for est in (cls(**SMALL, **params), _fitted(cls, data).set_params(**params)):
        with pytest.raises(ValueError, match=match):
            est.fit(X, y, sample_weight=sample_weight)
        assert _fitted_attributes(est) == []
        with pytest.raises(NotFittedError):
            est.predict(X)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_a_warm_start_fit_that_fails_keeps_the_fit_it_continued(cls, data):
    X, y = data[0], _target(cls, data)
    est = _fitted(cls, data, warm_start=True)
    before = [w.copy() for w in est.coefs_ + est.intercepts_]
    with pytest.raises(ValueError, match="Negative values in data"):
        est.fit(X, y, sample_weight=-np.ones(20))
    for a, b in zip(est.coefs_ + est.intercepts_, before):
        np.testing.assert_array_equal(a, b)
    assert est.predict(X).shape == (20,)


@pytest.mark.parametrize("continuation", ["partial_fit", "warm_start"])
def test_another_number_of_outputs_is_named(continuation, data):
    X, y_reg = data[0], data[2]
    Y = np.column_stack([y_reg, -y_reg])
    est = MLPRegressor(**SMALL, warm_start=continuation == "warm_start")
    method = est.partial_fit if continuation == "partial_fit" else est.fit
    method(X, y_reg)
    with pytest.raises(
        ValueError, match=r"y has 2 output\(s\) but the model being continued has 1"
    ):
        method(X, Y)


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_regression_targets_written_as_strings(loss, data):
    X, y = data[0], np.abs(data[2])
    as_floats = MLPRegressor(**SMALL, loss=loss).fit(X, y)
    as_strings = MLPRegressor(**SMALL, loss=loss).fit(X, y.astype(str))
    for a, b in zip(as_floats.coefs_, as_strings.coefs_):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="could not convert string to float"):
        MLPRegressor(**SMALL, loss=loss).fit(X, np.full(20, "many"))
