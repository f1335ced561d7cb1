"""Optimizers: hyperparameter holders with one documented update rule each.

An optimizer object only *holds hyperparameters*; the running state (velocities,
moment estimates, step counts) is a small ``NamedTuple`` of arrays that
:meth:`init` allocates and :meth:`step` updates.  The estimator clones the
object you pass, keeps the state on itself (so ``partial_fit`` continues it and a
new ``fit`` starts afresh) and never modifies your object.

The protocol, which a user's own optimizer follows too::

    state = optimizer.init(params)              # params: 1-D array of all weights
    state = optimizer.step(params, grads, state, learning_rate)   # in place

``step`` updates ``params`` in place and returns the new state; ``grads`` is the
minibatch gradient of the objective's smooth part (data loss and L2 penalty).
An optimizer may also define ``step_sizes(state, learning_rate, out)``, which
writes into ``out`` (an array like ``params``) and returns the per-weight step
it just took (for SGD's momentum, the step it settles to); the L1 penalty's
proximal step scales with it, and with the learning rate for optimizers that
do not define it.  ``learning_rate``
is the current step size chosen by the learning-rate schedule (for a constant
schedule, the object's ``learning_rate``).  An optimizer whose class attribute
``full_batch`` is true gets the gradient over the whole training set each step.

Every step works in place, so no parameter-sized array is allocated per
step; float32 parameters keep float32 state.  The built-in rules run over the
vector a cache-sized piece at a time, with two pieces of scratch space per
thread: their state holds nothing but what the rule needs to remember.

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

from skmlp._hyperparams import HyperparametersMixin
from skmlp._pieces import CHUNK, state_piece
from skmlp._pieces import thread_scratch as _scratch

__all__ = [
    "GD",
    "SGD",
    "AdaGrad",
    "Adam",
    "AdamW",
    "Momentum",
    "Optimizer",
    "RMSprop",
]


def _ema(acc: np.ndarray, x: np.ndarray, decay: float, scratch: np.ndarray) -> None:
    """acc <- decay acc + (1 - decay) x, in the rounding order scikit-learn uses."""
    np.multiply(x, 1 - decay, out=scratch)
    acc *= decay
    acc += scratch


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


def _adaptive_step(
    params: np.ndarray,
    grads: np.ndarray,
    accumulator: np.ndarray,
    learning_rate: float,
    epsilon: float,
    scratch: np.ndarray,
) -> None:
    """params <- params - eta g / sqrt(G + eps), shared by AdaGrad and RMSprop."""
    np.add(accumulator, _in_dtype(epsilon, accumulator.dtype), out=scratch)
    np.sqrt(scratch, out=scratch)
    np.divide(grads, scratch, out=scratch)
    scratch *= learning_rate
    params -= scratch


def _adaptive_step_sizes(accumulator, learning_rate, epsilon, out):
    """eta / sqrt(G + eps): the per-weight step of AdaGrad and RMSprop."""
    np.add(accumulator, _in_dtype(epsilon, accumulator.dtype), out=out)
    np.sqrt(out, out=out)
    np.divide(learning_rate, out, out=out)
    return out


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


class _Elementwise(Optimizer):
    """A rule applied weight by weight, run over the vector piece by piece.

    Subclasses define ``_begin(state, learning_rate) -> (state, scalars)``,
    the per-step scalar work, and ``_update(params, grads, state, scratch,
    scalars)``, the rule on one piece (``state``'s arrays sliced alike,
    ``scratch`` two arrays of the piece's size).  Pieces of :data:`CHUNK`
    elements stay in cache across the dozen passes of a rule.
    """

    #: How many scratch arrays ``_update`` takes.
    _scratch_count: ClassVar[int] = 1
    #: The scratch slot ``_update`` may take in the gradient's own memory
    #: (it reads the gradient no more once that slot is written), or None;
    #: used where the gradient is the caller's to overwrite
    #: (:meth:`_own_scratch`).
    _grad_slot: ClassVar[int | None] = None

    def _begin(self, state, learning_rate):
        return state, learning_rate

    def step(self, params, grads, state, learning_rate):
        """Apply one step in place (see the class docstring for the rule), a
        :data:`CHUNK`-sized piece at a time."""
        state, scalars = self._begin(state, learning_rate)
        size = params.shape[0]
        for start in range(0, size, CHUNK):
            piece = slice(start, min(start + CHUNK, size))
            p, g = params[piece], grads[piece]
            scratch = _scratch(params.dtype, piece.stop - start, self._scratch_count)
            self._update(p, g, state_piece(state, size, piece), scratch, scalars)
        return state

    def _own_scratch(self, grads):
        """Scratch for a step on ``grads``, a piece of a gradient the caller
        lets the rule overwrite: ``(own, scratch)``, this thread's scratch
        arrays (at least one, for the caller's own use before the rule runs)
        and what ``_update`` takes, which uses ``grads`` in the rule's
        ``_grad_slot``."""
        lend = self._grad_slot is not None
        own = _scratch(grads.dtype, grads.shape[0], max(self._scratch_count - lend, 1))
        if not lend:
            return own, own
        scratch = list(own[: self._scratch_count - 1])
        scratch.insert(self._grad_slot, grads)
        return own, scratch


class SGD(_Elementwise):
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
    >>> import numpy as np
    >>> from skmlp.optimizers import SGD
    >>> opt = SGD(learning_rate=0.5, momentum=0.0)
    >>> w = np.array([2.0])
    >>> state = opt.step(w, np.array([1.0]), opt.init(w), opt.learning_rate)
    >>> w
    array([1.5])
    """

    recommended_learning_rate: ClassVar[float] = 0.1
    _scratch_count: ClassVar[int] = 2
    # eta g is the gradient's last use.
    _grad_slot: ClassVar[int | None] = 0

    def __init__(
        self, learning_rate: float = 0.001, momentum: float = 0.9, nesterov: bool = True
    ) -> None:
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.nesterov = nesterov

    def init(self, params: np.ndarray) -> SGDState:
        """Allocate a zero velocity."""
        return SGDState(np.zeros_like(params))

    def _update(self, params, grads, state, scratch, learning_rate):
        (v,) = state
        lr_g, nesterov_update = scratch
        mu = self.momentum
        np.multiply(grads, learning_rate, out=lr_g)
        if mu == 0:
            params -= lr_g
            return
        v *= mu
        v -= lr_g
        if self.nesterov:
            np.multiply(v, mu, out=nesterov_update)
            nesterov_update -= lr_g
            params += nesterov_update
        else:
            params += v

    def step_sizes(self, state, learning_rate, out):
        """Per-weight step for the L1 proximal step: eta / (1 - mu).

        Once the velocity has built up, a steady gradient g moves the weights
        by eta g / (1 - mu) per step (heavy-ball and Nesterov alike).  The L1
        threshold must scale with that step for training to come to rest at
        the minimum of the penalized objective; scaled by eta alone, L1 acted
        (1 - mu) times weaker (ten times at the default momentum).  mu = 1 has
        no steady state and keeps eta.
        """
        mu = self.momentum
        out.fill(learning_rate / (1 - mu) if mu < 1 else learning_rate)
        return out


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

    def __init__(self, learning_rate: float = 0.001) -> None:
        self.learning_rate = learning_rate

    momentum = 0.0
    nesterov = False


class MomentumState(NamedTuple):
    """State of :class:`Momentum`: the gradient average ``v``."""

    v: np.ndarray


class Momentum(_Elementwise):
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
    >>> import numpy as np
    >>> from skmlp.optimizers import Momentum
    >>> w = np.array([1.0])
    >>> opt = Momentum(learning_rate=1.0, beta=0.5)
    >>> state = opt.step(w, np.array([1.0]), opt.init(w), opt.learning_rate)
    >>> w
    array([0.5])
    """

    recommended_learning_rate: ClassVar[float] = 0.3

    def __init__(self, learning_rate: float = 0.001, beta: float = 0.9) -> None:
        self.learning_rate = learning_rate
        self.beta = beta

    def init(self, params: np.ndarray) -> MomentumState:
        """Allocate a zero average."""
        return MomentumState(np.zeros_like(params))

    def _update(self, params, grads, state, scratch, learning_rate):
        s = scratch[0]
        _ema(state.v, grads, self.beta, s)
        np.multiply(state.v, learning_rate, out=s)
        params -= s


class AdaGradState(NamedTuple):
    """State of :class:`AdaGrad`: the sum of squared gradients ``G``."""

    G: np.ndarray


class AdaGrad(_Elementwise):
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
    >>> import numpy as np
    >>> from skmlp.optimizers import AdaGrad
    >>> w = np.array([1.0])
    >>> opt = AdaGrad(learning_rate=0.1, epsilon=0.0)
    >>> state = opt.step(w, np.array([4.0]), opt.init(w), opt.learning_rate)
    >>> w
    array([0.9])
    """

    recommended_learning_rate: ClassVar[float] = 0.03

    def __init__(self, learning_rate: float = 0.001, epsilon: float = 1e-8) -> None:
        self.learning_rate = learning_rate
        self.epsilon = epsilon

    def init(self, params: np.ndarray) -> AdaGradState:
        """Allocate a zero accumulator."""
        return AdaGradState(np.zeros_like(params))

    def _update(self, params, grads, state, scratch, learning_rate):
        s = scratch[0]
        np.multiply(grads, grads, out=s)
        np.add(state.G, s, out=state.G)
        _adaptive_step(params, grads, state.G, learning_rate, self.epsilon, s)

    def step_sizes(self, state, learning_rate, out):
        """Per-weight step of the last update: eta / sqrt(G + eps)."""
        return _adaptive_step_sizes(state.G, learning_rate, self.epsilon, out)


class RMSprop(_Elementwise):
    """RMSprop: steps scaled by a moving average of squared gradients.

    .. math::

        G &\\leftarrow \\rho G + (1 - \\rho) g^2 \\\\
        W &\\leftarrow W - \\eta\\, g / \\sqrt{G + \\epsilon}

    with :math:`G = 0` at the start.

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
    >>> w = np.array([1.0])
    >>> opt = RMSprop(learning_rate=0.1, rho=0.75, epsilon=0.0)
    >>> state = opt.step(w, np.array([2.0]), opt.init(w), opt.learning_rate)
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

    def init(self, params: np.ndarray) -> AdaGradState:
        """Allocate a zero average."""
        return AdaGradState(np.zeros_like(params))

    def _update(self, params, grads, state, scratch, learning_rate):
        s = scratch[0]
        np.multiply(grads, grads, out=s)
        _ema(state.G, s, self.rho, s)
        _adaptive_step(params, grads, state.G, learning_rate, self.epsilon, s)

    def step_sizes(self, state, learning_rate, out):
        """Per-weight step of the last update: eta / sqrt(G + eps)."""
        return _adaptive_step_sizes(state.G, learning_rate, self.epsilon, out)


class AdamState(NamedTuple):
    """State of :class:`Adam`: step count ``t``, moments ``m`` and ``v``."""

    t: int
    m: np.ndarray
    v: np.ndarray


class Adam(_Elementwise):
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

    recommended_learning_rate: ClassVar[float] = 0.01
    _scratch_count: ClassVar[int] = 2
    # g^2 is the gradient's last use.
    _grad_slot: ClassVar[int | None] = 1

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

    def _begin(self, state, learning_rate):
        t = state.t + 1
        # The constructor, not _replace: this runs every step.
        state = AdamState(t, state.m, state.v)
        return state, (self._eta_t(learning_rate, t), learning_rate)

    def _update(self, params, grads, state, scratch, scalars):
        _, m, v = state
        s, update = scratch
        _ema(m, grads, self.beta_1, s)
        np.multiply(grads, grads, out=update)
        _ema(v, update, self.beta_2, s)
        np.sqrt(v, out=s)
        s += _in_dtype(self.epsilon, s.dtype)
        np.multiply(m, -scalars[0], out=update)
        update /= s
        params += update

    def step_sizes(self, state, learning_rate, out):
        """Per-weight step of the last update: eta_t / (sqrt(v) + eps)."""
        t, _, v = state
        np.sqrt(v, out=out)
        out += _in_dtype(self.epsilon, out.dtype)
        np.divide(self._eta_t(learning_rate, t), out, out=out)
        return out

    def _eta_t(self, learning_rate, t):
        return learning_rate * math.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)


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

    def _update(self, params, grads, state, scratch, scalars):
        super()._update(params, grads, state, scratch, scalars)
        params *= 1 - scalars[1] * self.weight_decay
