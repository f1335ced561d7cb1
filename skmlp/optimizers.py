"""Optimizers: hyperparameter holders with one documented update rule each.

An optimizer object only *holds hyperparameters*; the running state (velocities,
moment estimates, step counts) is a small ``NamedTuple`` of arrays that
:meth:`~Optimizer.init` allocates and :meth:`~Optimizer.step` updates, in the
style of optax's ``init``/``update`` and JAX's ``example_libraries/optimizers``.
The estimator clones the object you pass, keeps the state on itself (so
``partial_fit`` continues it and a new ``fit`` starts afresh) and never
modifies your object.

The protocol, which a user's own optimizer follows too::

    state = optimizer.init(params)              # params: 1-D array of all weights
    state = optimizer.step(params, grads, state, learning_rate)   # in place

``step`` updates ``params`` in place from ``grads`` (which it leaves alone)
and returns the new state; ``grads`` is the minibatch gradient of the
objective's smooth part (data loss and L2 penalty).  ``learning_rate`` is the
current step size chosen by the learning-rate schedule (for a constant
schedule, the object's ``learning_rate``).  Two class attributes tell the
trainer more: ``full_batch`` (the gradient over the whole training set each
step) and ``elementwise`` (each weight's update depends on its own gradient
and state only, and ``step`` updates the state's arrays in place: the trainer
may then run it over a long vector a cache-sized piece at a time, finishing
each piece of the gradient just before).  float32 parameters keep float32
state.  :func:`step_size` gives the step each update made per unit of
gradient, the scale of the L1 and group penalties' proximal steps.

Examples
--------
>>> import numpy as np
>>> from skmlp.optimizers import Adam
>>> opt = Adam(learning_rate=0.1)
>>> w = np.array([1.0, -2.0])
>>> state = opt.init(w)
>>> state = opt.step(w, 2 * w, state, opt.learning_rate)  # gradient of |w|^2
>>> w.round(3)
array([ 0.9, -1.9])
"""

from __future__ import annotations

import math
from typing import ClassVar, NamedTuple

import numpy as np

from skmlp.hyperparams import HyperparametersMixin

__all__ = [
    "GD",
    "SGD",
    "AdaGrad",
    "Adam",
    "AdamW",
    "Momentum",
    "Optimizer",
    "RMSprop",
    "step_size",
]


def _ema(average: np.ndarray, x: np.ndarray, decay: float) -> None:
    """average <- decay average + (1 - decay) x, in place, rounded as
    scikit-learn rounds it (each product, then the sum)."""
    average *= decay
    average += (1 - decay) * x


def _in_dtype(epsilon: float, dtype: np.dtype) -> float:
    """``epsilon`` as an update adds it to ``dtype`` arrays.

    A positive epsilon below the dtype's range (1e-50 in float32) would round
    to 0 and make 0/0, NaN, of a weight whose gradient has always been 0; it
    becomes the dtype's smallest normal number, which gives that weight the
    same zero step.
    """
    if epsilon > 0 and dtype.type(epsilon) == 0:
        return float(np.finfo(dtype).tiny)
    return epsilon


class Optimizer(HyperparametersMixin):
    """Base class of the optimizers: hyperparameters in, one update rule out.

    Subclasses implement :meth:`init` and :meth:`step`; ``get_params``,
    ``set_params``, ``repr`` and equality come from the constructor signature.

    Examples
    --------
    >>> from skmlp.optimizers import SGD
    >>> SGD(learning_rate=0.1)
    SGD(learning_rate=0.1)
    """

    #: True when every step must see the gradient over the whole training set.
    full_batch: ClassVar[bool] = False
    #: True when each weight's update depends only on its own gradient and
    #: state, and ``step`` updates the state's arrays in place.
    elementwise: ClassVar[bool] = False
    #: The learning rate with the best mean test accuracy on four standardized
    #: datasets within the estimator's default 200 epochs
    #: (``benchmarks/bench_optimizers.py --sweep``, docs/optimizer_sweep.md);
    #: the default ``learning_rate`` stays scikit-learn's 0.001.  None for an
    #: optimizer that documents none (a user's own, say).
    recommended_learning_rate: ClassVar[float | None] = None

    def init(self, params: np.ndarray) -> NamedTuple:  # pragma: no cover
        """Allocate the state for ``params`` (zeros, same dtype)."""
        raise NotImplementedError

    def step(
        self,
        params: np.ndarray,
        grads: np.ndarray,
        state: NamedTuple,
        learning_rate: float,
    ) -> NamedTuple:  # pragma: no cover
        """Update ``params`` in place from ``grads``; return the new state."""
        raise NotImplementedError


