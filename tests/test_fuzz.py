"""Fuzzed inputs: every call has the outcome an oracle predicts from its input.

Hypothesis draws what a user might hand to ``fit``, ``partial_fit``,
``predict``, ``predict_proba`` and ``score``: every container (ndarray, list,
DataFrame, every sparse format), every dtype (bool, int, float16/32/64,
object, strings, complex, pandas' nullable types), NaN and infinity, labels
and targets of every type, sample weights, and parameters at the edges of
their ranges.  Each drawn value records how it was made and its fault, if it
has one: the stage that checks it (:data:`STAGES`, the order in which
``skmlp/_mlp.py`` and scikit-learn's ``validate_data``,
``check_classification_targets`` and ``_check_sample_weight`` run their
checks), the exception type and the message.  The messages are
scikit-learn's for the data checks it makes and skmlp's for its own;
``test_validation.py`` pins the same ones on hand-picked input.

The oracles (:func:`fit_fault`, :func:`partial_fit_fault`,
:func:`predict_fault`) combine the faults of a call's inputs with those that
only their combination has (X and y of different lengths, an early-stopping
split with no room, a class not announced to ``partial_fit``...) and return
the one whose check runs first.  The call must then raise exactly that
exception type with that message; with no fault it must succeed: the model's
weights are finite, of the input's dtype (float32 trains in float32), and its
``classes_``, ``n_outputs_``, ``n_features_in_`` and ``feature_names_in_``
follow from the input; ``predict``, ``predict_proba``, ``predict_log_proba``
and ``score`` give finite values of the documented shape and dtype (but the
R^2 of a single row, NaN as in scikit-learn), the predicted labels being
those of the highest probabilities.  A failed ``partial_fit`` call leaves the
estimator as it was.  Every call leaves its
inputs unmodified (their bytes are hashed before and after) and gives no
warning but the expected ones (:data:`ALLOWED_WARNINGS`); NumPy's
``RuntimeWarning`` is never one of them.

Extreme parameters (a learning rate of 1e3, alpha of 1e10, ...) and large
inputs can make training overflow, which is ``test_divergence.py``'s
subject, not something an oracle can predict here.  So they meet only faulty
input: every data check runs before training, so they must not change the
error.  Valid input is tame (features within [-1, 1]) and trains with the
parameters left once :data:`EXPLOSIVE` is taken out, whose steps are too
small to overflow: its fit must not diverge either (a "Training diverged"
warning fails the test).  The estimators are tiny so each example is fast;
``HYPOTHESIS_PROFILE=thorough`` runs many more examples.
"""

from __future__ import annotations

import functools
import hashlib
import math
import pickle
import re
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import event, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.exceptions import (
    ConvergenceWarning,
    DataConversionWarning,
    UndefinedMetricWarning,
)
from sklearn.utils._param_validation import InvalidParameterError

from skmlp import MLPClassifier, MLPRegressor
from skmlp._activations import HIDDEN_ACTIVATIONS
from skmlp._solvers import SOLVER_NAMES
from skmlp.optimizers import SGD, Adam, RMSprop

#: The checks of fit, partial_fit, predict and score, in the order they run
#: (read from skmlp/_mlp.py and scikit-learn's validate_data,
#: check_classification_targets, _check_sample_weight and train_test_split).
STAGES = (
    "classes",  # partial_fit's classes argument; on a first call, y's type
    "feature names",  # a DataFrame's columns against those seen by fit
    "X",  # check_array(X)
    "y",  # check_array(y)
    "lengths",  # X's and y's numbers of rows
    "n_features",  # X's width against n_features_in_
    "target cast",  # a regressor's string targets to numbers
    "targets",  # label types, classes not announced, Poisson's y >= 0
    "sample_weight",  # _check_sample_weight
    "early stopping",  # partial_fit refuses it; fit's validation split
    "score",  # the metric's own arguments
)


@dataclass(frozen=True)
class Fault:
    """The error a fault must raise: where it is checked, its type, its message.

    ``match`` is a regular expression; ``{estimator}`` in it stands for the
    estimator's class name (scikit-learn's messages name it).
    """

    stage: str
    error: type[Exception]
    match: str


def _first(*faults):
    """The fault whose check runs first (the first given, within a stage)."""
    found = [fault for fault in faults if fault is not None]
    return min(found, key=lambda fault: STAGES.index(fault.stage), default=None)


def _empty_fault(stage, shape, by="by {estimator}"):
    shape = re.escape(str(shape))
    return Fault(
        stage,
        ValueError,
        rf"Found array with 0 sample\(s\) \(shape={shape}\) while a minimum of 1 "
        rf"is required{' ' + by if by else ''}\.",
    )


def _non_finite_fault(stage, name, values, dtype="float64"):
    """check_array's error for NaN (reported first) or infinity in ``values``."""
    if np.isnan(values).any():
        return Fault(stage, ValueError, rf"Input {name} contains NaN\.")
    if np.isinf(values).any():
        return Fault(
            stage,
            ValueError,
            rf"Input {name} contains infinity or a value too large for "
            rf"dtype\('{dtype}'\)\.",
        )
    return None


# ------------------------------------------------------------------ inputs
@dataclass(kw_only=True)
class Drawn:
    """An input as handed to the estimator, how it was made, and its first fault."""

    value: object
    how: str
    fault: Fault | None = None


@dataclass(kw_only=True)
class Matrix(Drawn):
    """A drawn X; ``dtype`` is the one validation gives it, ``names`` its columns';
    ``tame`` if its features are within [-1, 1]."""

    n_rows: int
    n_cols: int
    dtype: str
    names: tuple | None
    tame: bool


@dataclass(kw_only=True)
class Target(Drawn):
    """A drawn y: its distinct labels (a classifier's), or its number of outputs."""

    n_rows: int
    labels: list | None = None
    multilabel: bool = False
    n_outputs: int = 1


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
CONTAINERS = tuple(
    (fmt, dtype)
    for fmt in FORMATS
    for dtype in {"ndarray": DENSE_DTYPES, "list": DENSE_DTYPES}.get(
        fmt, FRAME_DTYPES if fmt == "dataframe" else SPARSE_DTYPES
    )
)

