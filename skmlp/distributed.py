"""Fitting on data held by a Dask cluster.

:func:`fit` fits an skmlp estimator on Dask arrays (or DataFrames) chunked
by rows, without bringing the rows to the client: each worker computes the
loss and gradient of its own chunks, only the weights go out and only
gradients come back.  Needs the ``dask`` extra
(``pip install "skmlp[dask]"``).  See docs/distributed.md.
"""

from __future__ import annotations

from skmlp import _distributed

__all__ = ["fit"]


def fit(estimator, X, y, *, sample_weight=None, client=None, timeout=None):
    """Fit an skmlp estimator on row-chunked Dask data, on the workers.

    Each evaluation of the full-batch objective broadcasts the weights;
    each worker returns the data loss and raw gradient of its chunks, and
    the client adds them (in chunk order, so the result does not depend on
    timing), adds the penalty and divides by the weight sum once.  The fit
    is the estimator's own ``fit`` on the same rows up to round-off in those
    sums (see docs/distributed.md for measured differences).

    Parameters
    ----------
    estimator : MLPClassifier or MLPRegressor
        Unfitted, or fitted with ``warm_start=True`` to continue.  Its
        ``solver`` must be ``"lbfgs"`` or a full-batch optimizer
        (:class:`~skmlp.optimizers.GD`, ``solver="gd"``); early stopping,
        dropout and ``class_weight`` are not supported.
    X : dask array or dask DataFrame of shape (n_samples, n_features)
        The input data, chunked by rows (column chunks are merged).
    y : dask array or dask Series of shape (n_samples,) or (n_samples, n_outputs)
        Class labels (1-D) or real targets; rechunked to ``X``'s rows.
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
