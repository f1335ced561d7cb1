"""Prediction's fast paths give scikit-learn's results, errors and warnings.

The fast input check must raise and warn exactly as ``validate_data`` does,
and label decoding must return ``LabelBinarizer.inverse_transform``'s labels,
dtype and shape; each is compared with scikit-learn's own estimator.
"""

import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.preprocessing import LabelBinarizer

from skmlp import MLPClassifier, MLPRegressor, _network, _predicting


def _fit_both(X, y, **params):
    params = dict(hidden_layer_sizes=(5,), max_iter=5, random_state=0, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return MLPClassifier(**params).fit(X, y), SkClassifier(**params).fit(X, y)


def _outcome(call):
    """What ``call()`` does: its result, or its error's type and message,
    with the warnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = ("ok", call())
        except Exception as error:
            result = (type(error), str(error))
    return result, [(w.category, str(w.message)) for w in caught]


def _same_outcome(ours, theirs):
    (kind, a), warned = ours
    (kind_b, b), warned_b = theirs
    assert kind == kind_b and warned == warned_b
    if kind == "ok":
        np.testing.assert_array_equal(a, b, strict=True)
    else:
        assert a == b


@pytest.fixture(scope="module")
def models():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 4))
    return X, _fit_both(X, np.arange(40) % 3)


BAD_INPUTS = {
    "three features": np.ones((2, 3)),
    "five features": np.ones((2, 5)),
    "nan": np.array([[0.0, np.nan, 1, 2]]),
    "inf": np.array([[0.0, np.inf, 1, 2]]),
    "-inf float32": np.array([[0.0, -np.inf, 1, 2]], np.float32),
    "inf and -inf": np.array([[np.inf, -np.inf, 1, 2]]),
    "one-d": np.ones(4),
    "no rows": np.ones((0, 4)),
    "three-d": np.ones((1, 2, 4)),
    "complex": np.ones((1, 4), complex),
}
GOOD_INPUTS = {
    "float64": np.arange(8.0).reshape(2, 4),
    "float32": np.arange(8, dtype=np.float32).reshape(2, 4),
    "fortran": np.asfortranarray(np.arange(8.0).reshape(2, 4)),
    "strided": np.arange(16.0).reshape(4, 4)[::2],
    "ints": np.arange(8).reshape(2, 4),
    "list": [[0.0, 1, 2, 3]],
    "csr": sp.csr_matrix(np.eye(2, 4)),
    "huge but finite": np.full((1, 4), 1e308),
    "big-endian": np.arange(8.0).reshape(2, 4).astype(">f8"),
}


@pytest.mark.parametrize("method", ["predict", "predict_proba"])
@pytest.mark.parametrize("name", [*BAD_INPUTS, *GOOD_INPUTS])
def test_inputs_as_scikit_learn(models, method, name):
    X = {**BAD_INPUTS, **GOOD_INPUTS}[name]
    _, (ours, theirs) = models
    outcome = _outcome(lambda: getattr(ours, method)(X))
    _same_outcome(outcome, _outcome(lambda: getattr(theirs, method)(X)))
    assert (outcome[0][0] == "ok") == (name in GOOD_INPUTS)


def test_feature_names_warn_and_fail_as_scikit_learn():
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(
        np.random.default_rng(0).standard_normal((30, 3)), columns=list("abc")
    )
    ours, theirs = _fit_both(X, np.arange(30) % 2)
    for data in (X.to_numpy(), X[["c", "b", "a"]], X.rename(columns={"a": "z"}), X):
        for method in ("predict", "predict_proba"):
            _same_outcome(
                _outcome(lambda m=method, d=data: getattr(ours, m)(d)),
                _outcome(lambda m=method, d=data: getattr(theirs, m)(d)),
            )
    _, warned = _outcome(lambda: ours.predict(X.to_numpy()))
    assert any("does not have valid feature names" in str(m) for _, m in warned)
    # A model fit on an ndarray warns when given names, as scikit-learn's.
    ours, theirs = _fit_both(X.to_numpy(), np.arange(30) % 2)
    _same_outcome(
        _outcome(lambda: ours.predict(X)), _outcome(lambda: theirs.predict(X))
    )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_unfitted_and_refitted_as_scikit_learn():
    for model in (MLPClassifier(), MLPRegressor()):
        message = re.escape(f"This {type(model).__name__} instance is not fitted yet")
        with pytest.raises(NotFittedError, match=message):
            model.predict(np.ones((1, 2)))
    with pytest.raises(NotFittedError, match="not fitted yet"):
        MLPClassifier().predict_proba(np.ones((1, 2)))

    class Decides(MLPRegressor):
        def __sklearn_is_fitted__(self):
            return False

    model = Decides(hidden_layer_sizes=(2,), max_iter=2).fit(
        np.ones((4, 2)), np.ones(4)
    )
    with pytest.raises(NotFittedError):  # its own answer, though coefs_ is set
        model.predict(np.ones((1, 2)))


def _old_path(model, X):
    """Labels and probabilities as computed before the fast paths."""
    y = _network.predict(
        model.coefs_, model.intercepts_, X, model.activation, model.out_activation_
    )
    y = y.ravel() if y.shape[1] == 1 else y
    labels = model._label_binarizer.inverse_transform(y)
    proba = np.clip(y, *model._probability_bounds(y.dtype))
    return labels, np.vstack([1 - proba, proba]).T if proba.ndim == 1 else proba


TARGETS = {
    "binary ints": np.arange(40) % 2,
    "binary strings": np.where(np.arange(40) % 2, "yes", "no"),
    "multiclass strings": np.array(["ant", "bee", "cat", "dog"])[np.arange(40) % 4],
    "multiclass floats": (np.arange(40) % 3) * 2.0 - 2.0,
    "multiclass negative ints": np.arange(40) % 5 - 7,
    "booleans": np.arange(40) % 3 == 0,
    "multilabel": np.column_stack([np.arange(40) % 2, np.arange(40) % 3 == 0]),
}


@pytest.mark.parametrize("name", TARGETS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_labels_as_inverse_transform_and_scikit_learn(name, dtype):
    X = np.random.default_rng(1).standard_normal((40, 3)).astype(dtype)
    ours, theirs = _fit_both(X, TARGETS[name])
    labels, proba = _old_path(ours, X)
    np.testing.assert_array_equal(ours.predict(X), labels, strict=True)
    np.testing.assert_array_equal(ours.predict_proba(X), proba, strict=True)
    assert ours.predict_proba(X).flags.f_contiguous == proba.flags.f_contiguous
    if dtype == np.float64:  # float32 fits differ in the last bits
        np.testing.assert_array_equal(ours.predict(X), theirs.predict(X), strict=True)
        np.testing.assert_array_equal(ours.predict_proba(X), theirs.predict_proba(X))


def test_decode_ties_nan_and_fallbacks():
    binarizer = LabelBinarizer().fit([3, 1, 2])
    scores = np.array([[0.5, 0.5, 0.0], [np.nan, 1.0, 0.0], [0.1, 0.2, 0.3]])
    expected = binarizer.inverse_transform(scores)
    np.testing.assert_array_equal(_predicting.decode(binarizer, scores), expected)
    assert _predicting.decode(binarizer, scores).tolist() == [1, 1, 3]
    binary = LabelBinarizer().fit(["a", "b"])
    at_threshold = np.array([0.5, np.nextafter(0.5, 1), np.nan])
    assert _predicting.decode(binary, at_threshold).tolist() == ["a", "b", "a"]
    # A sparse fit and a single class go to inverse_transform itself.
    sparse = LabelBinarizer(sparse_output=True).fit(sp.csr_matrix(np.eye(3)))
    decoded = _predicting.decode(sparse, np.eye(3))
    assert sp.issparse(decoded)
    single = LabelBinarizer().fit([7, 7])
    assert _predicting.decode(single, np.array([0.9, 0.1])).tolist() == [7, 7]


def test_fast_relu_forward_is_the_networks():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((50, 6))
    X[0, 0] = np.nan
    for hidden in ("relu", "tanh", "logistic", "identity"):
        for output in ("softmax", "logistic", "identity"):
            coefs = [rng.standard_normal((6, 7)), rng.standard_normal((7, 3))]
            intercepts = [rng.standard_normal(7), rng.standard_normal(3)]
            coefs[0][:, 0] = -0.0
            args = (coefs, intercepts, X, hidden, output)
            np.testing.assert_array_equal(
                _predicting.network_output(*args), _network.predict(*args)
            )
