"""Where a fitted estimator's weights live: how a fit starts from them,
how they pickle (each weight once), and copies with other layers.

:class:`_WeightState` is a mixin of :class:`skmlp._base._BaseMLP`.  The
weights are one flat vector ``_theta`` with ``coefs_`` and ``intercepts_``
as its per-layer views, or, for a compressed model (:mod:`skmlp.compression`),
``coefs_`` holding :mod:`skmlp.weights` objects and no flat vector.
"""

from __future__ import annotations

import copy

import numpy as np

from skmlp import _network


class _WeightState:
    """The weights' side of :class:`skmlp._base._BaseMLP`."""

    def _kept_weights(self, layout, dtype):
        """0/1 over the weights a continued fit may move: the structural
        zeros of stored layers (:mod:`skmlp.weights`), else those the fit
        being continued held; None when every weight may move."""
        zeros = [getattr(W, "structural_zeros", None) for W in self.coefs_]
        if any(z is not None for z in zeros):
            kept = np.ones(layout.size, dtype)
            for view, z in zip(layout.views(kept)[0], zeros):
                if z is not None:
                    view[z] = 0
            return kept[: layout.n_coef]
        bits = getattr(self, "_kept", None)
        if bits is not None and bits.shape == (-(-layout.n_coef // 8),):
            return np.unpackbits(bits, count=layout.n_coef).astype(dtype)
        return None

    def _report_sparsity(self):
        dense = [np.asarray(W) for W in self.coefs_]
        self.sparsity_ = np.array([np.mean(W == 0) for W in dense])
        # An input whose every outgoing weight is zero no longer affects the
        # network: the L1 penalty has dropped that feature.
        self.dropped_features_ = np.flatnonzero(~dense[0].any(axis=1))
        # A hidden unit whose every incoming weight is zero outputs a
        # constant, which the next layer's bias can absorb: the group
        # penalty has dropped that unit.
        self.dropped_units_ = [np.flatnonzero(~W.any(axis=0)) for W in dense[:-1]]

    def _with_layers(self, coefs, intercepts):
        """A fitted copy of this estimator with other layers (arrays or
        :mod:`skmlp.weights` objects), without training state: what
        :mod:`skmlp.compression` returns.  ``hidden_layer_sizes`` follows
        the layers' shapes."""
        skip = {"coefs_", "intercepts_", "_theta", "_run", "_progress", "_kept"}
        new = type(self).__new__(type(self))
        kept = {k: v for k, v in vars(self).items() if k not in skip}
        new.__dict__.update(copy.deepcopy(kept))
        new.coefs_, new.intercepts_ = list(coefs), list(intercepts)
        sizes = [W.shape[1] for W in coefs[:-1]]
        if sizes != self._hidden_sizes():
            new.hidden_layer_sizes = tuple(sizes)
        new.n_layers_ = len(coefs) + 1
        new._report_sparsity()
        return new

    # ------------------------------------------------------------- pickling
    def __getstate__(self):
        """The state to pickle, each weight once: ``coefs_`` and
        ``intercepts_`` that are views of the flat weights are rebuilt on
        load, and so are early stopping's best weights when they are the
        weights themselves."""
        state = super().__getstate__()
        theta = state.get("_theta")
        if theta is None or self._layout_of_views(theta) is None:
            return state
        state = {**state, "coefs_": None, "intercepts_": None}
        state["_view_units"] = self._layout_of_views(theta).layer_units
        progress = state.get("_progress")
        best = getattr(progress, "best_theta", None)
        if best is not None and np.array_equal(best, theta):
            # A shallow copy, not dataclasses.replace: that reruns
            # __post_init__, which resets the validation scores.
            progress = copy.copy(progress)
            progress.best_theta = None
            state["_progress"] = progress
            state["_best_is_theta"] = True
        return state

    def __setstate__(self, state):
        units = state.pop("_view_units", None)
        best_is_theta = state.pop("_best_is_theta", False)
        super().__setstate__(state)
        if units is not None:
            coefs, intercepts = _network.Layout(units).views(self._theta)
            self.coefs_, self.intercepts_ = list(coefs), list(intercepts)
        if best_is_theta:
            self._progress.best_theta = self._theta.copy()

    def _layout_of_views(self, theta):
        """The layout in which ``coefs_`` and ``intercepts_`` are views of
        ``theta``, or None when they are not (hand-set or stored layers)."""
        coefs, intercepts = list(self.coefs_), list(self.intercepts_)
        if not coefs or not all(isinstance(W, np.ndarray) for W in coefs):
            return None
        layout = _network.Layout([coefs[0].shape[0], *(W.shape[1] for W in coefs)])
        if theta.size != layout.size:
            return None
        own_coefs, own_intercepts = layout.views(theta)
        same = all(
            _same_view(a, b)
            for a, b in zip(own_coefs + own_intercepts, coefs + intercepts)
        )
        return layout if same and len(intercepts) == len(coefs) else None

    def _start_params(self, layout, dtype, rng, first_pass):
        """The flat weight vector to start from: fresh, or the current ``coefs_``."""
        if first_pass:
            return _network.init_params(layout, self.activation, rng, dtype)
        theta = getattr(self, "_theta", None)
        if theta is not None and theta.size == layout.size:
            own = self._layout_of_views(theta)
            if own is not None and own.layer_units == layout.layer_units:
                return theta
        return self._pack_user_params(layout, list(self.coefs_), list(self.intercepts_))

    def _pack_user_params(self, layout, coefs, intercepts):
        expected_c = layout.shapes
        expected_i = [(s[1],) for s in layout.shapes]
        got_c = [np.shape(c) for c in coefs]
        got_i = [np.shape(b) for b in intercepts]
        if got_c != expected_c or got_i != expected_i:
            raise ValueError(
                "coefs_ and intercepts_ do not fit the network: coefs_ shapes "
                f"{got_c} and intercepts_ shapes {got_i}, expected {expected_c} "
                f"and {expected_i} from hidden_layer_sizes and the data."
            )
        dtype = np.result_type(*coefs, *intercepts)
        if dtype not in (np.float32, np.float64):
            dtype = np.float64
        theta = layout.pack(coefs, intercepts, np.empty(layout.size, dtype))
        if not np.isfinite(theta).all():
            raise ValueError("coefs_ and intercepts_ must be finite to start from.")
        return theta


def _same_view(own, given):
    """Whether ``given`` is still the view of the flat weights we handed out."""
    return (
        isinstance(given, np.ndarray)
        and given.base is own.base
        and given.shape == own.shape
        and given.dtype == own.dtype
        and given.ctypes.data == own.ctypes.data
    )
