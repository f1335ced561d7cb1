"""Fuzzed inputs: every call succeeds with finite, well-shaped output or fails clearly.

Hypothesis draws what a user might hand to ``fit``, ``partial_fit``,
``predict``, ``predict_proba`` and ``score``: 0 rows or columns upward, every
dtype (bool, int, float16/32/64, object, strings, pandas' nullable types), NaN
and infinity, lists, DataFrames, every sparse format, labels of every type,
odd sample weights, and parameters at the edges of their ranges.  Each call
must either

- succeed, with finite outputs of the documented shape and dtype, or
- raise ``ValueError`` or ``TypeError`` whose message names the problem
  (one of :data:`ACCEPTED_MESSAGES`),

must never emit a ``RuntimeWarning`` (NumPy's overflow and invalid-value
warnings, errors in this suite) and never modify its inputs (their bytes are
hashed before and after).  The estimators are tiny so each example is fast;
``HYPOTHESIS_PROFILE=thorough`` runs many more examples.

``test_validation.py`` pins each error message on a hand-picked input; here
the inputs are combined at random.
"""

from __future__ import annotations

import functools
import hashlib
import pickle
import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.exceptions import (
    ConvergenceWarning,
    DataConversionWarning,
    UndefinedMetricWarning,
)

from skmlp import MLPClassifier, MLPRegressor
from skmlp._solvers import SOLVER_NAMES
from skmlp.optimizers import SGD, Adam, RMSprop

#: What an error message must mention: the offending input or its property.
ACCEPTED_MESSAGES = (
    r"NaN",
    r"infinity",
    r"feature",
    r"sample",
    r"label",
    r"dtype",
    r"class",
    r"weight",
    r"negative",
    r"shape",
    r"empty",
    r"minimum of",
    r"Unknown label type",
    r"could not convert",
    r"[Cc]omplex",
    r"validation",
    r"dim \d",
    r"does not support early_stopping",
    r"number of output",
)

FORMATS = (
    "ndarray",
    "list",
    "dataframe",
    "csr",
    "csc",
    "coo",
    "lil",
    "dok",
    "bsr",
    "dia",
    "csr_array",
    "coo_array",
)
DENSE_DTYPES = (
    "float64",
    "float32",
    "float16",
    "int64",
    "int8",
    "uint8",
    "bool",
    "object",
    "str",
    "complex128",
)
FRAME_DTYPES = (*DENSE_DTYPES, "Int64", "Float64", "mixed")
SPARSE_DTYPES = ("float64", "float32", "int64", "int8", "bool")
INTEGER_DTYPES = ("int64", "int8", "uint8", "bool", "Int64")

#: Warnings a valid call may give: none of them is a failure.
EXPECTED_WARNINGS = (
    ConvergenceWarning,  # max_iter of 5, or a diverging fit
    DataConversionWarning,  # column-vector y
    UndefinedMetricWarning,  # R^2 of a single sample
    UserWarning,  # batch_size clipped, feature names dropped
)


# ------------------------------------------------------------------ inputs
@dataclass
class Drawn:
    """An input as handed to the estimator, with how it was made."""

    value: object
    how: str

    def __repr__(self):
        return f"<{self.how}>"


#: Column makers of a DataFrame with mixed dtypes; the nullable integer column
#: turns NaN and infinity into pd.NA.
MIXED_COLUMNS = (
    lambda v: v,
    lambda v: pd.array(np.where(np.isfinite(v), np.round(v), np.nan), dtype="Int64"),
    lambda v: v.astype(np.float32),
    lambda v: v > 0,
)