#: What is wrong with a faulty X, and which containers can hold it.
X_FAULTS = {
    "NaN": lambda fmt, dtype: dtype not in (*INTEGER_DTYPES, "complex128"),
    "inf": lambda fmt, dtype: dtype not in (*INTEGER_DTYPES, "complex128"),
    "-inf": lambda fmt, dtype: dtype not in (*INTEGER_DTYPES, "complex128"),
    "float16 overflow": lambda fmt, dtype: dtype == "float16",
    "word": lambda fmt, dtype: (
        dtype in ("str", "object") and fmt in ("ndarray", "list", "dataframe")
    ),
    "complex": lambda fmt, dtype: dtype == "complex128",
    "no rows": lambda fmt, dtype: dtype != "complex128",
    "no columns": lambda fmt, dtype: dtype != "complex128",
}
SPECIALS = {"NaN": np.nan, "inf": np.inf, "-inf": -np.inf}

#: Feature scales.  Tame ones keep every feature within [-1, 1].
SCALES = (1.0, 1e-2, 1e-8, 1e4)
TAME_SCALES = (1e-2, 1e-8)

#: Column makers of a DataFrame with mixed dtypes.  The nullable integer
#: column turns NaN and infinity into pd.NA (which validation reads as NaN),
#: the boolean one turns them into True or False.
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


def _with_a_word(value, fmt):
    """``value`` (of strings or objects) with "abc" as its first entry."""
    if fmt == "list":
        value[0][0] = "abc"
    elif fmt == "dataframe":
        value.iat[0, 0] = "abc"
    else:
        value[0, 0] = "abc"
    return value


def _as_validated(value):
    """The numbers validation reads from ``value``, as float64 (pd.NA is NaN)."""
    if sp.issparse(value):
        return value.toarray().astype(np.float64)
    if isinstance(value, pd.DataFrame):
        return value.to_numpy(dtype=np.float64, na_value=np.nan)
    return np.asarray(value, dtype=np.float64)


def _matrix_fault(value, kind, fmt, dtype, n, d):
    """The first error ``check_array`` raises on the matrix, as a Fault."""
    if kind == "word":
        # NumPy names the string by its repr: a str array's entries are np.str_.
        word = r"np\.str_\('abc'\)" if (fmt, dtype) == ("ndarray", "str") else "'abc'"
        return Fault("X", ValueError, rf"could not convert string to float: {word}")
    if kind == "complex":
        if fmt == "list":  # Python complex numbers, which float() refuses
            return Fault(
                "X",
                TypeError,
                r"float\(\) argument must be a string or a real number, not 'complex'",
            )
        return Fault("X", ValueError, r"Complex data not supported\n")
    if fmt == "dataframe" and d == 0:
        # scikit-learn takes the result type of the columns' dtypes: of none.
        return Fault("X", ValueError, r"at least one array or dtype is required")
    if fmt == "list" and n == 0:  # [] is one-dimensional
        return Fault("X", ValueError, r"Expected 2D array, got 1D array instead")
    with np.errstate(over="ignore"):
        seen = _as_validated(value)
    return _first(
        _non_finite_fault("X", "X", seen, dtype=_validated_dtype(fmt, dtype)),
        _empty_fault("X", (n, d)) if n == 0 else None,
        Fault(
            "X",
            ValueError,
            rf"Found array with 0 feature\(s\) \(shape=\({n}, 0\)\) while a minimum "
            r"of 1 is required by {estimator}\.",
        )
        if d == 0
        else None,
    )


def _validated_dtype(fmt, dtype):
    """float32 input stays float32 (a list holds Python floats); all else float64."""
    return "float32" if dtype == "float32" and fmt != "list" else "float64"


@st.composite
def matrices(draw, *, fault=False, tame=False, n_rows=None, n_cols=None):
    """Feature matrices of every container and dtype: valid, or with one fault.

    A valid matrix has between 1 and 12 rows (``n_rows`` fixes them) and
    between 1 and 4 columns (``n_cols``).  Untamed ones may still turn out
    faulty: float16 overflows to infinity past 65504.
    """
    kind = draw(st.sampled_from(sorted(X_FAULTS))) if fault else None
    fmt, dtype = draw(
        st.sampled_from(
            [
                (fmt, dtype)
                for fmt, dtype in CONTAINERS
                if (X_FAULTS[kind](fmt, dtype) if kind else dtype != "complex128")
            ]
        )
    )
    n = n_rows if n_rows is not None else draw(st.integers(1, 12))
    d = n_cols if n_cols is not None else draw(st.integers(1, 4))
    n, d = (0 if kind == "no rows" else n), (0 if kind == "no columns" else d)
    scale = draw(st.sampled_from(TAME_SCALES if tame else SCALES))
    values = draw(arrays(np.float64, (n, d), elements=st.floats(-100, 100, width=32)))
    values = values * scale
    if kind == "float16 overflow":
        values.flat[draw(st.integers(0, values.size - 1))] = 1e5
    if kind in SPECIALS:
        # The boolean column of a mixed DataFrame would lose it.
        keeps = [j for j in range(d) if dtype != "mixed" or j % 4 != 3]
        i, j = draw(st.integers(0, n - 1)), draw(st.sampled_from(keeps))
        values[i, j] = SPECIALS[kind]
    value = _to_container(values, fmt, dtype)
    if kind == "word":
        value = _with_a_word(value, fmt)
    return Matrix(
        value=value,
        how=f"X {fmt} {dtype} {n}x{d} scale={scale}" + (f" {kind}" if kind else ""),
        fault=_matrix_fault(value, kind, fmt, dtype, n, d),
        n_rows=n,
        n_cols=d,
        dtype=_validated_dtype(fmt, dtype),
        names=tuple(value.columns) if fmt == "dataframe" and d else None,
        tame=scale in TAME_SCALES,
    )


