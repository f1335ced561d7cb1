"""The L-BFGS driver: SciPy's L-BFGS-B on the full-batch objective."""

from __future__ import annotations

import math
import warnings

import numpy as np
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning

from skmlp._divergence import NonFiniteFit, diverged, warn_diverged
from skmlp._network import LocalBatch
from skmlp.penalties import group_envelope, weight_matrices, zero_small_groups

#: Where the L-BFGS treatment of the group penalty turns from the group norm
#: to its quadratic smoothing, and the columns it zeros at the end: the norm
#: below which a column of hidden weights counts as 0 (a Glorot-initialized
#: column has a norm near 1).
GROUP_RADIUS = 1e-3


class _SplitL1:
    """L-BFGS-B variables for an L1 penalty: ``W = P - N`` with ``P, N >= 0``.

    The L1 term becomes the linear ``l1 * sum(P + N)``, smooth for L-BFGS-B,
    whose bounds then put exact zeros in ``W``. Biases stay unbounded.
    """

    def __init__(self, theta, n_coef, strength, kept=None):
        self.n_coef = n_coef
        self.strength = strength
        W = theta[:n_coef].astype(np.float64)
        self.x0 = np.concatenate([np.maximum(W, 0), np.maximum(-W, 0), theta[n_coef:]])
        n_bias = theta.size - n_coef
        weight_bounds = _weight_bounds(kept, n_coef, (0, None))
        self.bounds = weight_bounds * 2 + [(None, None)] * n_bias

    def to_theta(self, x, theta):
        nc = self.n_coef
        np.subtract(x[:nc], x[nc : 2 * nc], out=theta[:nc], casting="unsafe")
        theta[nc:] = x[2 * nc :]

    def value_and_grad(self, x, value, grad):
        nc = self.n_coef
        grad_W = grad[:nc].astype(np.float64)
        penalty = self.strength * x[: 2 * nc].sum()
        grad_x = np.concatenate(
            [grad_W + self.strength, self.strength - grad_W, grad[nc:]]
        )
        return value + penalty, grad_x


def _weight_bounds(kept, n_coef, free):
    """L-BFGS-B bounds for the weights: ``free``, or (0, 0) for a weight
    held at zero (L-BFGS-B keeps a variable with equal bounds fixed)."""
    if kept is None:
        return [free] * n_coef
    return [free if k else (0, 0) for k in kept]


class _SmoothGroup:
    """L-BFGS-B variables for a group penalty: the weights, with the group
    term replaced by its Moreau envelope (:func:`group_envelope`, Huber in
    each column's norm, quadratic up to :data:`GROUP_RADIUS`).

    At a stationary point of the smoothed objective a column beyond the
    radius meets the exact group-lasso condition (its gradients are the
    same), and one within it has data gradient of norm at most the group
    strength, the exact condition for a zero column: :meth:`finish` sets
    those columns to 0 (moving them by at most the radius) and leaves the
    others (the proximal map of the envelope would shrink them too, by the
    radius, off their optimality).
    """

    def __init__(self, theta, shapes, group, weight_sum, kept=None):
        self.x0 = theta.astype(np.float64)
        self.bounds = _plain_bounds(theta, kept)
        self.hidden = shapes[:-1]
        self.strengths = [group * np.sqrt(n_in) / weight_sum for n_in, _ in self.hidden]

    def to_theta(self, x, theta):
        theta[...] = x

    def value_and_grad(self, x, value, grad):
        grad_x = grad.astype(np.float64)
        value += group_envelope(
            weight_matrices(x, self.hidden),
            self.strengths,
            GROUP_RADIUS,
            weight_matrices(grad_x, self.hidden),
        )
        return value, grad_x

    def finish(self, theta):
        zero_small_groups(weight_matrices(theta, self.hidden), GROUP_RADIUS)


def _plain_bounds(theta, kept):
    """No bounds, but (0, 0) for weights held at zero."""
    if kept is None:
        return None
    n_coef = kept.shape[0]
    free = [(None, None)] * (theta.size - n_coef)
    return _weight_bounds(kept, n_coef, (None, None)) + free


class _Plain:
    """L-BFGS-B variables that are the weights themselves."""

    def __init__(self, theta, kept=None):
        self.x0 = theta.astype(np.float64)
        self.bounds = _plain_bounds(theta, kept)

    def to_theta(self, x, theta):
        theta[...] = x

    def value_and_grad(self, x, value, grad):
        return value, grad.astype(np.float64)


def fit_lbfgs(
    theta,
    objective,
    data,
    max_iter,
    max_fun,
    tol,
    verbose,
    validation_loss=None,
    epochs=None,
):
    """Minimize the full-batch objective with SciPy's L-BFGS-B.

    Works in float64 inside SciPy but evaluates the network in ``theta``'s
    dtype, so float32 weights stay float32.  An L1 penalty is handled by
    splitting the weights (see :class:`_SplitL1`), a group penalty by
    smoothing (see :class:`_SmoothGroup`; the final loss is then the exact
    objective at the returned weights).  Returns ``(n_iter,
    final_loss, loss_curve, validation_loss_curve)``, the last None without
    ``validation_loss`` (else that function of the weights at each iterate
    of the curve, and at the returned weights last); warns when L-BFGS-B
    stops without converging.
    ``epochs`` (:class:`skmlp._callbacks.Epochs`) reports iterations, or None.
    When the objective overflows, ``theta`` is the last accepted iterate with
    a finite loss (or the start, with ``final_loss`` None); when it is not
    finite at the start, :class:`~skmlp._divergence.NonFiniteFit` is raised.
    ``data`` is a :class:`~skmlp._training.Data` or a batch evaluated
    elsewhere (see :class:`~skmlp._network.LocalBatch`).
    """
    if not hasattr(data, "loss_and_grad"):
        data = LocalBatch(data, objective.layout, theta.dtype)
    variables, smoothed = _variables(theta, objective, data)
    evaluations = _Evaluations(theta, smoothed, data, variables, verbose)
    evaluations.validation_loss = validation_loss
    evaluations.epochs = epochs
    result = scipy.optimize.minimize(
        evaluations,
        variables.x0,
        method="L-BFGS-B",
        jac=True,
        bounds=variables.bounds,
        options={"maxfun": max_fun, "maxiter": max_iter, "gtol": tol},
        callback=evaluations.iteration_done,
    )
    n_iter, loss, curve = _outcome(result, theta, variables, evaluations, max_iter)
    if isinstance(variables, _SmoothGroup):
        variables.finish(theta)
        # The exact objective at the returned weights (the curve before it is
        # the smoothed one L-BFGS-B minimized).
        loss = data.loss_and_grad(objective, theta, evaluations.grad)
        if curve:
            curve[-1] = loss
    validation_curve = evaluations.validation_curve(theta)
    return n_iter, loss, curve, validation_curve