def _to_container(values, fmt, dtype):
    """``values`` (a float64 2-D array) in container ``fmt`` with ``dtype``."""
    if fmt == "list":
        return _cast(values, dtype).tolist()
    if fmt == "ndarray":
        return _cast(values, dtype)
    if fmt == "dataframe":
        columns = [f"x{j}" for j in range(values.shape[1])]
        if dtype == "mixed":  # one dtype per column
            return pd.DataFrame(
                {
                    c: MIXED_COLUMNS[j % len(MIXED_COLUMNS)](values[:, j])
                    for j, c in enumerate(columns)
                },
                index=range(values.shape[0]),
            )
        if dtype in ("Int64", "Float64"):
            frame = pd.DataFrame(values, columns=columns)
            if dtype == "Int64":
                frame = frame.round()
            return frame.astype(dtype)  # NaN becomes pd.NA
        return pd.DataFrame(_cast(values, dtype), columns=columns)
    maker, _, kind = fmt.partition("_")
    dense = _cast(values, dtype)
    if kind == "array":
        return getattr(sp, f"{maker}_array")(dense)
    return getattr(sp, f"{maker}_matrix")(dense)


def _cast(values, dtype):
    if dtype == "str":
        return values.astype(str)
    if dtype == "object":
        return values.astype(object)
    if dtype in INTEGER_DTYPES:
        # Integer containers cannot hold NaN or infinity (never drawn for them).
        return np.round(values).clip(0 if dtype == "uint8" else -100, 100).astype(dtype)
    with np.errstate(over="ignore"):  # float16 overflows to inf past 65504
        return values.astype(dtype)


@st.composite
def matrices(draw, n_rows=None, n_cols=None, allow_special=True):
    """Feature matrices of every container, dtype and size, NaN and inf included."""
    n = draw(st.integers(0, 12)) if n_rows is None else n_rows
    d = draw(st.integers(0, 4)) if n_cols is None else n_cols
    scale = draw(st.sampled_from([1.0, 1.0, 1.0, 1e-8, 1e4]))
    values = draw(arrays(np.float64, (n, d), elements=st.floats(-100, 100, width=32)))
    values = values * scale
    fmt = draw(st.sampled_from(FORMATS))
    if fmt == "dataframe":
        dtype = draw(st.sampled_from(FRAME_DTYPES))
    elif fmt in ("ndarray", "list"):
        dtype = draw(st.sampled_from(DENSE_DTYPES))
    else:
        dtype = draw(st.sampled_from(SPARSE_DTYPES))
    special = None
    if allow_special and values.size and dtype not in INTEGER_DTYPES:
        special = draw(st.sampled_from([None, None, None, np.nan, np.inf, -np.inf]))
        if special is not None:
            values.flat[draw(st.integers(0, values.size - 1))] = special
    words = dtype == "str" and draw(st.booleans())
    how = f"{fmt} {dtype} {n}x{d} scale={scale} special={special}"
    if words and values.size:
        value = values.astype(str)
        value.flat[0] = "abc"
        return Drawn(value, how + " with a word")
    return Drawn(_to_container(values, fmt, dtype), how)


LABEL_KINDS = (
    "int",
    "str",
    "bool",
    "float-int",
    "object-int",
    "mixed",
    "continuous",
    "nan",
    "multilabel",
    "column",
    "series",
    "list",
)


