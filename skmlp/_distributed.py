"""Fitting on rows held by Dask workers: the machinery of
:mod:`skmlp.distributed`.

The rows never come to the client.  Each row chunk is validated and encoded
on the worker that computed it (:func:`_check_part`, :func:`_encode_part`),
and stays there; the client learns only their sizes, classes and weight
sums.  A full-batch solver then sees a :class:`DaskBatch`: each evaluation
broadcasts the weights, every worker runs :func:`skmlp._network.loss_and_grad`
on its chunks (the data term only, the gradient left raw) and the client
adds the chunks' gradients and weighted losses in chunk order, then adds
the penalty and divides by the weight sum once, as
:func:`~skmlp._network.loss_and_grad` does for one batch.  The sums round
differently from one batch's, so the fit matches the single-machine fit to
round-off, not to the bit.
"""

from __future__ import annotations

import copy
import time

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_array, check_random_state, column_or_1d
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_consistent_length

from skmlp import _network
from skmlp._base import _redraw
from skmlp._distributed_sgd import fit_rounds
from skmlp._network import Workspace, finish_gradient, loss_and_grad
from skmlp._solvers import resolve_optimizer
from skmlp._training import Data
from skmlp.penalties import Penalty

#: Seconds to wait for one evaluation over every chunk before giving up.
TIMEOUT = 600.0
#: Seconds between checks that the workers holding the chunks are alive.
POLL = 1.0


class WorkerLost(RuntimeError):
    """A worker holding row chunks left during an evaluation."""


_NO_PENALTY = Penalty(0.0, 0.0)


# ------------------------------------------------------------ on the workers
def _check_part(X, y, sample_weight, dtype, target):
    """One row chunk validated as the estimator's ``fit`` validates the
    whole: ``X`` finite in ``dtype``, ``y`` labels (``target="classes"``)
    or finite numbers (non-negative for ``"poisson"``), weights checked."""
    X = check_array(X, accept_sparse="csr", dtype=dtype, ensure_min_samples=0)
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y)
    check_consistent_length(X, y)
    if target == "classes":
        if y.ndim != 1:
            raise ValueError(
                "distributed.fit takes 1-D class labels as y; multilabel "
                "targets are not supported."
            )
        if y.shape[0]:
            check_classification_targets(y)
    else:
        y = check_array(y, ensure_2d=False, dtype=dtype, ensure_min_samples=0)
        if target == "poisson" and np.any(y < 0):
            raise ValueError(
                "Some value(s) of y are negative which is not allowed for "
                "Poisson regression."
            )
    if sample_weight is not None:
        sample_weight = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
    return X, y, sample_weight


def _summary(part, classes):
    """What the client needs of a chunk: rows, features, weight, labels."""
    X, y, sw = part
    return {
        "n_samples": X.shape[0],
        "n_features": X.shape[1],
        "n_outputs": 1 if y.ndim == 1 else y.shape[1],
        "dtype": X.dtype,
        "weight_sum": X.shape[0] if sw is None else float(np.add.reduce(sw)),
        "classes": np.unique(y) if classes else None,
    }


def _encode_part(part, binarizer):
    """The chunk's targets encoded for the output layer, as ``fit`` does."""
    X, y, sw = part
    if binarizer is not None:
        Y = binarizer.transform(y).astype(bool)
    else:
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
    return Data(X, Y, sw)


def _chunk_loss_grad(part, theta, objective):
    """The chunk's data loss (its weighted mean), weight and raw gradient."""
    X, Y, sw = part
    grad = np.empty_like(theta)
    workspace = Workspace(objective.layout, X.shape[0], theta.dtype)
    value = loss_and_grad(objective, theta, grad, X, Y, sw, workspace, finish=False)
    return value, _network.total_weight(X, sw), grad


