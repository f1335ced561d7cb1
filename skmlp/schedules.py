"""Learning-rate schedules: objects an optimizer accepts as its learning rate.

Pass one wherever a learning rate goes, for example
``Adam(learning_rate=CosineDecay(initial=0.01, n_epochs=100))``; a plain float
is a :class:`Constant` rate.  Like optimizers, schedules only hold
hyperparameters (so ``solver__learning_rate__initial`` works in a grid search);
the current rate lives with the fit.

A schedule sets the rate at the start of training and after every epoch, and
decides what happens when training stops improving (``n_iter_no_change``
epochs without a ``tol`` improvement): stop, or lower the rate and go on.

The estimator's flat ``learning_rate`` parameter (``"constant"``,
``"invscaling"``, ``"adaptive"``) keeps scikit-learn's meaning for SGD: it is
turned into :class:`Constant`, :class:`InvScaling` or :class:`Adaptive`.

Examples
--------
>>> from skmlp.schedules import StepDecay
>>> schedule = StepDecay(initial=0.1, step_size=2, gamma=0.5)
>>> [schedule.rate(epoch, 0, schedule.initial) for epoch in range(1, 6)]
[0.1, 0.05, 0.05, 0.025, 0.025]
"""

from __future__ import annotations

import math

from skmlp.hyperparams import HyperparametersMixin

__all__ = [
    "Adaptive",
    "Constant",
    "CosineDecay",
    "ExponentialDecay",
    "InvScaling",
    "Schedule",
    "StepDecay",
]


class Schedule(HyperparametersMixin):
    """Base class: a constant rate that stops training at a plateau.

    Subclasses override :meth:`rate` (the rate after ``epoch`` epochs) and/or
    :meth:`on_plateau`.

    Examples
    --------
    >>> from skmlp.schedules import Constant
    >>> Constant(0.01).rate(epoch=10, samples_seen=5000, current=0.01)
    0.01
    """

    initial: float

    def rate(self, epoch: int, samples_seen: int, current: float) -> float:
        """The rate to use after ``epoch`` epochs and ``samples_seen`` samples."""
        return current

    def on_plateau(self, current: float) -> float | None:
        """The new rate when training stopped improving, or None to stop."""
        return None


class Constant(Schedule):
    """A constant learning rate :math:`\\eta_e = \\eta_0`.

    Parameters
    ----------
    initial : float, default=0.001
        :math:`\\eta_0`.

    Examples
    --------
    >>> from skmlp.optimizers import SGD
    >>> from skmlp.schedules import Constant
    >>> SGD(learning_rate=Constant(0.05))
    SGD(learning_rate=Constant(initial=0.05))
    """

    def __init__(self, initial: float = 0.001) -> None:
        self.initial = initial


class InvScaling(Schedule):
    """scikit-learn's ``"invscaling"``: :math:`\\eta = \\eta_0 / (t + 1)^{p}`.

    :math:`t` is the number of training samples seen, updated after every
    epoch.

    Parameters
    ----------
    initial : float, default=0.001
        :math:`\\eta_0`.
    power_t : float, default=0.5
        The exponent :math:`p`.

    Examples
    --------
    >>> from skmlp.schedules import InvScaling
    >>> InvScaling(initial=1.0, power_t=0.5).rate(1, 99, 1.0)
    0.1
    """

    def __init__(self, initial: float = 0.001, power_t: float = 0.5) -> None:
        self.initial = initial
        self.power_t = power_t

    def rate(self, epoch, samples_seen, current):
        """:math:`\\eta_0 / (t + 1)^p`."""
        return float(self.initial) / (samples_seen + 1) ** self.power_t