class SGDState(NamedTuple):
    """State of :class:`SGD`: the velocity ``v``."""

    v: np.ndarray


class SGD(Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum.

    With minibatch gradient :math:`g`, learning rate :math:`\\eta` and momentum
    :math:`\\mu` (velocity :math:`v` starts at 0):

    .. math::

        v &\\leftarrow \\mu v - \\eta g \\\\
        W &\\leftarrow W + v \\quad\\text{or, with Nesterov,}\\quad
        W \\leftarrow W + \\mu v - \\eta g

    With :math:`\\mu = 0` this is plain SGD, :math:`W \\leftarrow W - \\eta g`.
    This is exactly scikit-learn's ``solver="sgd"``.

    Parameters
    ----------
    learning_rate : float, default=0.001
        Step size :math:`\\eta` (the estimator's ``learning_rate_init``).
    momentum : float, default=0.9
        Momentum :math:`\\mu` in [0, 1].
    nesterov : bool, default=True
        Whether to use Nesterov's momentum.

    Examples
    --------
    Two heavy-ball steps on a constant gradient: the velocity builds up.

    >>> import numpy as np
    >>> from skmlp.optimizers import SGD
    >>> opt = SGD(learning_rate=0.5, momentum=0.5, nesterov=False)
    >>> w, g = np.array([2.0]), np.array([1.0])
    >>> state = opt.init(w)
    >>> for _ in range(2):
    ...     state = opt.step(w, g, state, opt.learning_rate)
    >>> w, state.v
    (array([0.75]), array([-0.75]))
    """

    elementwise = True
    recommended_learning_rate: ClassVar[float] = 0.1

    def __init__(
        self, learning_rate: float = 0.001, momentum: float = 0.9, nesterov: bool = True
    ) -> None:
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.nesterov = nesterov

    def init(self, params: np.ndarray) -> SGDState:
        """Allocate a zero velocity."""
        return SGDState(np.zeros_like(params))

    def step(self, params, grads, state, learning_rate):
        """One step of the rule above, in place."""
        (v,) = state
        mu = self.momentum
        lr_g = learning_rate * grads
        if mu == 0:
            params -= lr_g
            return state
        v *= mu
        v -= lr_g
        if self.nesterov:
            lr_g -= mu * v  # -(mu v - eta g), rounded alike
            params -= lr_g
        else:
            params += v
        return state


class GD(SGD):
    """Full-batch gradient descent: :math:`W \\leftarrow W - \\eta g`.

    :math:`g` is the gradient of the objective over the *whole* training set at
    every step, whatever the estimator's ``batch_size``; one step per epoch.
    It is :class:`SGD` with no momentum, run on the full batch.

    Parameters
    ----------
    learning_rate : float, default=0.001
        Step size :math:`\\eta`.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp.optimizers import GD
    >>> w = np.array([1.0, 1.0])
    >>> opt = GD(learning_rate=0.25)
    >>> state = opt.step(w, np.array([2.0, -2.0]), opt.init(w), opt.learning_rate)
    >>> w
    array([0.5, 1.5])
    """

    full_batch = True
    recommended_learning_rate: ClassVar[float] = 0.3
    momentum = 0.0
    nesterov = False

    def __init__(self, learning_rate: float = 0.001) -> None:
        self.learning_rate = learning_rate


class MomentumState(NamedTuple):
    """State of :class:`Momentum`: the gradient average ``v``."""

    v: np.ndarray


class Momentum(Optimizer):
    """Gradient descent with momentum as an exponential moving average.

    .. math::

        v &\\leftarrow \\beta v + (1 - \\beta) g \\\\
        W &\\leftarrow W - \\eta v

    with :math:`v = 0` at the start.

    Parameters
    ----------
    learning_rate : float, default=0.001
        Step size :math:`\\eta`.
    beta : float, default=0.9
        Decay :math:`\\beta` of the average (the estimator's ``momentum``).

    Examples
    --------
    The first average is :math:`(1 - \\beta) g`:

    >>> import numpy as np
    >>> from skmlp.optimizers import Momentum
    >>> opt = Momentum(learning_rate=1.0, beta=0.5)
    >>> w = np.ones(2)
    >>> state = opt.step(w, np.array([1.0, -2.0]), opt.init(w), 1.0)
    >>> state.v.tolist(), w.tolist()
    ([0.5, -1.0], [0.5, 2.0])
    """

    elementwise = True
    recommended_learning_rate: ClassVar[float] = 0.3

    def __init__(self, learning_rate: float = 0.001, beta: float = 0.9) -> None:
        self.learning_rate = learning_rate
        self.beta = beta

    def init(self, params: np.ndarray) -> MomentumState:
        """Allocate a zero average."""
        return MomentumState(np.zeros_like(params))

    def step(self, params, grads, state, learning_rate):
        """One step of the rule above, in place."""
        _ema(state.v, grads, self.beta)
        params -= learning_rate * state.v
        return state


class AdaGradState(NamedTuple):
    """State of :class:`AdaGrad` and :class:`RMSprop`: the (average) sum of
    squared gradients ``G``."""

    G: np.ndarray


class AdaGrad(Optimizer):
    """AdaGrad: per-weight steps shrinking with the accumulated squared gradient.

    .. math::

        G &\\leftarrow G + g^2 \\\\
        W &\\leftarrow W - \\eta\\, g / \\sqrt{G + \\epsilon}

    with :math:`G = 0` at the start.

    Parameters
    ----------
    learning_rate : float, default=0.001
        Step size :math:`\\eta`.
    epsilon : float, default=1e-8
        :math:`\\epsilon` (the estimator's ``epsilon``).

    Examples
    --------
    The same gradient twice: the second step is shorter.

    >>> import numpy as np
    >>> from skmlp.optimizers import AdaGrad
    >>> opt = AdaGrad(learning_rate=0.1, epsilon=0.0)
    >>> w = np.zeros(1)
    >>> state = opt.init(w)
    >>> positions = []
    >>> for _ in range(2):
    ...     state = opt.step(w, np.array([4.0]), state, 0.1)
    ...     positions.append(round(float(w[0]), 4))
    >>> positions, state.G
    ([-0.1, -0.1707], array([32.]))
    """

    elementwise = True
    recommended_learning_rate: ClassVar[float] = 0.03

    def __init__(self, learning_rate: float = 0.001, epsilon: float = 1e-8) -> None:
        self.learning_rate = learning_rate
        self.epsilon = epsilon

    def init(self, params: np.ndarray) -> AdaGradState:
        """Allocate a zero accumulator."""
        return AdaGradState(np.zeros_like(params))

    def step(self, params, grads, state, learning_rate):
        """One step of the rule above, in place."""
        self._accumulate(state.G, np.square(grads))
        step = self._root(state.G)
        np.divide(grads, step, out=step)
        step *= learning_rate
        params -= step
        return state

    def _accumulate(self, G, squared):
        G += squared

    def _root(self, G):
        """sqrt(G + eps), the per-weight scale of the step."""
        return np.sqrt(G + _in_dtype(self.epsilon, G.dtype))


class RMSprop(AdaGrad):
    """RMSprop: steps scaled by a moving average of squared gradients.

    .. math::

        G &\\leftarrow \\rho G + (1 - \\rho) g^2 \\\\
        W &\\leftarrow W - \\eta\\, g / \\sqrt{G + \\epsilon}

    with :math:`G = 0` at the start: :class:`AdaGrad` with an average in place
    of the sum.

    Parameters
    ----------
    learning_rate : float, default=0.001
        Step size :math:`\\eta`.
    rho : float, default=0.9
        Decay :math:`\\rho` of the average.  0.9 is the value of Hinton's
        lecture that introduced RMSprop (Neural Networks for Machine Learning,
        lecture 6e) and Keras's default; PyTorch uses 0.99.  Without Adam's
        bias correction, a decay near 1 makes the first steps far too long:
        with :math:`\\rho = 0.999` the first step is
        :math:`\\eta / \\sqrt{0.001} \\approx 32 \\eta` per weight.
    epsilon : float, default=1e-8
        :math:`\\epsilon` (the estimator's ``epsilon``).

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp.optimizers import RMSprop
    >>> opt = RMSprop(learning_rate=0.1, rho=0.75, epsilon=0.0)
    >>> w = np.array([1.0])
    >>> state = opt.step(w, np.array([2.0]), opt.init(w), 0.1)
    >>> state.G  # (1 - rho) g^2, so the step is 0.1 * 2 / 1
    array([1.])
    >>> w
    array([0.8])
    """

    recommended_learning_rate: ClassVar[float] = 0.001

    def __init__(
        self, learning_rate: float = 0.001, rho: float = 0.9, epsilon: float = 1e-8
    ) -> None:
        self.learning_rate = learning_rate
        self.rho = rho
        self.epsilon = epsilon

    def _accumulate(self, G, squared):
        _ema(G, squared, self.rho)


class AdamState(NamedTuple):
    """State of :class:`Adam`: step count ``t``, moments ``m`` and ``v``."""

    t: int
    m: np.ndarray
    v: np.ndarray


class Adam(Optimizer):
    """Adam, exactly as scikit-learn's ``solver="adam"``.

    With step count :math:`t` starting at 1 and :math:`m = v = 0`:

    .. math::

        m &\\leftarrow \\beta_1 m + (1 - \\beta_1) g \\\\
        v &\\leftarrow \\beta_2 v + (1 - \\beta_2) g^2 \\\\
        \\eta_t &= \\eta \\sqrt{1 - \\beta_2^t} / (1 - \\beta_1^t) \\\\
        W &\\leftarrow W - \\eta_t\\, m / (\\sqrt{v} + \\epsilon)

    The bias corrections are folded into the scalar :math:`\\eta_t`.

    Parameters
    ----------
    learning_rate : float, default=0.001
        Step size :math:`\\eta`.
    beta_1 : float, default=0.9
        Decay of the first moment.
    beta_2 : float, default=0.999
        Decay of the second moment.
    epsilon : float, default=1e-8
        :math:`\\epsilon`, added to :math:`\\sqrt{v}`.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp.optimizers import Adam
    >>> w = np.array([1.0])
    >>> opt = Adam(learning_rate=0.1)
    >>> state = opt.step(w, np.array([3.0]), opt.init(w), opt.learning_rate)
    >>> w.round(6)  # the first Adam step has length eta whatever the gradient
    array([0.9])
    """

    elementwise = True
    recommended_learning_rate: ClassVar[float] = 0.01

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
    ) -> None:
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def init(self, params: np.ndarray) -> AdamState:
        """Allocate zero moments and ``t = 0``."""
        return AdamState(0, np.zeros_like(params), np.zeros_like(params))

    def step(self, params, grads, state, learning_rate):
        """One step of the rule above, in place."""
        t, m, v = state.t + 1, state.m, state.v
        _ema(m, grads, self.beta_1)
        _ema(v, np.square(grads), self.beta_2)
        step = self._root(v)
        # eta_t m / (sqrt(v) + eps), rounded as scikit-learn rounds its
        # negative.
        np.divide(self._eta_t(learning_rate, t) * m, step, out=step)
        params -= step
        return AdamState(t, m, v)

    def _eta_t(self, learning_rate, t):
        return learning_rate * math.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)

    def _root(self, v):
        """sqrt(v) + eps, the per-weight scale of the step."""
        root = np.sqrt(v)
        root += _in_dtype(self.epsilon, v.dtype)
        return root


class AdamW(Adam):
    """AdamW: Adam followed by decoupled weight decay.

    One :class:`Adam` step, then

    .. math::

        W \\leftarrow W - \\eta \\lambda W

    This decay is not the ``alpha`` penalty: it does not enter the gradient,
    so Adam's scaling does not weaken it. It applies to every parameter,
    biases included, as in the AdamW paper.

    Parameters
    ----------
    learning_rate : float, default=0.001
        Step size :math:`\\eta`.
    beta_1, beta_2, epsilon : float
        As in :class:`Adam`.
    weight_decay : float, default=0.01
        :math:`\\lambda`.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp.optimizers import AdamW
    >>> w = np.array([1.0])
    >>> opt = AdamW(learning_rate=0.1, weight_decay=0.5)
    >>> state = opt.step(w, np.array([0.0]), opt.init(w), opt.learning_rate)
    >>> w
    array([0.95])
    """

    recommended_learning_rate: ClassVar[float] = 0.01

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        weight_decay: float = 0.01,
    ) -> None:
        super().__init__(learning_rate, beta_1, beta_2, epsilon)
        self.weight_decay = weight_decay

    def step(self, params, grads, state, learning_rate):
        """One :class:`Adam` step, then the decay, in place."""
        state = super().step(params, grads, state, learning_rate)
        params *= 1 - learning_rate * self.weight_decay
        return state


def step_size(
    optimizer: Optimizer, state: NamedTuple, learning_rate: float
) -> float | np.ndarray:
    """The step the optimizer's last update made per unit of gradient.

    The L1 penalty's proximal step soft-thresholds each weight by this step
    times :math:`\\alpha r / n`, and the group penalty's takes these steps as
    the metric of its block threshold (see :mod:`skmlp.penalties`), so that
    training comes to rest at the minimum of the penalized objective:

    - :class:`AdaGrad`, :class:`RMSprop`: :math:`\\eta / \\sqrt{G + \\epsilon}`
      per weight;
    - :class:`Adam`, :class:`AdamW`: :math:`\\eta_t / (\\sqrt{v} + \\epsilon)`
      per weight;
    - :class:`SGD` with momentum :math:`\\mu < 1`: :math:`\\eta / (1 - \\mu)`,
      the step a steady gradient settles to once the velocity has built up
      (heavy-ball and Nesterov alike; scaled by :math:`\\eta` alone, L1 would
      act ten times weaker at the default momentum);
    - any other optimizer (:class:`GD`, :class:`Momentum`, your own):
      :math:`\\eta`.

    Parameters
    ----------
    optimizer : Optimizer
        The optimizer that made the update.
    state : NamedTuple
        Its state after the update.
    learning_rate : float
        The learning rate of the update.

    Returns
    -------
    step : float or ndarray
        A scalar, or one step per parameter.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp.optimizers import SGD, AdaGrad, step_size
    >>> step_size(SGD(momentum=0.5), None, 0.1)
    0.2
    >>> step_size(AdaGrad(epsilon=0.0), (np.array([4.0, 16.0]),), 0.1)
    array([0.05 , 0.025])
    """
    if isinstance(optimizer, AdaGrad):
        return learning_rate / optimizer._root(state[0])
    if isinstance(optimizer, Adam):
        t, _, v = state
        return optimizer._eta_t(learning_rate, t) / optimizer._root(v)
    if isinstance(optimizer, SGD) and optimizer.momentum < 1:
        return learning_rate / (1 - optimizer.momentum)
    return learning_rate
