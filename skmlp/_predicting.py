"""Prediction's fast paths: input checks, the forward pass, label decoding.

A one-row ``predict`` spends nearly all its time outside the network: in
scikit-learn's ``check_is_fitted``, ``validate_data`` (which looks for
DataFrame libraries before it sees an ndarray) and
``LabelBinarizer.inverse_transform``.  Each function here answers the common
case directly and hands every other case to scikit-learn's own function, so
that errors, warnings and results stay exactly scikit-learn's:

- :func:`check_fitted` skips ``check_is_fitted`` where it could only pass;
- :func:`checked_input` accepts a float64/float32 2-D ndarray with the fitted
  number of features and a finite sum (scikit-learn's own first finiteness
  test), for a model fit without feature names; anything else (lists,
  DataFrames, sparse matrices, other dtypes, a NaN or an infinity, a wrong
  shape, a model fit on named features) goes through ``validate_data``;
- :func:`network_output` is :func:`skmlp._network.predict` with ReLU taken
  against a cached row of zeros, which NumPy vectorizes (the scalar form it
  does not, in float64 too) for the same numbers;
- :func:`decode` is ``inverse_transform``'s argmax or threshold, indexing
  ``classes_`` the way it does.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted, validate_data

from skmlp import _network
from skmlp._activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS, _zero_row

_FLOATS = (np.dtype(np.float64), np.dtype(np.float32))


def check_fitted(estimator):
    """``check_is_fitted(estimator)``, skipped when it could only pass.

    It passes for an instance holding an attribute named like ``coefs_``,
    unless its class decides by ``__sklearn_is_fitted__``.
    """
    if "coefs_" not in vars(estimator) or hasattr(estimator, "__sklearn_is_fitted__"):
        check_is_fitted(estimator)


def checked_input(estimator, X):
    """``X`` as ``validate_data(estimator, X, reset=False, ...)`` returns it.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp import MLPRegressor
    >>> from skmlp._predicting import checked_input
    >>> model = MLPRegressor(hidden_layer_sizes=(3,), solver="lbfgs")
    >>> model = model.fit(np.ones((4, 2)), np.ones(4))
    >>> X = np.zeros((1, 2))
    >>> checked_input(model, X) is X
    True
    >>> checked_input(model, [[0, 1]])  # a list goes through validate_data
    array([[0., 1.]])
    """
    if (
        type(X) is np.ndarray
        and X.ndim == 2
        and X.dtype in _FLOATS
        and X.shape[0] > 0
        and X.shape[1] == getattr(estimator, "n_features_in_", None)
        and not hasattr(estimator, "feature_names_in_")
        and _finite_sum(X)
    ):
        return X
    return validate_data(
        estimator,
        X,
        accept_sparse=["csr", "csc"],
        reset=False,
        dtype=(np.float64, np.float32),
    )


_ONES: dict = {}


def _finite_sum(X):
    """Whether ``X``'s sum is finite, so that every entry is.

    The row sums come from one matrix-vector product (a third of the time of
    ``X.sum()``): a NaN or an infinity makes its row's sum non-finite, as in
    scikit-learn's test on the sum.  A huge but finite ``X`` can overflow
    the sum: ``validate_data`` then decides.
    """
    ones = _ONES.get((X.dtype, X.shape[1]))
    if ones is None:
        ones = _ONES.setdefault((X.dtype, X.shape[1]), np.ones(X.shape[1], X.dtype))
    with np.errstate(all="ignore"):
        return bool(np.isfinite(np.add.reduce(X @ ones)))


def network_output(coefs, intercepts, X, hidden, output):
    """The network's output for ``X``: :func:`skmlp._network.predict`'s numbers."""
    activations = [np.empty((X.shape[0], W.shape[1]), W.dtype) for W in coefs]
    hidden_forward = HIDDEN_ACTIVATIONS[hidden].forward
    A, last = X, len(coefs) - 1
    for i, (W, b, Z) in enumerate(zip(coefs, intercepts, activations)):
        if i == last:
            activation = OUTPUT_ACTIVATIONS[output]
        elif hidden == "relu":
            activation = _relu_by_rows
        else:
            activation = hidden_forward
        _network._forward_layer(A, W, b, Z, activation)
        A = Z
    return A


def _relu_by_rows(Z, row=None):
    # max(z, 0) exactly (NaN stays NaN, -0.0 becomes 0.0), as np.maximum(Z, 0).
    np.maximum(Z, _zero_row(Z.dtype, Z.shape[1]), out=Z)


def decode(binarizer, y_pred):
    """``binarizer.inverse_transform(y_pred)``: the same labels, dtype, shape.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.preprocessing import LabelBinarizer
    >>> from skmlp._predicting import decode
    >>> binarizer = LabelBinarizer().fit(["cat", "dog", "eel"])
    >>> decode(binarizer, np.array([[0.2, 0.7, 0.1], [0.6, 0.3, 0.1]]))
    array(['dog', 'cat'], dtype='<U3')
    """
    classes, kind = binarizer.classes_, binarizer.y_type_
    if binarizer.sparse_input_ or not isinstance(y_pred, np.ndarray):
        return binarizer.inverse_transform(y_pred)
    columns = y_pred.ndim == 2 and y_pred.shape[1] == len(classes)
    if kind == "multiclass" and columns:
        return classes[np.argmax(y_pred, axis=1)]
    threshold = (binarizer.pos_label + binarizer.neg_label) / 2.0
    if kind == "multilabel-indicator" and columns:
        return (y_pred > threshold).astype(np.intp)
    if kind == "binary" and y_pred.ndim == 1 and len(classes) == 2:
        return classes[(y_pred > threshold).astype(np.intp)]
    return binarizer.inverse_transform(y_pred)