NAMES = np.array(["cat", "dog", "emu", "gnu"])
LABEL_KINDS = (
    "int",
    "str",
    "object-str",
    "bool",
    "float-int",
    "column",
    "series",
    "list",
    "multilabel",
)
LABEL_FAULTS = ("NaN", "continuous", "object-int", "mixed", "3-D")


def _y_fault(y, kind):
    """check_array's errors on y's shape: three dimensions (checked first), or
    no rows."""
    if kind == "3-D":
        return Fault(
            "y",
            ValueError,
            r"Found array with dim 3, while dim <= 2 is required by "
            r"{estimator}\.",
        )
    if np.shape(y)[0] == 0:
        return _empty_fault("y", np.shape(y))
    return None


@st.composite
def labels(draw, n, *, fault=False):
    """Classification targets of every type for ``n`` rows: valid, or one fault."""
    kinds = LABEL_FAULTS if fault else LABEL_KINDS
    if n < 2:  # mixed labels need two
        kinds = [kind for kind in kinds if kind != "mixed"]
    kind = draw(st.sampled_from(kinds))
    k = draw(st.integers(2 if kind == "multilabel" else 1, 4))
    codes = np.array(draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
    codes = codes.astype(np.int64)
    fault = None
    if kind == "str":
        y = NAMES[codes]
    elif kind == "object-str":
        y = NAMES[codes].astype(object)
    elif kind == "bool":
        y = codes % 2 == 1
    elif kind == "float-int":
        y = codes.astype(float)
    elif kind == "column":
        y = codes.reshape(-1, 1)
    elif kind == "series":
        y = pd.Series(NAMES[codes], dtype="category")
    elif kind == "list":
        y = codes.tolist()
    elif kind == "multilabel":
        rows = st.lists(st.integers(0, 1), min_size=k, max_size=k)
        y = np.array(draw(st.lists(rows, min_size=n, max_size=n))).reshape(n, k)
    elif kind == "NaN":
        y = codes.astype(float)
        if n:
            y[draw(st.integers(0, n - 1))] = np.nan
        fault = Fault("y", ValueError, r"Input y contains NaN\.")
    elif kind == "continuous":
        y = codes + draw(st.floats(0.01, 0.99))
        fault = Fault(
            "targets",
            ValueError,
            r"Unknown label type: continuous\. Maybe you are trying to fit a "
            r"classifier, which expects discrete classes on a regression target",
        )
    elif kind == "object-int":  # scikit-learn's label types want strings in objects
        y = codes.astype(object)
        fault = Fault("targets", ValueError, r"Unknown label type: unknown\.")
    elif kind == "mixed":
        y = np.array([c if c % 2 else NAMES[c] for c in codes], dtype=object)
        y[:2] = ["cat", 1] if draw(st.booleans()) else [1, "cat"]
        if isinstance(y[0], str):
            # type_of_target sorts the labels, which Python cannot for these.
            fault = Fault(
                "targets",
                TypeError,
                r"'<' not supported between instances of '(int' and 'str|str' and "
                r"'int)'",
            )
        else:  # type_of_target's verdict on objects that are not strings
            fault = Fault("targets", ValueError, r"Unknown label type: unknown\.")
    else:
        y = codes
    if kind == "3-D":
        y = codes.reshape(n, 1, 1)
    fault = _y_fault(y, kind) or fault
    return Target(
        value=y,
        how=f"labels {kind} k={k}",
        fault=fault,
        n_rows=n,
        labels=_distinct(y, multilabel=kind == "multilabel") if not fault else None,
        multilabel=kind == "multilabel",
    )


def _distinct(y, multilabel=False):
    """The labels in a valid y: the column indices of a multilabel one."""
    if multilabel:
        return list(range(np.shape(y)[1]))
    return np.unique(np.asarray(y).ravel()).tolist()


TARGET_KINDS = ("float", "int", "bool", "multioutput", "column", "list", "series")
TARGET_KINDS += ("float32", "negative", "str-number")


@st.composite
def targets(draw, n, *, fault=False, poisson=False, n_outputs=None):
    """Regression targets of every type for ``n`` rows: valid, or one fault."""
    if fault:
        # Twice as likely as the others: skmlp's own checks (the others are
        # scikit-learn's).
        kinds = ["NaN", "inf", "str-word", *["negative" if poisson else "str-word"]]
        kinds += ["3-D"] if n_outputs != 2 else []
    elif n_outputs == 2:
        kinds = ["multioutput"]
    else:
        kinds = [
            kind
            for kind in TARGET_KINDS
            if not (poisson and kind == "negative")
            and not (n_outputs == 1 and kind == "multioutput")
        ]
    kind = draw(st.sampled_from(kinds))
    # No subnormal targets: the Poisson deviance's y / mean underflows to 0
    # for them, so its log is -inf and the fit fails (a bug of skmlp's).
    values = st.floats(0, 10, width=32, allow_subnormal=False)
    y = np.array(draw(st.lists(values, min_size=n, max_size=n)))
    y = y.astype(np.float64).reshape(n)
    if n_outputs == 2 or kind == "multioutput":
        y = np.column_stack([y, y[::-1]]) if n else np.empty((0, 2))
    fault = None
    if kind == "int":
        y = np.round(y).astype(np.int64)
    elif kind == "bool":
        y = y > 5
    elif kind == "column":
        y = y.reshape(-1, 1)
    elif kind == "list":
        y = y.tolist()
    elif kind == "series":
        y = pd.Series(y)
    elif kind == "float32":
        y = y.astype(np.float32)
    elif kind == "str-number":
        y = y.astype(str)
    elif kind == "str-word":
        y = np.full(np.shape(y), "many")
        # Validation keeps strings; their cast to numbers fails.
        fault = Fault(
            "target cast",
            ValueError,
            r"could not convert string to float: np\.str_\('many'\)",
        )
    elif kind in ("NaN", "inf") and n:
        y.flat[draw(st.integers(0, y.size - 1))] = SPECIALS[kind]
        fault = _non_finite_fault("y", "y", y)
    elif kind == "negative":
        y = y - 5
        if poisson and n:
            y.flat[draw(st.integers(0, y.size - 1))] = -1.0
            fault = Fault(
                "targets",
                ValueError,
                r"Some value\(s\) of y are negative which is not allowed for Poisson "
                r"regression\.",
            )
    elif kind == "3-D":
        y = y.reshape(n, 1, 1)
    return Target(
        value=y,
        how=f"targets {kind}",
        fault=_y_fault(y, kind) or fault,
        n_rows=n,
        n_outputs=np.shape(y)[1] if np.ndim(y) == 2 else 1,
    )


WEIGHT_KINDS = ("none", "ones", "random", "some zeros", "int", "list", "scalar")
WEIGHT_FAULTS = ("negative", "zeros", "short", "long", "NaN", "inf", "2-D")
WEIGHT_FAULTS += ("zero scalar", "negative scalar")


def _sample_weight_fault(w, n):
    """The first check of scikit-learn's ``_check_sample_weight`` that ``w`` fails."""

    def fault(match):
        return Fault("sample_weight", ValueError, match)

    if w is None:
        return None
    if np.ndim(w) == 0:  # a scalar weighs every row
        w = np.full(n, w)
    else:
        w = np.asarray(w, dtype=np.float64)
        non_finite = _non_finite_fault("sample_weight", "sample_weight", w)
        if non_finite:
            return non_finite
        if w.shape[0] == 0:
            return _empty_fault("sample_weight", w.shape, by=None)
        if w.ndim != 1:
            return fault(rf"Sample weights must be 1D array or scalar, got {w.ndim}D")
        if w.shape != (n,):
            return fault(
                rf"sample_weight\.shape == \({w.shape[0]},\), expected \({n},\)!"
            )
    if (w == 0).all():
        return fault(r"Sample weights must contain at least one non-zero number\.")
    if (w < 0).any():
        return fault(r"Negative values in data passed to `sample_weight`\.")
    return None


@st.composite
def sample_weights(draw, n, *, fault=False, some_zeros=True):
    """Sample weights for ``n`` rows: valid, or with a fault.

    ``some_zeros=False`` leaves out valid weights with zeros: an early-stopping
    split might put every non-zero weight on one side, which only the split's
    random draw decides (``test_early_stopping_split_with_all_weight_on_one_side``).
    """
    kinds = WEIGHT_FAULTS if fault else WEIGHT_KINDS
    if n == 0:  # nothing to make negative, NaN or shorter
        kinds = [k for k in kinds if k not in ("negative", "short", "NaN", "inf")]
    if not some_zeros:
        kinds = [k for k in kinds if k != "some zeros"]
    kind = draw(st.sampled_from(kinds))
    w = np.array(draw(st.lists(st.floats(0.5, 10), min_size=n, max_size=n)))
    w = w.astype(np.float64).reshape(n)
    if kind == "none":
        w = None
    elif kind == "ones":
        w = np.ones(n)
    elif kind == "some zeros":
        w[1::2] = 0
    elif kind == "int":
        w = np.ceil(w).astype(np.int64)
    elif kind == "list":
        w = w.tolist()
    elif kind == "scalar":
        w = draw(st.sampled_from([1.0, 2.5]))
    elif kind == "negative":
        w[draw(st.integers(0, n - 1))] = -1.0
    elif kind == "zeros":
        w = np.zeros(n)
    elif kind == "short":
        w = w[:-1]
    elif kind == "long":
        w = np.append(w, 1.0)
    elif kind in ("NaN", "inf"):
        w[draw(st.integers(0, n - 1))] = SPECIALS[kind]
    elif kind == "2-D":
        w = w.reshape(-1, 1)
    elif kind == "zero scalar":
        w = 0.0
    elif kind == "negative scalar":
        w = -1.0
    return Drawn(value=w, how=f"weights {kind}", fault=_sample_weight_fault(w, n))


#: Every constructor parameter's values: all valid, many at the edges of their
#: ranges, none able to make these tiny networks overflow on tame data.
PARAMETERS = {
    "hidden_layer_sizes": [(3,), (1,), 2, [3], (2, 2)],
    "activation": sorted(HIDDEN_ACTIVATIONS),
    "alpha": [0.0, 1e-4, 10.0],
    "penalty": ["l2", "l1", "elasticnet", None],
    "l1_ratio": [0.0, 0.15, 1.0],
    "batch_size": ["auto", 1, 2, 1000],
    "learning_rate": ["constant", "invscaling", "adaptive"],
    "learning_rate_init": [1e-12, 1e-3],
    "power_t": [0.0, 0.5, 10.0],
    "max_iter": [1, 2, 3, 4, 5],
    "shuffle": [True, False],
    "tol": [0.0, 1e-4, 1e10],
    "momentum": [0.0, 0.9, 1.0],
    "nesterovs_momentum": [True, False],
    "early_stopping": [False, False, True],
    "validation_fraction": [0.0, 0.1, 0.5, 0.9],
    "beta_1": [0.0, 0.9, 1 - 1e-12],
    "beta_2": [0.9, 0.999],
    "epsilon": [1e-8, 1.0],
    "n_iter_no_change": [1, 10, np.inf],
    "max_fun": [1, 15000],
    "warm_start": [True, False],
    "random_state": [0, 1, 2, 3],
}
SOLVER_OBJECTS = [SGD(learning_rate=0.01, momentum=0.0), Adam(), RMSprop()]

#: Valid values that can make training overflow within an epoch (huge steps,
#: or an epsilon so small that a vanishing average gives one): only drawn with
#: a faulty input.
EXPLOSIVE = {
    "alpha": [1e10],
    "learning_rate_init": [0.5, 1e3],
    "beta_2": [0.0, 1 - 1e-12],
    "epsilon": [1e-300],
    "solver": [SGD(learning_rate=10.0, momentum=0.0), RMSprop(epsilon=1e-300)],
}


@st.composite
def parameters(draw, regressor, *, tame, stochastic=False):
    """Constructor parameters; explosive ones too unless ``tame``."""
    solvers = sorted(SOLVER_NAMES - ({"lbfgs"} if stochastic else set()))
    pool = {**PARAMETERS, "solver": solvers + SOLVER_OBJECTS}
    if regressor:
        pool["loss"] = ["squared_error", "poisson"]
    if not tame:
        pool = {name: values + EXPLOSIVE.get(name, []) for name, values in pool.items()}
    return {name: draw(st.sampled_from(values)) for name, values in pool.items()}


# ----------------------------------------------------------------- oracles
@dataclass(frozen=True)
class Model:
    """What a successful fit learned, as the oracle predicts it from the input."""

    n_features: int
    names: tuple | None
    dtype: str
    classes: list | None
    multilabel: bool
    n_outputs: int

    @classmethod
    def learned(cls, X, y, classes=None):
        """From X and y; ``classes``: partial_fit's, instead of y's labels."""
        labels = y.labels if classes is None else sorted(classes)
        n_outputs = y.n_outputs
        if labels is not None:  # a binary (or single) class has one output
            n_outputs = len(labels) if y.multilabel or len(labels) > 2 else 1
        return cls(X.n_cols, X.names, X.dtype, labels, y.multilabel, n_outputs)


def _lengths_fault(X, y):
    if X.n_rows == y.n_rows:
        return None
    return Fault(
        "lengths",
        ValueError,
        rf"Found input variables with inconsistent numbers of samples: "
        rf"\[{X.n_rows}, {y.n_rows}\]",
    )


def _split_fault(est, n):
    """The error of an early-stopping split of ``n`` rows (as train_test_split)."""
    if not est.early_stopping or est.solver == "lbfgs":
        return None
    fraction = est.validation_fraction
    if fraction == 0:
        return Fault(
            "early stopping",
            ValueError,
            rf"test_size=0\.0 should be either positive and smaller than the number "
            rf"of samples {n} or a float in the \(0, 1\) range",
        )
    n_validation = math.ceil(fraction * n)
    if n_validation == n:
        return Fault(
            "early stopping",
            ValueError,
            rf"With n_samples={n}, test_size={fraction} and train_size=None, the "
            r"resulting train set will be empty\.",
        )
    if n_validation < 2:
        return Fault(
            "early stopping",
            ValueError,
            r"The validation set is too small\. Increase 'validation_fraction' or "
            r"the size of your dataset\.",
        )
    return None


def fit_fault(est, X, y, sample_weight):
    """The error ``est.fit(X, y, sample_weight)`` must raise, or None."""
    return _first(
        X.fault,
        y.fault,
        _lengths_fault(X, y),
        sample_weight.fault,
        _split_fault(est, X.n_rows),
    )


def _classes_fault(model, y, classes):
    """partial_fit's checks of ``classes`` (and, on a first call, of y's type)."""
    if model is not None:
        if classes is None or sorted(set(classes)) == model.classes:
            return None
        said = re.escape(f"`classes={classes!r}` is not the same as on last call")
        return Fault("classes", ValueError, said)
    if classes is None:
        return Fault(
            "classes",
            ValueError,
            r"classes must be passed on the first call to partial_fit\.",
        )
    # type_of_target, called to spot a multilabel y, rejects NaN itself; it
    # takes an empty 2-D y for a multilabel one, which the label binarizer
    # then refuses.
    values = np.asarray(y.value, dtype=object)
    if values.size and pd.isna(values).any():
        return Fault("classes", ValueError, r"Input contains NaN\.")
    if values.ndim == 2 and values.shape[1] > 1 and y.n_rows == 0:
        return Fault("classes", ValueError, r"y has 0 samples: ")
    if y.multilabel and y.fault is None and sorted(set(classes)) != y.labels:
        return Fault(
            "classes",
            ValueError,
            r"classes must be the column indices of the multilabel y",
        )
    return None


def _names_fault(model, X):
    """A DataFrame's columns must be those that the model was fitted with."""
    if model is None or model.names is None or X.names in (None, model.names):
        return None
    return Fault(
        "feature names",
        ValueError,
        r"The feature names should match those that were passed during fit\.",
    )


def _width_fault(model, X):
    if model is None or X.n_cols == model.n_features:
        return None
    return Fault(
        "n_features",
        ValueError,
        rf"X has {X.n_cols} features, but {{estimator}} is expecting "
        rf"{model.n_features} features as input\.",
    )


def partial_fit_fault(est, model, X, y, sample_weight, classes=None):
    """The error of ``est.partial_fit`` on a model that learned ``model`` (None:
    a first call), or None."""
    known = model.classes if model else (None if classes is None else sorted(classes))
    unseen = None
    if known is not None and y.labels and not set(y.labels) <= set(known):
        unseen = Fault(
            "targets", ValueError, r"`y` has classes not in `self\.classes_`\."
        )
    classifier = isinstance(est, MLPClassifier)
    return _first(
        _classes_fault(model, y, classes) if classifier else None,
        _names_fault(model, X),
        X.fault,
        y.fault,
        _lengths_fault(X, y),
        _width_fault(model, X),
        unseen,
        sample_weight.fault,
        Fault(
            "early stopping",
            ValueError,
            r"partial_fit does not support early_stopping=True",
        )
        if est.early_stopping
        else None,
    )


def predict_fault(model, X):
    """The error every prediction method must raise on X, or None."""
    return _first(_names_fault(model, X), X.fault, _width_fault(model, X))


# ---------------------------------------------------------------- checking
#: The warnings a call may give (category, start of the message); any other
#: warning fails the test.  A valid fit must not diverge: "Training diverged"
#: is not one of them.
ALLOWED_WARNINGS = (
    (ConvergenceWarning, r"[\w ]+: Maximum iterations \(\d+\) reached"),
    (ConvergenceWarning, r"lbfgs failed to converge"),
    (DataConversionWarning, r"A column-vector y was passed"),
    (UserWarning, r"Got `batch_size` less than 1 or larger than sample size"),
    (UserWarning, r"X does not have valid feature names"),
    (UserWarning, r"X has feature names, but"),
    (UndefinedMetricWarning, r"R\^2 score is not well-defined"),
)


@contextmanager
def _expected_warnings_only():
    """Any warning but the allowed ones is raised as an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for category, message in ALLOWED_WARNINGS:
            warnings.filterwarnings("ignore", message, category)
        # scikit-learn's input validation sums X to spot non-finite values
        # fast: +inf and -inf sum to NaN with this warning, then it raises
        # its "infinity" ValueError (np.sum; skmlp's core calls ufuncs).
        warnings.filterwarnings(
            "ignore",
            "invalid value encountered in reduce",
            RuntimeWarning,
            "numpy._core.fromnumeric",
        )
        yield


def _call(method, *args, **kwargs):
    """``method(*args, **kwargs)``, which must succeed."""
    with _expected_warnings_only():
        return method(*args, **kwargs)


def _raises(fault, est, method, *args, **kwargs):
    """``method(*args, **kwargs)`` must raise exactly ``fault``."""
    match = fault.match.replace("{estimator}", type(est).__name__)
    with _expected_warnings_only(), pytest.raises(fault.error, match=match) as info:
        method(*args, **kwargs)
    assert type(info.value) is fault.error, repr(info.value)


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


@contextmanager
def _untouched(*drawn):
    """The inputs' bytes are the same after the block as before."""
    before = [_fingerprint(d.value) for d in drawn]
    yield
    for d, digest in zip(drawn, before):
        assert _fingerprint(d.value) == digest, f"{d.how} was modified"


def _fitted_state(est):
    """A digest of every fitted attribute, to compare before and after a call."""
    return {
        name: _fingerprint(value)
        for name, value in vars(est).items()
        if name.endswith("_") and not name.startswith("_")
    }


def _check_model(est, model):
    """The fitted attributes are finite and those the input implies."""
    weights = est.coefs_ + est.intercepts_
    assert all(w.dtype == model.dtype for w in weights)
    assert all(np.isfinite(w).all() for w in weights)
    assert np.isfinite(est.loss_curve_).all() and np.isfinite(est.loss_)
    assert est.n_features_in_ == model.n_features == est.coefs_[0].shape[0]
    if model.names is None:
        assert not hasattr(est, "feature_names_in_")
    else:
        assert tuple(est.feature_names_in_) == model.names
    assert est.n_outputs_ == model.n_outputs == est.coefs_[-1].shape[1]
    if model.classes is not None:
        assert est.classes_.tolist() == model.classes


def _check_predictions(est, model, X, y=None, sample_weight=None):
    """Every prediction method on X: the predicted error, or finite outputs of
    the documented shape and dtype; ``score`` too when ``y`` is given."""
    classifier = isinstance(est, MLPClassifier)
    methods = [est.predict]
    if classifier:
        methods += [est.predict_proba, est.predict_log_proba]
    fault = predict_fault(model, X)
    if fault is not None:
        for method in methods:
            _raises(fault, est, method, X.value)
        if y is not None:
            _raises(fault, est, est.score, X.value, y.value)
        return
    n = X.n_rows
    pred = _call(est.predict, X.value)
    if classifier:
        proba = _call(est.predict_proba, X.value)
        log_proba = _call(est.predict_log_proba, X.value)
        k = len(model.classes)
        assert proba.shape == (n, k if model.multilabel else max(k, 2))
        assert proba.dtype == log_proba.dtype == model.dtype
        assert np.isfinite(proba).all() and np.isfinite(log_proba).all()
        assert (proba > 0).all() and (proba <= 1).all()
        np.testing.assert_allclose(log_proba, np.log(proba), rtol=1e-6)
        if model.multilabel:
            assert pred.shape == (n, k)
            assert np.array_equal(pred, proba > 0.5)
        else:
            assert pred.shape == (n,) and pred.dtype == est.classes_.dtype
            np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
            # A single class is predicted whatever its probability.
            best = proba.argmax(axis=1) if k > 1 else np.zeros(n, dtype=int)
            assert np.array_equal(pred, est.classes_[best])
    else:
        assert pred.shape == ((n,) if model.n_outputs == 1 else (n, model.n_outputs))
        assert pred.dtype == model.dtype
        assert np.isfinite(pred).all()
    if y is not None:
        _check_score(est, X, y, sample_weight)


def _check_score(est, X, y, sample_weight):
    weights = None if sample_weight is None else sample_weight.value
    if np.ndim(weights) == 0 and weights is not None:
        # The metrics take no scalar weight (fit does).
        metric = "accuracy_score" if isinstance(est, MLPClassifier) else "r2_score"
        fault = Fault(
            "score",
            InvalidParameterError,
            rf"The 'sample_weight' parameter of {metric} must be an array-like or "
            rf"None\. Got {weights!r} instead\.",
        )
        _raises(fault, est, est.score, X.value, y.value, sample_weight=weights)
        return
    score = _call(est.score, X.value, y.value, sample_weight=weights)
    if isinstance(est, MLPClassifier):
        assert 0 <= score <= 1
    elif X.n_rows < 2:
        assert np.isnan(score)  # R^2 of one sample is undefined
    else:
        assert np.isfinite(score)


# ------------------------------------------------------------------- tests
COMPONENTS = ("X", "y", "sample_weight", "lengths")


@st.composite
def fit_cases(draw, regressor):
    """(X, y, sample_weight, params, tame): mostly valid, else one or two faults.

    Valid cases are tame: explosive parameters and large inputs only come
    with a fault, which stops the fit before it trains.
    """
    faulty = set()
    if draw(st.sampled_from([False, False, False, True, True])):
        faulty = set(
            draw(st.lists(st.sampled_from(COMPONENTS), min_size=1, max_size=2))
        )
    tame = not faulty
    params = draw(parameters(regressor, tame=tame), label="params")
    X = draw(matrices(fault="X" in faulty, tame=tame), label="X")
    n = X.n_rows
    n_y = n
    if "lengths" in faulty:
        n_y = draw(st.sampled_from([n + 1, n - 1] if n else [n + 1]))
    y_faulty = "y" in faulty
    if regressor:
        poisson = params["loss"] == "poisson"
        y = draw(targets(n_y, fault=y_faulty, poisson=poisson), label="y")
    else:
        y = draw(labels(n_y, fault=y_faulty), label="y")
    splits = params["early_stopping"] and params["solver"] != "lbfgs"
    sample_weight = draw(
        sample_weights(n, fault="sample_weight" in faulty, some_zeros=not splits),
        label="sample_weight",
    )
    return X, y, sample_weight, params, tame


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
@given(data=st.data())
def test_fit_then_predict(cls, data):
    X, y, sample_weight, params, tame = data.draw(fit_cases(cls is MLPRegressor))
    est = cls(**params)
    fault = fit_fault(est, X, y, sample_weight)
    event(f"fit: {fault.match if fault else 'valid'}")
    with _untouched(X, y, sample_weight):
        if fault is not None:
            _raises(fault, est, est.fit, X.value, y.value, sample_weight.value)
            return
        assert tame, "a case drawn to be faulty is valid"
        assert _call(est.fit, X.value, y.value, sample_weight.value) is est
        model = Model.learned(X, y)
        _check_model(est, model)
        _check_predictions(est, model, X, y, sample_weight)
    # Other matrices, of every format and scale, mostly of the right width.
    d = model.n_features
    width = data.draw(st.sampled_from([d, d, d, d + 1]), label="X_new width")
    faulty = data.draw(st.booleans(), label="X_new faulty")
    X_new = data.draw(matrices(fault=faulty, n_cols=width), label="X_new")
    with _untouched(X_new):
        _check_predictions(est, model, X_new)


#: The classes of partial_fit sequences, and a label outside each.
FAMILIES = {
    "int": [0, 1, 2, 3],
    "binary": [0, 1],
    "str": ["cat", "dog", "emu", "gnu"],
    "single": [True],
    "multilabel": [0, 1, 2],
}
UNSEEN = {"int": 7, "binary": 2, "str": "yak", "single": False, "multilabel": 3}
CONTAINERS_OF = {
    "int": ("ndarray", "list", "float", "column", "series"),
    "binary": ("ndarray", "list", "float", "column", "series"),
    "str": ("ndarray", "list", "object", "category"),
    "single": ("ndarray", "list"),
    "multilabel": ("ndarray", "list"),
}


@st.composite
def family_labels(draw, family, n, *, fault=False):
    """Labels among ``FAMILIES[family]`` for ``n`` rows, in several containers;
    or with a fault: NaN, continuous values, or a label not among them."""
    classes = FAMILIES[family]
    multilabel = family == "multilabel"
    shape = (n, len(classes)) if multilabel else (n,)
    count = int(np.prod(shape))
    codes = np.array(
        draw(st.lists(st.integers(0, len(classes) - 1), min_size=count, max_size=count))
    )
    codes = codes.astype(np.int64).reshape(shape)
    if multilabel:
        codes %= 2
    y = codes if multilabel else np.array(classes)[codes]
    kinds = CONTAINERS_OF[family]
    if fault:
        # An unseen column of a multilabel y is no label (its type changes).
        unseen = ["unseen", "unseen"] if n and not multilabel else []
        kinds = ["NaN", "continuous", *unseen]
    kind = draw(st.sampled_from(kinds))
    fault = None
    if kind == "NaN":
        y = codes.astype(float)
        if n:
            y.flat[draw(st.integers(0, count - 1))] = np.nan
        fault = Fault("y", ValueError, r"Input y contains NaN\.")
    elif kind == "continuous":
        y = codes + 0.5
        fault = Fault("targets", ValueError, r"Unknown label type: continuous")
    elif kind == "unseen":
        y = y.astype(object if family == "str" else y.dtype)
        y.flat[draw(st.integers(0, count - 1))] = UNSEEN[family]
    elif kind == "list":
        y = y.tolist()
    elif kind == "float":
        y = y.astype(float)
    elif kind == "column":
        y = y.reshape(-1, 1)
    elif kind == "series":
        y = pd.Series(y)
    elif kind == "object":
        y = y.astype(object)
    elif kind == "category":
        y = pd.Series(y, dtype="category")
    fault = _y_fault(y, kind) or fault
    return Target(
        value=y,
        how=f"labels {family} {kind}",
        fault=fault,
        n_rows=n,
        labels=_distinct(y, multilabel) if not fault else None,
        multilabel=multilabel and kind != "continuous",
    )


@st.composite
def classes_arguments(draw, family, model, fault=False):
    """partial_fit's ``classes``: required on a first call, optional later.

    With ``fault``: none on a first call, or one label more.  More classes
    than y has are fine on a first call, except for a multilabel y (whose
    classes are its column indices); later calls must repeat the first's.
    """
    classes = FAMILIES[family]
    other = [*classes, UNSEEN[family]]
    if model is None:
        return draw(st.sampled_from([None, other])) if fault else classes
    return other if fault else draw(st.sampled_from([None, classes]))


#: What is wrong with a call of a partial_fit sequence (mostly nothing).
SEQUENCE_FAULTS = (None, None, None, None, "X", "y", "y", "sample_weight", "lengths")
SEQUENCE_FAULTS += ("width", "classes")


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
@given(data=st.data())
def test_partial_fit_sequence(cls, data):
    regressor = cls is MLPRegressor
    params = data.draw(parameters(regressor, tame=True, stochastic=True))
    # partial_fit refuses early stopping: every call of such a sequence fails.
    params["early_stopping"] = data.draw(st.sampled_from([False, False, False, True]))
    est = cls(**params)
    width = data.draw(st.integers(1, 3), label="width")
    if regressor:
        n_outputs = data.draw(st.sampled_from([1, 1, 2]), label="n_outputs")
        poisson = params["loss"] == "poisson"
    else:
        family = data.draw(st.sampled_from(sorted(FAMILIES)), label="family")
    model = None  # until a call succeeds
    for call in range(data.draw(st.integers(1, 4), label="calls")):
        faulty = data.draw(st.sampled_from(SEQUENCE_FAULTS), label=f"fault {call}")
        d = (model.n_features if model else width) + (faulty == "width")
        X = data.draw(matrices(fault=faulty == "X", tame=True, n_cols=d), f"X {call}")
        n = n_y = X.n_rows
        if faulty == "lengths":
            n_y = data.draw(st.sampled_from([n + 1, n - 1] if n > 1 else [n + 1]))
        kwargs = {}
        if regressor:
            y_drawn = targets(
                n_y, fault=faulty == "y", poisson=poisson, n_outputs=n_outputs
            )
        else:
            y_drawn = family_labels(family, n_y, fault=faulty == "y")
            kwargs["classes"] = data.draw(
                classes_arguments(family, model, fault=faulty == "classes"),
                label=f"classes {call}",
            )
        y = data.draw(y_drawn, label=f"y {call}")
        sample_weight = data.draw(
            sample_weights(n, fault=faulty == "sample_weight"),
            label=f"sample_weight {call}",
        )
        fault = partial_fit_fault(est, model, X, y, sample_weight, **kwargs)
        event(f"partial_fit: {fault.match if fault else 'valid'}")
        before = _fitted_state(est)
        args = X.value, y.value, sample_weight.value
        classes = Drawn(value=kwargs.get("classes"), how="classes")
        with _untouched(X, y, sample_weight, classes):
            if fault is not None:
                _raises(fault, est, est.partial_fit, *args, **kwargs)
                # A failed call leaves the estimator as it was (first call:
                # unfitted).
                assert _fitted_state(est) == before
                continue
            assert _call(est.partial_fit, *args, **kwargs) is est
            model = model or Model.learned(X, y, kwargs.get("classes"))
            _check_model(est, model)
            _check_predictions(est, model, X, y, sample_weight)


def _model(classes=None, n_outputs=1, **kwargs):
    """What a model of :func:`fitted_models` (3 features) learned."""
    kwargs = {"names": None, "dtype": "float64", "multilabel": False, **kwargs}
    return Model(3, classes=classes, n_outputs=n_outputs, **kwargs)


@functools.cache
def fitted_models():
    """Small fitted models (built once, on first use) and what they learned."""
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (30, 3))
    y = NAMES[np.arange(30) % 3]
    three = NAMES[:3].tolist()
    frame = pd.DataFrame(X, columns=["x0", "x1", "x2"])
    quiet = {"hidden_layer_sizes": (3,), "max_iter": 5, "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return {
            "multiclass": (MLPClassifier(**quiet).fit(X, y), _model(three, 3)),
            "binary-bool": (
                MLPClassifier(**quiet).fit(X, y == "cat"),
                _model([False, True]),
            ),
            "single-class": (
                MLPClassifier(**quiet).fit(X, np.full(30, "cat")),
                _model(["cat"]),
            ),
            "multilabel": (
                MLPClassifier(**quiet).fit(X, rng.rand(30, 2) > 0.5),
                _model([0, 1], 2, multilabel=True),
            ),
            "float32-lbfgs": (
                MLPClassifier(solver="lbfgs", **quiet).fit(X.astype(np.float32), y),
                _model(three, 3, dtype="float32"),
            ),
            "dataframe": (
                MLPClassifier(**quiet).fit(frame, y),
                _model(three, 3, names=tuple(frame.columns)),
            ),
            "regression": (MLPRegressor(**quiet).fit(X, X.sum(axis=1)), _model()),
            "poisson": (
                MLPRegressor(loss="poisson", **quiet).fit(X, np.exp(X[:, 0])),
                _model(),
            ),
            "multioutput": (MLPRegressor(**quiet).fit(X, X[:, :2]), _model(None, 2)),
        }