@st.composite
def labels(draw, n):
    """Classification targets of every kind for ``n`` rows."""
    kind = draw(st.sampled_from(LABEL_KINDS))
    k = draw(st.integers(1, 4))
    codes = np.array(draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
    codes = codes.astype(np.int64)
    names = np.array(["cat", "dog", "emu", "gnu"])
    if kind == "str":
        y = names[codes]
    elif kind == "bool":
        y = codes % 2 == 1
    elif kind == "float-int":
        y = codes.astype(float)
    elif kind == "object-int":
        y = codes.astype(object)
    elif kind == "mixed":
        y = np.array([c if c % 2 else names[c] for c in codes], dtype=object)
    elif kind == "continuous":
        y = codes + 0.5 * draw(st.floats(0.01, 0.99))
    elif kind == "nan":
        y = codes.astype(float)
        if n:
            y[draw(st.integers(0, n - 1))] = np.nan
    elif kind == "multilabel":
        y = np.array(
            draw(
                st.lists(
                    st.lists(st.integers(0, 1), min_size=k, max_size=k),
                    min_size=n,
                    max_size=n,
                )
            )
        ).reshape(n, k)
    elif kind == "column":
        y = codes.reshape(-1, 1)
    elif kind == "series":
        y = pd.Series(names[codes], dtype="category")
    elif kind == "list":
        y = codes.tolist()
    else:
        y = codes
    return Drawn(y, f"labels {kind} k={k}")


TARGET_KINDS = ("float", "int", "bool", "multioutput", "column", "str-number")
TARGET_KINDS += ("str-word", "nan", "inf", "negative", "list", "series", "float32")


@st.composite
def targets(draw, n):
    """Regression targets of every kind for ``n`` rows."""
    kind = draw(st.sampled_from(TARGET_KINDS))
    y = np.array(draw(st.lists(st.floats(0, 50, width=32), min_size=n, max_size=n)))
    y = y.astype(np.float64).reshape(n)
    if kind == "int":
        y = np.round(y).astype(np.int64)
    elif kind == "bool":
        y = y > 25
    elif kind == "multioutput":
        y = np.column_stack([y, y[::-1]]) if n else np.empty((0, 2))
    elif kind == "column":
        y = y.reshape(-1, 1)
    elif kind == "str-number":
        y = y.astype(str)
    elif kind == "str-word":
        y = np.array(["many"] * n)
    elif kind in ("nan", "inf") and n:
        y[draw(st.integers(0, n - 1))] = np.nan if kind == "nan" else np.inf
    elif kind == "negative":
        y = y - 25
    elif kind == "list":
        y = y.tolist()
    elif kind == "series":
        y = pd.Series(y)
    elif kind == "float32":
        y = y.astype(np.float32)
    return Drawn(y, f"targets {kind}")


SAMPLE_WEIGHT_KINDS = ("none", "ones", "zeros-some", "random", "negative", "zeros")
SAMPLE_WEIGHT_KINDS += ("short", "long", "nan", "inf", "2-D", "scalar", "int", "list")


@st.composite
def sample_weights(draw, n):
    """Sample weights: valid, zero in places, negative, all zero, wrong length..."""
    kind = draw(st.sampled_from(SAMPLE_WEIGHT_KINDS))
    w = np.array(draw(st.lists(st.floats(0, 10, width=32), min_size=n, max_size=n)))
    w = w.astype(np.float64).reshape(n)
    if kind == "none":
        return Drawn(None, "no weights")
    if kind == "ones":
        w = np.ones(n)
    elif kind == "zeros-some":
        w[::2] = 0
    elif kind == "negative" and n:
        w[draw(st.integers(0, n - 1))] = -1.0
    elif kind == "zeros":
        w = np.zeros(n)
    elif kind == "short":
        w = w[:-1]
    elif kind == "long":
        w = np.append(w, 1.0)
    elif kind in ("nan", "inf") and n:
        w[draw(st.integers(0, n - 1))] = np.nan if kind == "nan" else np.inf
    elif kind == "2-D":
        w = w.reshape(-1, 1)
    elif kind == "scalar":
        w = draw(st.sampled_from([0.0, 1.0, 2.5, -1.0]))
    elif kind == "int":
        w = np.round(w).astype(np.int64)
    elif kind == "list":
        w = w.tolist()
    return Drawn(w, f"weights {kind}")


@st.composite
def parameters(draw, regressor, stochastic_only=False):
    """Constructor parameters, many at the edges of their valid ranges."""
    solvers = sorted(SOLVER_NAMES - {"lbfgs"} if stochastic_only else SOLVER_NAMES)
    solver = draw(
        st.one_of(
            st.sampled_from(solvers),
            st.sampled_from(
                [SGD(learning_rate=0.1, momentum=0.0), Adam(), RMSprop(epsilon=1e-300)]
            ),
        )
    )
    params = {
        "hidden_layer_sizes": draw(st.sampled_from([(3,), (1,), 2, [3], (2, 2)])),
        "activation": draw(st.sampled_from(["relu", "tanh", "logistic", "identity"])),
        "solver": solver,
        "alpha": draw(st.sampled_from([0.0, 1e-4, 10.0, 1e10])),
        "penalty": draw(st.sampled_from(["l2", "l1", "elasticnet", None])),
        "l1_ratio": draw(st.sampled_from([0.0, 0.15, 1.0])),
        "batch_size": draw(st.sampled_from(["auto", 1, 2, 1000])),
        "learning_rate": draw(st.sampled_from(["constant", "invscaling", "adaptive"])),
        "learning_rate_init": draw(st.sampled_from([1e-12, 1e-3, 0.5, 1e3])),
        "power_t": draw(st.sampled_from([0.0, 0.5, 10.0])),
        "max_iter": draw(st.integers(1, 5)),
        "shuffle": draw(st.booleans()),
        "tol": draw(st.sampled_from([0.0, 1e-4, 1e10])),
        "momentum": draw(st.sampled_from([0.0, 0.9, 1.0])),
        "nesterovs_momentum": draw(st.booleans()),
        "early_stopping": draw(st.booleans()),
        "validation_fraction": draw(st.sampled_from([0.0, 0.1, 0.5, 0.9])),
        "beta_1": draw(st.sampled_from([0.0, 0.9, 1 - 1e-12])),
        "beta_2": draw(st.sampled_from([0.0, 0.999, 1 - 1e-12])),
        "epsilon": draw(st.sampled_from([1e-300, 1e-8, 1.0])),
        "n_iter_no_change": draw(st.sampled_from([1, 10, np.inf])),
        "max_fun": draw(st.sampled_from([1, 15000])),
        "warm_start": draw(st.booleans()),
        "random_state": draw(st.integers(0, 3)),
    }
    if regressor:
        params["loss"] = draw(st.sampled_from(["squared_error", "poisson"]))
    return params


# ---------------------------------------------------------------- checking
def _fingerprint(obj):
    """A digest of everything a call could modify in ``obj``."""
    digest = hashlib.sha256()

    def add(part):
        if isinstance(part, np.ndarray) and part.dtype != object:
            digest.update(f"{part.dtype.str}{part.shape}".encode())
            digest.update(np.ascontiguousarray(part).tobytes())
        else:
            digest.update(pickle.dumps(part))

    if isinstance(obj, pd.DataFrame):
        add(list(obj.columns))
        add([str(t) for t in obj.dtypes])
        for column in obj.columns:
            add(obj[column].to_numpy(dtype=object))
    elif isinstance(obj, pd.Series):
        add(str(obj.dtype))
        add(obj.to_numpy(dtype=object))
    elif sp.issparse(obj):
        add((obj.format, obj.shape, str(obj.dtype)))
        for name in ("data", "indices", "indptr", "row", "col", "rows", "offsets"):
            if hasattr(obj, name):
                add(getattr(obj, name))
        if obj.format == "dok":
            add(sorted(obj.items()))
    else:
        add(obj)
    return digest.hexdigest()


class Outcome:
    """Runs calls, checking errors and warnings, and that inputs stay unchanged."""

    def __init__(self, *inputs):
        self.inputs = inputs
        self.before = [_fingerprint(i.value) for i in inputs]

    def call(self, method, *args, allow_overflow=False, **kwargs):
        """``(method(*args), None)``, or ``(None, error)`` for an accepted error.

        ``allow_overflow`` lets NumPy warn (see :func:`_check_predictions`).
        """
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            for category in EXPECTED_WARNINGS:
                warnings.simplefilter("ignore", category)
            # scikit-learn's input validation sums X to spot non-finite values
            # fast: +inf and -inf sum to NaN with this warning, then it raises
            # its "infinity" ValueError (np.sum; skmlp's core calls ufuncs).
            warnings.filterwarnings(
                "ignore",
                "invalid value encountered in reduce",
                RuntimeWarning,
                "numpy._core.fromnumeric",
            )
            if allow_overflow:
                warnings.simplefilter("ignore", RuntimeWarning)
            try:
                return method(*args, **kwargs), None
            except (ValueError, TypeError) as error:
                _check_message(error)
                return None, error
            finally:
                self.check_untouched()

    def check_untouched(self):
        after = [_fingerprint(i.value) for i in self.inputs]
        for drawn, a, b in zip(self.inputs, self.before, after):
            assert a == b, f"{drawn.how} was modified"


def _check_message(error):
    message = str(error)
    assert any(re.search(p, message) for p in ACCEPTED_MESSAGES), (
        f"{type(error).__name__} does not name the problem: {message!r}"
    )


def _n_rows(drawn):
    value = drawn.value
    return len(value) if isinstance(value, list) else value.shape[0]


def _check_fitted(est):
    for p in est.coefs_ + est.intercepts_:
        assert p.dtype in (np.float32, np.float64)
        assert np.isfinite(p).all()
    assert all(np.isfinite(est.loss_curve_))
    assert est.n_features_in_ == est.coefs_[0].shape[0]


#: Weights past this come from a fit that blew up within its last epoch (see
#: :func:`_check_predictions`); predictions with smaller ones must be finite.
BLOWN_UP = 1e100


def _blown_up(est):
    weights = est.coefs_ + est.intercepts_
    return max(float(np.abs(w).max(initial=0)) for w in weights) > BLOWN_UP


def _check_predictions(est, outcome, X, y, sample_weight=None):
    """predict / predict_proba / score on ``X``: finite, documented shape and dtype.

    One exception: a fit detects divergence by its loss, and the weights an
    epoch ends with are only evaluated by the next epoch, so an unstable last
    epoch (a ``partial_fit`` call, say) can leave huge finite weights whose
    predictions overflow.  Telling would cost an extra forward pass per call;
    such a model may predict non-finite values (with NumPy's warning), in the
    documented shape and dtype.
    """
    blown_up = _blown_up(est)
    pred, error = outcome.call(est.predict, X.value, allow_overflow=blown_up)
    if error is not None:
        # Every prediction method validates X the same way.
        for method in _other_methods(est):
            _, same = outcome.call(method, X.value, allow_overflow=blown_up)
            assert same is not None and type(same) is type(error)
        return
    n = _n_rows(X)
    if isinstance(est, MLPClassifier):
        multilabel = est._label_binarizer.y_type_.startswith("multilabel")
        if multilabel:
            assert pred.shape == (n, len(est.classes_))
        else:
            assert pred.shape == (n,)
            assert pred.dtype == est.classes_.dtype
            assert blown_up or np.isin(pred, est.classes_).all()
        proba, _ = outcome.call(est.predict_proba, X.value, allow_overflow=blown_up)
        # A single class gets two columns, as in scikit-learn ([1 - p, p]).
        assert proba.shape == (n, max(len(est.classes_), 2))
        assert proba.dtype == est.coefs_[0].dtype
        log_proba, _ = outcome.call(
            est.predict_log_proba, X.value, allow_overflow=blown_up
        )
        if not blown_up:
            assert np.isfinite(proba).all()
            assert (proba > 0).all() and (proba <= 1).all()
            if est.out_activation_ == "logistic":
                assert (proba < 1).all()
            if not multilabel:
                np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-3)
            assert np.isfinite(log_proba).all()
    else:
        assert pred.shape == ((n,) if est.n_outputs_ == 1 else (n, est.n_outputs_))
        assert pred.dtype == est.coefs_[0].dtype
        assert blown_up or np.isfinite(pred).all()
    if y is not None:
        _check_score(est, outcome, X, y, sample_weight, pred, blown_up)


