"""The stochastic solvers on Dask workers: synchronous data-parallel
minibatches.

An epoch has ``ceil(n / batch_size)`` steps.  At each, every row chunk
contributes its share of the minibatch: the next ``n_c / steps`` rows of
its own order (a permutation drawn per epoch from a seed the client draws
from ``random_state``), and returns their data loss and raw gradient; the
client adds them (in chunk order), adds the penalty's value and takes one
optimizer step (:class:`skmlp._training.OptimizerRun`, the estimator's own)
with the minibatch's weight sum.  So each step is a minibatch of about
``batch_size`` rows drawn across every chunk, as in a single-machine epoch,
though not the same rows: given ``random_state`` and the chunking the fit is
deterministic, but it is not the single-machine fit.  The epoch loss, the
stopping rules and the schedule are the estimator's own
(:func:`skmlp._training._epoch_ends`).
"""

from __future__ import annotations

import math

import numpy as np

from skmlp._divergence import warn_diverged
from skmlp._network import Workspace, loss_and_grad, total_weight
from skmlp._training import StochasticConfig, _epoch_ends


def _step_loss_grad(part, seed, step, n_steps, theta, objective):
    """The chunk's share of one step's minibatch: its data loss (weighted
    mean), weight, rows and raw gradient."""
    n = part.X.shape[0]
    order = np.random.RandomState(seed).permutation(n)
    rows = order[step * n // n_steps : (step + 1) * n // n_steps]
    grad = np.zeros_like(theta)
    if rows.shape[0] == 0:
        return 0.0, 0, 0, grad
    X, Y = part.X[rows], part.Y[rows]
    sw = None if part.sample_weight is None else part.sample_weight[rows]
    workspace = Workspace(objective.layout, rows.shape[0], theta.dtype)
    value = loss_and_grad(objective, theta, grad, X, Y, sw, workspace, finish=False)
    return value, total_weight(X, sw), rows.shape[0], grad


def _step(batch, theta, objective, seeds, step, n_steps):
    """One synchronous step's summed raw gradient, loss, weight and rows."""
    results = batch.run(_step_loss_grad, theta, seeds, step=step, n_steps=n_steps)
    grad = np.zeros_like(theta)
    value, weight, rows = 0.0, 0, 0
    for chunk_value, chunk_weight, chunk_rows, chunk_grad in results:
        grad += chunk_grad
        value += chunk_value * chunk_weight
        weight += chunk_weight
        rows += chunk_rows
    penalty, coefs = objective.penalty, objective.layout.views(theta)[0]
    value /= weight
    if penalty.l2 or penalty.l1 or penalty.group:
        value += penalty.value([W.reshape(-1) for W in coefs], coefs) / weight
    return grad, value, weight, rows


def _epoch(batch, theta, objective, run, seeds, n_steps):
    """One epoch of synchronous steps; its mean minibatch loss."""
    penalty, layout = objective.penalty, objective.layout
    accumulated, counted = 0.0, 0
    for step in range(n_steps):
        grad, value, weight, rows = _step(batch, theta, objective, seeds, step, n_steps)
        if not weight > 0:
            continue  # as run_epoch: an all-zero-weight batch is skipped
        accumulated += value * rows
        counted += rows
        run.step(theta, grad, penalty, layout.n_coef, weight, shapes=layout.shapes)
        if objective.kept is not None:
            theta[: layout.n_coef] *= objective.kept
    return accumulated / counted


def fit_rounds(estimator, batch, theta, objective, rng, timeout):
    """Train ``estimator`` by synchronous data-parallel minibatches."""
    run = estimator._optimizer_run(theta, False)
    progress = estimator._progress
    config = StochasticConfig(
        batch_size=estimator._batch_size(batch.n_samples),
        shuffle=True,
        max_iter=estimator.max_iter,
        tol=estimator.tol,
        n_iter_no_change=estimator.n_iter_no_change,
        verbose=bool(estimator.verbose),
    )
    n_steps = -(-batch.n_samples // config.batch_size)
    progress.n_iter = 0
    for _ in range(config.max_iter):
        seeds = rng.randint(np.iinfo(np.int32).max, size=len(batch.parts)).tolist()
        before = theta.copy()
        loss = _epoch(batch, theta, objective, run, seeds, n_steps)
        if not math.isfinite(loss) or not np.isfinite(theta).all():
            # The diverged epoch is undone; the fit stops with a warning.
            theta[...] = before
            warn_diverged("training loss")
            break
        if _epoch_ends(loss, batch.n_samples, theta, run, progress, config, None):
            break
    # No validation set here: its loss curve stays None.
    estimator._record_progress(progress)
