"""Fitting on data held by a Dask cluster.

:func:`fit` fits an skmlp estimator on Dask arrays (or DataFrames) chunked
by rows, without bringing the rows to the client: each worker computes the
loss and gradient of its own chunks, only the weights go out and only
gradients come back.  Needs the ``dask`` extra
(``pip install "skmlp[dask]"``).  See docs/distributed.md.
"""

from __future__ import annotations

from skmlp import _distributed

__all__ = ["fit", "stream_partial_fit"]


def fit(estimator, X, y, *, sample_weight=None, client=None, timeout=None):
    """Fit an skmlp estimator on row-chunked Dask data, on the workers.

    Each evaluation of the full-batch objective sends the weights out;
    each worker returns the data loss and raw gradient of its chunks, and
    the client adds them (in chunk order, so the result does not depend on
    timing), adds the penalty and divides by the weight sum once.  The fit
    is the estimator's own ``fit`` on the same rows up to round-off in those
    sums (see docs/distributed.md for measured differences).

    Parameters
    ----------
    estimator : MLPClassifier or MLPRegressor
        Unfitted, or fitted with ``warm_start=True`` to continue.  With
        ``solver="lbfgs"`` or a full-batch optimizer
        (:class:`~skmlp.optimizers.GD`, ``solver="gd"``) the fit is the
        in-memory one up to round-off; with a stochastic solver (``"adam"``,
        ``"sgd"``, ...) each step is a synchronous minibatch drawn across
        the chunks (deterministic given ``random_state`` and the chunking,
        not the in-memory fit; see docs/distributed.md).  Early stopping,
        dropout, ``class_weight`` and callbacks are not supported (a
        ValueError says which).
    X : dask array or dask DataFrame of shape (n_samples, n_features)
        The input data, chunked by rows (column chunks are merged); a Dask
        array's chunks may be ``scipy.sparse`` CSR matrices.  A DataFrame's
        string column names become ``feature_names_in_``.
    y : dask array or dask Series of shape (n_samples,) or (n_samples, n_outputs)
        Class labels (1-D: multilabel targets are not supported) or real
        targets; rechunked to ``X``'s rows.
    sample_weight : dask array of shape (n_samples,), default=None
        Non-negative sample weights.
    client : distributed.Client, default=None
        The cluster's client; None uses the current one.
    timeout : float, default=None
        Seconds to wait for one evaluation over every chunk (None: 600);
        beyond it the fit fails with a TimeoutError.

    Returns
    -------
    estimator : object
        The estimator passed in, fitted: a plain skmlp estimator.  When the
        fit fails, the estimator is left as it was.

    Raises
    ------
    ValueError
        Without a client, or for an unsupported solver or setting.

    Examples
    --------
    >>> import pytest
    >>> distributed = pytest.importorskip("distributed")
    >>> import dask.array as da
    >>> from sklearn.datasets import make_classification
    >>> from skmlp import MLPClassifier
    >>> from skmlp import distributed as skmlp_distributed
    >>> X, y = make_classification(n_samples=200, random_state=0)
    >>> with distributed.Client(processes=False, n_workers=1,
    ...                         dashboard_address=None) as client:
    ...     clf = MLPClassifier((8,), solver="lbfgs", max_iter=50, random_state=0)
    ...     clf = skmlp_distributed.fit(clf, da.from_array(X, chunks=50),
    ...                                 da.from_array(y, chunks=50))
    >>> clf.predict(X[:3]).shape
    (3,)
    """
    timeout = _distributed.TIMEOUT if timeout is None else timeout
    return _distributed.fit(estimator, X, y, sample_weight, client, timeout)


def stream_partial_fit(estimator, X, y, *, sample_weight=None, classes=None):
    """One pass of ``partial_fit`` over a Dask array's row chunks, in order.

    Out of core: each chunk is computed (by the current Dask client, or
    Dask's local scheduler without one), given to ``partial_fit`` and
    dropped, so only one chunk is in the client's memory at a time.  The
    model is the one the in-memory loop ``for Xc, yc in chunks:
    estimator.partial_fit(Xc, yc, classes=classes)`` gives, to the bit.

    Parameters
    ----------
    estimator : MLPClassifier or MLPRegressor
        With a stochastic solver; unfitted, or continued from earlier calls.
    X : dask array or dask DataFrame of shape (n_samples, n_features)
        The input data; each row chunk is one ``partial_fit`` call.
    y : dask array or dask Series of shape (n_samples,) or (n_samples, n_outputs)
        Targets, rechunked to ``X``'s rows.
    sample_weight : dask array of shape (n_samples,), default=None
        Non-negative sample weights.
    classes : array-like, default=None
        Every class (classifier; required unless continuing).

    Returns
    -------
    estimator : object
        The estimator, after one pass.

    Examples
    --------
    >>> import pytest
    >>> da = pytest.importorskip("dask.array")
    >>> from sklearn.datasets import make_classification
    >>> from skmlp import MLPClassifier
    >>> from skmlp.distributed import stream_partial_fit
    >>> X, y = make_classification(n_samples=300, random_state=0)
    >>> clf = MLPClassifier((8,), random_state=0)
    >>> clf = stream_partial_fit(clf, da.from_array(X, chunks=100),
    ...                          da.from_array(y, chunks=100), classes=[0, 1])
    >>> clf.t_  # samples seen: one pass over the 300 rows
    300
    """
    return _distributed.stream_partial_fit(estimator, X, y, sample_weight, classes)