def _check_score(est, outcome, X, y, sample_weight, pred, blown_up):
    # scikit-learn's r2_score squares the residuals (in the predictions'
    # dtype), so predictions near the square root of the float range (a
    # Poisson mean at a huge input: exp is clipped just below the float max)
    # overflow it: in scikit-learn's metric, not in skmlp.
    huge = isinstance(est, MLPRegressor) and float(np.abs(pred).max(initial=0)) > (
        np.sqrt(np.finfo(pred.dtype).max) / 1e3
    )
    sw = None if sample_weight is None else sample_weight.value
    score, error = outcome.call(
        est.score, X.value, y.value, sample_weight=sw, allow_overflow=blown_up or huge
    )
    if error is None and not (blown_up or huge):
        # R^2 of fewer than two samples is undefined (NaN), as in scikit-learn.
        assert np.isfinite(score) or (isinstance(est, MLPRegressor) and _n_rows(X) < 2)


def _other_methods(est):
    if isinstance(est, MLPClassifier):
        return [est.predict_proba, est.predict_log_proba]
    return []


# ------------------------------------------------------------------- tests
@st.composite
def fit_cases(draw, regressor):
    X = draw(matrices())
    n = _n_rows(X)
    # Now and then, targets or weights for another number of rows.
    n_y = draw(st.sampled_from([n, n, n, n, max(n - 1, 0), n + 1]))
    y = draw(targets(n_y) if regressor else labels(n_y))
    return X, y, draw(sample_weights(n)), draw(parameters(regressor))


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
@given(data=st.data())
def test_fit_then_predict(cls, data):
    X, y, sample_weight, params = data.draw(fit_cases(cls is MLPRegressor))
    outcome = Outcome(X, y, sample_weight)
    est = cls(**params)
    fitted, error = outcome.call(est.fit, X.value, y.value, sample_weight.value)
    if error is not None:
        return
    _check_fitted(fitted)
    _check_predictions(fitted, outcome, X, y, sample_weight)
    # Predicting on other fuzzed inputs (of any width).
    X_new = data.draw(matrices(), label="X_new")
    _check_predictions(fitted, Outcome(X_new), X_new, None)


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
@given(data=st.data())
def test_partial_fit_sequence(cls, data):
    regressor = cls is MLPRegressor
    est = cls(**data.draw(parameters(regressor, stochastic_only=True)))
    n_features = data.draw(st.integers(0, 3))
    classes = None
    if not regressor:
        classes = data.draw(
            st.sampled_from(
                [None, [0, 1], [0, 1, 2, 3], ["cat", "dog", "emu", "gnu"], [True]]
            )
        )
    for call in range(data.draw(st.integers(1, 3))):
        # Mostly the same width each call; sometimes another.
        width = data.draw(st.sampled_from([n_features] * 3 + [n_features + 1]))
        X = data.draw(matrices(n_cols=width), label=f"X{call}")
        n = _n_rows(X)
        y = data.draw(targets(n) if regressor else labels(n), label=f"y{call}")
        sw = data.draw(sample_weights(n), label=f"sample_weight{call}")
        outcome = Outcome(X, y, sw)
        kwargs = {} if regressor else {"classes": classes}
        fitted, error = outcome.call(
            est.partial_fit, X.value, y.value, sw.value, **kwargs
        )
        if error is None:
            _check_fitted(fitted)
            _check_predictions(fitted, outcome, X, y, sw)