# ------------------------------------------------------------ on the client
class DaskBatch:
    """The full-batch objective over row chunks held by Dask workers (a
    batch as :class:`skmlp._network.LocalBatch` describes)."""

    def __init__(self, client, parts, summaries, objective, timeout):
        self.client, self.parts, self.timeout = client, parts, timeout
        # Each chunk's workers (who_has), refreshed after a failure.
        self.locations = None
        self.n_samples = sum(s["n_samples"] for s in summaries)
        # Row counts (ints) without weights: n itself, as for one batch.
        self.weight_sum = sum(s["weight_sum"] for s in summaries)
        # The workers compute the data term only: the penalty is added here,
        # once, over the whole weight sum.
        data_objective = objective._replace(penalty=_NO_PENALTY, kept=None)
        self.data_objective = client.submit(copy.copy, data_objective, pure=False)

    def loss_and_grad(self, objective, theta, grad, finish=True):
        """:func:`skmlp._network.loss_and_grad` over every chunk."""
        results = self.run(_chunk_loss_grad, theta)
        grad[...] = 0
        value = 0.0
        for chunk_value, chunk_weight, chunk_grad in results:
            grad += chunk_grad
            value += chunk_value * chunk_weight
        value /= self.weight_sum
        return self._add_penalty(objective, theta, grad, value, finish)

    def run(self, function, theta, *per_chunk, **common):
        """``function(part, *per_chunk[i], theta=theta, objective=...,
        **common)`` on every chunk, the results in chunk order.

        An evaluation a lost worker broke is run once more (it depends on
        its arguments only, so the retry gives the same numbers; Dask
        recomputes the lost chunks)."""
        try:
            return self._run(function, theta, per_chunk, common)
        except TimeoutError:
            raise
        except Exception:
            # A worker lost mid-evaluation surfaces as a closed connection,
            # a cancelled future, a scheduler error about the gone worker,
            # or WorkerLost from _wait; the chunks may have moved since.
            self.locations = None
            return self._run(function, theta, per_chunk, common)

    def _run(self, function, theta, per_chunk, common):
        client = self.client
        if self.locations is None:
            from distributed import wait

            # Where the chunks are once they are in memory (who_has knows
            # nothing of a chunk still being computed).
            wait(self.parts, timeout=self.timeout)
            self.locations = client.who_has(self.parts)
        # A task holding the weights rather than scattered data: if the
        # worker keeping them is lost, the scheduler recomputes them (the
        # other workers fetch them from it, once each).
        theta_future = client.submit(np.array, theta, pure=False)
        futures = []
        for part, *args in zip(self.parts, *per_chunk):
            # Each chunk's task runs where the chunk is, and only there: a
            # worker that is idle would otherwise steal it with its rows.
            where = list(self.locations.get(part.key, ())) or None
            futures.append(
                client.submit(
                    function,
                    part,
                    *args,
                    theta=theta_future,
                    objective=self.data_objective,
                    pure=False,
                    workers=where,
                    allow_other_workers=False,
                    **common,
                )
            )
        return self._wait(futures)

    def _wait(self, futures):
        """The futures' results; WorkerLost as soon as a worker holding a
        chunk has left (its pinned task could not run anywhere else), a
        TimeoutError after ``timeout`` seconds: never a hang."""
        from distributed import wait

        held = {address for where in self.locations.values() for address in where}
        deadline = time.monotonic() + self.timeout
        while True:
            left = deadline - time.monotonic()
            try:
                wait(futures, timeout=min(POLL, max(left, 0)))
                return [future.result() for future in futures]
            except TimeoutError:
                if left <= POLL:
                    raise
            if not held <= set(self.client.scheduler_info()["workers"]):
                raise WorkerLost("a worker holding row chunks left the cluster")

    def _add_penalty(self, objective, theta, grad, value, finish):
        """The penalty's value and (``finish``) gradient, as loss_and_grad
        adds them to one batch's."""
        penalty, layout = objective.penalty, objective.layout
        coefs, _ = layout.views(theta)
        if penalty.l2 or penalty.l1 or penalty.group:
            layers = [W.reshape(-1) for W in coefs]
            value += penalty.value(layers, coefs) / self.weight_sum
        if finish:
            if penalty.group:
                grad_coefs, _ = layout.views(grad)
                penalty.add_group_gradient(coefs[:-1], grad_coefs[:-1])
            finish_gradient(penalty, theta, grad, layout.n_coef, self.weight_sum)
        return value


def current_client(client):
    """``client``, or the current Dask client; a ValueError without one."""
    if client is not None:
        return client
    from distributed import default_client

    try:
        return default_client()
    except ValueError:
        raise ValueError(
            "distributed.fit needs a Dask client: pass client=, or create one "
            "first (distributed.Client(...)); none exists."
        ) from None