@st.composite
def known_labels(draw, model, n):
    """Labels that ``model`` knows, for ``n`` rows: to score with."""
    k = len(model.classes)
    if model.multilabel:
        rows = st.lists(st.integers(0, 1), min_size=k, max_size=k)
        value = np.array(draw(st.lists(rows, min_size=n, max_size=n))).reshape(n, k)
    else:
        value = np.array(
            draw(st.lists(st.sampled_from(model.classes), min_size=n, max_size=n))
        )
    return Target(value=value, how="known labels", n_rows=n)


MODEL_NAMES = (
    "multiclass",
    "binary-bool",
    "single-class",
    "multilabel",
    "float32-lbfgs",
    "dataframe",
    "regression",
    "poisson",
    "multioutput",
)


@pytest.mark.parametrize("name", MODEL_NAMES)
@given(data=st.data())
def test_predict_on_fuzzed_inputs(name, data):
    est, model = fitted_models()[name]
    _check_model(est, model)
    width = data.draw(st.sampled_from([3, 3, 3, 3, 2, 4]), label="width")
    faulty = data.draw(st.sampled_from([False, False, True]), label="faulty")
    X = data.draw(matrices(fault=faulty, n_cols=width), label="X")
    if isinstance(est, MLPClassifier):
        y = data.draw(known_labels(model, X.n_rows), label="y")
    else:
        y = data.draw(targets(X.n_rows, n_outputs=model.n_outputs), label="y")
    sample_weight = data.draw(sample_weights(X.n_rows), label="sample_weight")
    fault = predict_fault(model, X)
    event(f"predict: {fault.match if fault else 'valid'}")
    before = _fitted_state(est)
    with _untouched(X, y, sample_weight):
        # Only tame X is scored: r2_score squares the residuals, which
        # overflows (in scikit-learn) for Poisson means near the float
        # maximum, the exp of a large input.
        _check_predictions(est, model, X, y if X.tame else None, sample_weight)
    assert _fitted_state(est) == before


# ------------------------------------------- regressions the fuzzing found
def _quiet(cls, **params):
    return cls(hidden_layer_sizes=(3,), max_iter=3, random_state=0, **params)


def _check_fitted(est):
    assert all(np.isfinite(w).all() for w in est.coefs_ + est.intercepts_)
    assert np.isfinite(est.loss_curve_).all()


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