MODEL_NAMES = (
    "multiclass",
    "binary-bool",
    "multilabel",
    "float32-lbfgs",
    "regression",
    "poisson",
    "multioutput",
)


@functools.cache
def fitted_models():
    """Small fitted models (built once, on first use) and their labels."""
    rng = np.random.RandomState(0)
    X = rng.randn(30, 3)
    y = np.array(["cat", "dog", "emu"])[np.arange(30) % 3]
    quiet = {"hidden_layer_sizes": (3,), "max_iter": 5, "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return {
            "multiclass": (MLPClassifier(**quiet).fit(X, y), y),
            "binary-bool": (MLPClassifier(**quiet).fit(X, y == "cat"), y == "cat"),
            "multilabel": (
                MLPClassifier(**quiet).fit(X, rng.rand(30, 2) > 0.5),
                None,
            ),
            "float32-lbfgs": (
                MLPClassifier(solver="lbfgs", **quiet).fit(X.astype(np.float32), y),
                y,
            ),
            "regression": (MLPRegressor(**quiet).fit(X, X.sum(axis=1)), None),
            "poisson": (
                MLPRegressor(loss="poisson", **quiet).fit(X, np.exp(X[:, 0])),
                None,
            ),
            "multioutput": (MLPRegressor(**quiet).fit(X, X[:, :2]), None),
        }