def check_solver(estimator):
    """The settings distributed.fit cannot honour raise a ValueError."""
    estimator._validate_params()
    unsupported = {
        "early_stopping": estimator.early_stopping,
        "dropout": np.any(np.asarray(estimator.dropout) != 0),
        "class_weight": getattr(estimator, "class_weight", None) is not None,
    }
    for name, given in unsupported.items():
        if given:
            raise ValueError(f"distributed.fit does not support {name}.")
    if getattr(estimator, "_skl_callbacks", None):
        # The callbacks' task tree is built by the estimator's own fit.
        raise ValueError(
            "distributed.fit does not support callbacks: fit an estimator "
            "without set_callbacks(...)."
        )


def _as_array(data, name):
    """A Dask array of ``data`` (a Dask array, DataFrame or Series)."""
    if hasattr(data, "to_dask_array"):
        return data.to_dask_array(lengths=True)
    if not hasattr(data, "to_delayed") or not hasattr(data, "chunks"):
        raise TypeError(
            f"distributed.fit takes {name} as a Dask array or DataFrame, got "
            f"{type(data).__name__}."
        )
    return data


def row_blocks(X, y, sample_weight):
    """Delayed ``(X, y, sample_weight)`` blocks, one per row chunk of X
    (y and the weights rechunked to X's rows; X's columns made one chunk)."""
    X = _as_array(X, "X")
    if X.ndim != 2:
        raise ValueError(f"Expected a 2-D X, got {X.ndim} dimension(s).")
    X = X.rechunk({1: -1})
    rows = X.chunks[0]
    y = _as_array(y, "y")
    y = y.rechunk({0: rows, **({1: -1} if y.ndim == 2 else {})})
    X_blocks = X.to_delayed().ravel()
    y_blocks = y.to_delayed().ravel()
    if sample_weight is None:
        sw_blocks = [None] * len(X_blocks)
    else:
        sw = _as_array(sample_weight, "sample_weight").rechunk({0: rows})
        sw_blocks = sw.to_delayed().ravel()
    if y.shape[0] != X.shape[0]:
        raise ValueError(
            f"X has {X.shape[0]} rows but y has {y.shape[0]}; they must match."
        )
    return X.dtype, list(zip(X_blocks, y_blocks, sw_blocks))


def place_parts(client, estimator, X, y, sample_weight):
    """The validated chunks as futures on the workers, and their summaries
    (empty chunks dropped)."""
    import dask

    dtype, blocks = row_blocks(X, y, sample_weight)
    dtype = np.float32 if dtype == np.float32 else np.float64
    if is_classifier(estimator):
        target = "classes"
    else:
        target = "poisson" if estimator.loss == "poisson" else "real"
    checked = [dask.delayed(_check_part)(*block, dtype, target) for block in blocks]
    parts = client.compute(checked)
    summaries = client.gather(client.map(_summary, parts, classes=target == "classes"))
    kept = [i for i, s in enumerate(summaries) if s["n_samples"]]
    if not kept:
        raise ValueError(
            "Found array with 0 sample(s) while a minimum of 1 is required."
        )
    return [parts[i] for i in kept], [summaries[i] for i in kept]


def _encode(client, estimator, parts, summaries, first_pass):
    """The chunks with encoded targets (on the workers), and the number of
    outputs; the classifier learns or checks its classes here."""
    binarizer = None
    if is_classifier(estimator):
        classes = np.unique(np.concatenate([s["classes"] for s in summaries]))
        if first_pass:
            # Fit on the classes: the same classes_ and target type as on y.
            estimator._label_binarizer = LabelBinarizer().fit(classes)
            estimator.classes_ = estimator._label_binarizer.classes_
        elif set(classes) != set(estimator.classes_):
            raise ValueError(
                "warm_start can only be used where `y` has the same classes as "
                f"in the previous call to fit. Previously got "
                f"{estimator.classes_}, `y` has {classes}"
            )
        binarizer = estimator._label_binarizer
        n_outputs = len(binarizer.transform(binarizer.classes_[:1])[0])
    else:
        n_outputs = summaries[0]["n_outputs"]
    if not first_pass and n_outputs != estimator.n_outputs_:
        raise ValueError(
            f"y has {n_outputs} output(s) but the model being continued has "
            f"{estimator.n_outputs_} (n_outputs_)."
        )
    # Passed in each task (it is small), not scattered: a task keeps its
    # lineage, so the chunks of a lost worker can be computed again.
    encoded = client.map(_encode_part, parts, binarizer=binarizer)
    return encoded, n_outputs