class Adaptive(Schedule):
    """scikit-learn's ``"adaptive"``: divide the rate at each plateau.

    The rate stays :math:`\\eta_0` while training improves; whenever
    ``n_iter_no_change`` epochs bring no ``tol`` improvement it becomes
    :math:`\\eta / f`, and training stops once it is at most ``min_rate``.

    Parameters
    ----------
    initial : float, default=0.001
        :math:`\\eta_0`.
    factor : float, default=5.0
        The divisor :math:`f`.
    min_rate : float, default=1e-6
        Stop instead of dividing once the rate is at most this.

    Examples
    --------
    >>> from skmlp.schedules import Adaptive
    >>> Adaptive(initial=0.1).on_plateau(0.1)
    0.02
    >>> Adaptive(initial=0.1).on_plateau(1e-7) is None
    True
    """

    def __init__(
        self, initial: float = 0.001, factor: float = 5.0, min_rate: float = 1e-6
    ) -> None:
        self.initial = initial
        self.factor = factor
        self.min_rate = min_rate

    def on_plateau(self, current):
        """:math:`\\eta / f`, or None (stop) once :math:`\\eta \\le` ``min_rate``."""
        if current <= self.min_rate:
            return None
        return current / self.factor


class CosineDecay(Schedule):
    """Cosine decay over ``n_epochs`` epochs, then ``min_rate``.

    .. math::

        \\eta_e = \\eta_{min} + \\tfrac12 (\\eta_0 - \\eta_{min})
                  (1 + \\cos(\\pi \\min(e, E) / E))

    Parameters
    ----------
    initial : float, default=0.001
        :math:`\\eta_0`.
    n_epochs : int, default=200
        :math:`E`, the epochs over which the rate decays (the estimator's
        ``max_iter`` is a natural choice).
    min_rate : float, default=0.0
        :math:`\\eta_{min}`.

    Examples
    --------
    >>> from skmlp.schedules import CosineDecay
    >>> s = CosineDecay(initial=1.0, n_epochs=4)
    >>> [round(s.rate(e, 0, 1.0), 3) for e in (0, 2, 4, 8)]
    [1.0, 0.5, 0.0, 0.0]
    """

    def __init__(
        self, initial: float = 0.001, n_epochs: int = 200, min_rate: float = 0.0
    ) -> None:
        self.initial = initial
        self.n_epochs = n_epochs
        self.min_rate = min_rate

    def rate(self, epoch, samples_seen, current):
        """The cosine-decayed rate after ``epoch`` epochs."""
        progress = min(epoch, self.n_epochs) / self.n_epochs
        return self.min_rate + 0.5 * (self.initial - self.min_rate) * (
            1 + math.cos(math.pi * progress)
        )


class StepDecay(Schedule):
    """Multiply the rate by :math:`\\gamma` every ``step_size`` epochs.

    .. math::

        \\eta_e = \\eta_0 \\, \\gamma^{\\lfloor e / s \\rfloor}

    Parameters
    ----------
    initial : float, default=0.001
        :math:`\\eta_0`.
    step_size : int, default=50
        :math:`s`, epochs between drops.
    gamma : float, default=0.1
        :math:`\\gamma`, the factor of each drop.

    Examples
    --------
    >>> from skmlp.schedules import StepDecay
    >>> StepDecay(initial=1.0, step_size=10, gamma=0.1).rate(25, 0, 1.0)
    0.010000000000000002
    """

    def __init__(
        self, initial: float = 0.001, step_size: int = 50, gamma: float = 0.1
    ) -> None:
        self.initial = initial
        self.step_size = step_size
        self.gamma = gamma

    def rate(self, epoch, samples_seen, current):
        """:math:`\\eta_0 \\gamma^{\\lfloor e / s \\rfloor}`."""
        return self.initial * self.gamma ** (epoch // self.step_size)


class ExponentialDecay(Schedule):
    """Multiply the rate by :math:`\\gamma` every epoch.

    .. math::

        \\eta_e = \\eta_0 \\gamma^e

    Parameters
    ----------
    initial : float, default=0.001
        :math:`\\eta_0`.
    gamma : float, default=0.99
        :math:`\\gamma`, the factor per epoch.

    Examples
    --------
    >>> from skmlp.schedules import ExponentialDecay
    >>> ExponentialDecay(initial=1.0, gamma=0.5).rate(3, 0, 1.0)
    0.125
    """

    def __init__(self, initial: float = 0.001, gamma: float = 0.99) -> None:
        self.initial = initial
        self.gamma = gamma

    def rate(self, epoch, samples_seen, current):
        """:math:`\\eta_0 \\gamma^e`."""
        return self.initial * self.gamma**epoch