@pytest.mark.parametrize("name", MODEL_NAMES)
@given(data=st.data())
def test_predict_on_fuzzed_inputs(name, data):
    est, labels_seen = fitted_models()[name]
    X = data.draw(matrices(n_cols=data.draw(st.sampled_from([3, 3, 3, 0, 2, 4]))))
    n = _n_rows(X)
    if labels_seen is not None:
        y = Drawn(
            data.draw(st.sampled_from([labels_seen[:n], labels_seen[:n][::-1]])), "y"
        )
    elif isinstance(est, MLPRegressor):
        y = data.draw(targets(n))
    else:
        y = None
    weights = data.draw(sample_weights(n)) if y is not None else Drawn(None, "none")
    outcome = Outcome(X, weights) if y is None else Outcome(X, y, weights)
    # score with a target drawn for the wrong task or length must fail clearly.
    _check_predictions(est, outcome, X, y, weights)


# ------------------------------------------- regressions the fuzzing found
def _quiet(cls, **params):
    return cls(hidden_layer_sizes=(3,), max_iter=3, random_state=0, **params)


def test_a_failed_first_partial_fit_leaves_no_state():
    # The first call failed after setting classes_ but before fitting the
    # label binarizer: the next call crashed with AttributeError.
    X = np.ones((4, 2))
    clf = _quiet(MLPClassifier)
    with pytest.raises(ValueError, match="0 samples"):
        clf.partial_fit(X[:0], np.empty((0, 3)), classes=[0, 1, 2])
    assert not hasattr(clf, "classes_")
    clf.partial_fit(X, [0, 1, 2, 1], classes=[0, 1, 2])
    assert list(clf.classes_) == [0, 1, 2]

    reg = _quiet(MLPRegressor, early_stopping=True)
    with pytest.raises(ValueError, match="early_stopping"):
        reg.partial_fit(X, np.arange(4.0))
    assert not [name for name in vars(reg) if name.endswith("_")]