def _full_batch(estimator):
    """lbfgs, or an optimizer taking the whole batch each step (GD)."""
    return estimator.solver == "lbfgs" or getattr(
        resolve_optimizer(estimator), "full_batch", False
    )


def _check_features(estimator, n_features, first_pass):
    if first_pass or not hasattr(estimator, "n_features_in_"):
        estimator.n_features_in_ = n_features
    elif n_features != estimator.n_features_in_:
        raise ValueError(
            f"X has {n_features} features, but {type(estimator).__name__} is "
            f"expecting {estimator.n_features_in_} features as input."
        )


def _train(estimator, client, parts, summaries, timeout):
    """Fit ``estimator`` on the chunks, as its own ``fit`` would on them."""
    first_pass = not hasattr(estimator, "coefs_")
    fresh = first_pass or not hasattr(estimator, "_progress")
    _check_features(estimator, summaries[0]["n_features"], first_pass)
    parts, n_outputs = _encode(client, estimator, parts, summaries, first_pass)
    dtype = summaries[0]["dtype"]
    hidden = estimator._hidden_sizes()
    layout = _network.Layout([estimator.n_features_in_, *hidden, n_outputs])
    rng = check_random_state(estimator.random_state)
    restart = _redraw(layout, estimator.activation, rng, dtype)
    theta = estimator._start_params(layout, dtype, rng, first_pass)
    objective = estimator._objective(layout, theta, first_pass)
    batch = DaskBatch(client, parts, summaries, objective, timeout)
    estimator._set_structure(layout, theta, n_outputs)
    estimator._start_progress(theta, fresh)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if not _full_batch(estimator):
            fit_rounds(estimator, batch, theta, objective, rng, timeout)
        elif estimator._is_stochastic():
            restart = restart if first_pass else None
            estimator._fit_stochastic(
                theta, objective, batch, rng, False, restart, None, None
            )
        else:
            estimator._fit_full_batch(theta, objective, batch, None, None)
    estimator._report_sparsity()


def fit(estimator, X, y, sample_weight=None, client=None, timeout=TIMEOUT):
    """:func:`skmlp.distributed.fit`: a copy is fit and, on success only,
    its state becomes the estimator's (a failed fit leaves it as it was)."""
    client = current_client(client)
    check_solver(estimator)
    continuing = estimator.warm_start and hasattr(estimator, "coefs_")
    work = copy.deepcopy(estimator) if continuing else clone(estimator)
    parts, summaries = place_parts(client, work, X, y, sample_weight)
    try:
        _train(work, client, parts, summaries, timeout)
    finally:
        # The chunks' copies on the workers are no longer needed.
        client.cancel(parts)
    if hasattr(X, "columns") and all(isinstance(c, str) for c in X.columns):
        work.feature_names_in_ = np.asarray(X.columns, dtype=object)
    estimator.__dict__.clear()
    estimator.__dict__.update(work.__dict__)
    return estimator


def stream_partial_fit(estimator, X, y, sample_weight, classes):
    """:func:`skmlp.distributed.stream_partial_fit`: one ``partial_fit``
    call per row chunk, in order, each chunk computed alone."""
    import dask

    _, blocks = row_blocks(X, y, sample_weight)
    for X_block, y_block, sw_block in blocks:
        # One chunk in memory at a time: the point of streaming.
        X_chunk, y_chunk, sw_chunk = dask.compute(X_block, y_block, sw_block)
        if X_chunk.shape[0] == 0:
            continue
        fit_args = {} if sw_chunk is None else {"sample_weight": sw_chunk}
        if is_classifier(estimator):
            fit_args["classes"] = classes
        estimator.partial_fit(X_chunk, y_chunk, **fit_args)
    return estimator