def _variables(theta, objective, batch):
    """The L-BFGS-B variables for the objective's penalty, and the objective
    the network then evaluates (without the part the variables take over)."""
    penalty = objective.penalty
    weight_sum = batch.weight_sum
    if penalty.l1 and penalty.group:
        raise ValueError("lbfgs cannot combine the L1 and group penalties.")
    kept, n_coef = objective.kept, objective.layout.n_coef
    if penalty.l1:
        variables = _SplitL1(theta, n_coef, penalty.l1 / weight_sum, kept)
        return variables, objective._replace(penalty=penalty._replace(l1=0.0))
    if penalty.group:
        shapes = objective.layout.shapes
        variables = _SmoothGroup(theta, shapes, penalty.group, weight_sum, kept)
        return variables, objective._replace(penalty=penalty._replace(group=0.0))
    return _Plain(theta, kept), objective


class _Evaluations:
    """The objective L-BFGS-B calls, and the record of its iterations."""

    def __init__(self, theta, objective, batch, variables, verbose):
        self.theta, self.objective, self.batch = theta, objective, batch
        self.variables, self.verbose = variables, verbose
        self.grad = np.empty_like(theta)
        self.first_value = None
        self.curve = []
        self.last_accepted = variables.x0.copy()
        self.validation_loss = None
        self.validation_values = []
        self.epochs = None

    def __call__(self, x):
        if self.epochs is not None and self.epochs.current is None:
            # An iteration's first evaluation begins its task.
            self.epochs.begin(self._state(self.last_accepted))
        self.variables.to_theta(x, self.theta)
        value = self.batch.loss_and_grad(self.objective, self.theta, self.grad)
        value, grad_x = self.variables.value_and_grad(x, value, self.grad)
        if self.first_value is None:
            self.first_value = value
        return value, grad_x

    def iteration_done(self, intermediate_result):
        self.curve.append(float(intermediate_result.fun))
        if math.isfinite(self.curve[-1]):
            np.copyto(self.last_accepted, intermediate_result.x)
        if self.validation_loss is not None:
            # Into a buffer of its own: the objective's weights stay as they are.
            scratch = np.empty_like(self.theta)
            self.variables.to_theta(intermediate_result.x, scratch)
            self.validation_values.append(self.validation_loss(scratch))
        if self.verbose:
            print("Iteration %d, loss = %.8f" % (len(self.curve), self.curve[-1]))
        if self.epochs is not None and self.epochs.end(
            self._state(intermediate_result.x)
        ):
            raise StopIteration

    def _state(self, x):
        """The fitted attributes at the iterate ``x`` (for the callbacks)."""

        def state():
            theta = np.empty_like(self.theta)
            self.variables.to_theta(x, theta)
            curve = list(self.curve)
            return {
                "_theta": theta,
                "n_iter_": len(curve),
                "loss_": curve[-1] if curve else None,
                "loss_curve_": curve,
            }

        return state

    def validation_curve(self, theta):
        """The validation losses of the iterates whose loss is finite (the
        curve a diverged fit reports), the last at the final ``theta``."""
        if self.validation_loss is None:
            return None
        pairs = zip(self.curve, self.validation_values)
        values = [value for loss, value in pairs if math.isfinite(loss)]
        if values:
            values[-1] = self.validation_loss(theta)
        return values


def _outcome(result, theta, variables, evaluations, max_iter):
    """``(n_iter, final_loss, loss_curve)``, ``theta`` set to the result."""
    if evaluations.epochs is not None:
        evaluations.epochs.close()  # an iteration L-BFGS-B left unfinished
    variables.to_theta(result.x, theta)
    if not math.isfinite(evaluations.first_value):
        variables.to_theta(variables.x0, theta)
        raise NonFiniteFit
    if diverged(result.fun, theta):
        # The line search ran into overflow: keep the last iterate L-BFGS-B
        # accepted with a finite loss (or the start) and report its loss.
        variables.to_theta(evaluations.last_accepted, theta)
        curve = [loss for loss in evaluations.curve if math.isfinite(loss)]
        warn_diverged("L-BFGS objective")
        return len(curve), curve[-1] if curve else None, curve
    stopped = evaluations.epochs is not None and evaluations.epochs.stopped
    if result.status != 0 and not stopped:
        warnings.warn(
            "lbfgs failed to converge after %d iteration(s) (status=%d): %s. "
            "Increase max_iter or max_fun, or scale the data."
            % (result.nit, result.status, result.message),
            ConvergenceWarning,
        )
    return min(result.nit, max_iter), result.fun, evaluations.curve