def test_nan_labels_in_a_first_partial_fit_raise_cleanly():
    # type_of_target warned ("invalid value encountered in cast") first.
    clf = _quiet(MLPClassifier)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="NaN"):
            clf.partial_fit(np.ones((2, 2)), np.array([np.nan, 1.0]), classes=[0, 1])


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_early_stopping_split_with_all_weight_on_one_side(cls):
    # Valid weights (one non-zero) can leave a side of the split with none:
    # training then divided by zero (ZeroDivisionError) or scoring failed.
    rng = np.random.RandomState(0)
    X, y = rng.randn(10, 2), np.arange(10) % 2
    y = y if cls is MLPClassifier else y * 1.0
    sample_weight = np.r_[1.0, np.zeros(9)]
    sides = set()
    for seed in range(8):
        est = _quiet(cls, early_stopping=True, validation_fraction=0.5)
        with pytest.raises(ValueError, match="early-stopping split is zero") as info:
            est.set_params(random_state=seed).fit(X, y, sample_weight=sample_weight)
        sides.add("training" in str(info.value))
    assert sides == {True, False}  # both sides were hit


@pytest.mark.parametrize("solver", ["adagrad", "rmsprop", "adam"])
def test_float32_with_an_epsilon_below_its_range(solver):
    # 1e-300 is 0 in float32, so a weight whose gradient is always 0 divides
    # 0 by 0.  No NumPy warning escapes and the model stays finite (the fit
    # stops with a divergence warning).
    X, y = np.zeros((3, 1), np.float32), np.array([0, 1, 0])
    est = _quiet(MLPClassifier, solver=solver, epsilon=1e-300, penalty="l1")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    _check_fitted(est)
    assert np.isfinite(est.predict_proba(X)).all()


def test_multilabel_partial_fit_classes_are_the_column_indices():
    # classes=[0, 1, 2, 3] with a two-column y gave classes_ of length 4 and
    # a network with 2 outputs.
    X, y = np.zeros((2, 1)), np.array([[0, 1], [1, 0]])
    clf = _quiet(MLPClassifier)
    for wrong in ([0, 1, 2, 3], ["a", "b"]):
        with pytest.raises(ValueError, match="column indices"):
            clf.partial_fit(X, y, classes=wrong)
    clf.partial_fit(X, y, classes=[0, 1])
    assert list(clf.classes_) == [0, 1] and clf.predict(X).shape == (2, 2)
