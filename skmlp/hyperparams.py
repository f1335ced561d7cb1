"""A small mixin that makes an object a scikit-learn style hyperparameter holder.

The base of :class:`skmlp.optimizers.Optimizer` and
:class:`skmlp.schedules.Schedule`, and of any holder of your own.
"""

from __future__ import annotations

import inspect
from typing import Any

__all__ = ["HyperparametersMixin"]


class HyperparametersMixin:
    """``get_params``/``set_params``/``repr``/equality from the ``__init__`` signature.

    Subclasses store each constructor argument unchanged under its own name
    (the scikit-learn rule), which is all :func:`sklearn.base.clone`, pickling
    and ``solver__learning_rate`` in a grid search need.

    Examples
    --------
    >>> from sklearn.base import clone
    >>> from skmlp.hyperparams import HyperparametersMixin
    >>> class Halving(HyperparametersMixin):
    ...     def __init__(self, factor=0.5, every=10):
    ...         self.factor = factor
    ...         self.every = every
    >>> Halving(every=5)
    Halving(every=5)
    >>> clone(Halving(every=5)).set_params(factor=0.25).get_params()
    {'every': 5, 'factor': 0.25}
    """

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return sorted(
            name
            for name, p in signature.parameters.items()
            if name != "self" and p.kind != p.VAR_KEYWORD
        )

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Return the hyperparameters as a dict (``deep`` recurses into objects)."""
        params = {}
        for name in self._param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                for key, sub in value.get_params().items():
                    params[f"{name}__{key}"] = sub
            params[name] = value
        return params

    def set_params(self, **params: Any) -> HyperparametersMixin:
        """Set hyperparameters by name; ``name__sub`` reaches a nested object."""
        valid = self._param_names()
        nested: dict[str, dict[str, Any]] = {}
        for key, value in params.items():
            name, _, sub = key.partition("__")
            if name not in valid:
                raise ValueError(
                    f"Invalid parameter {name!r} for {type(self).__name__}. "
                    f"Valid parameters are: {valid!r}."
                )
            if sub:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
        for name, sub_params in nested.items():
            getattr(self, name).set_params(**sub_params)
        return self

    def __repr__(self) -> str:
        signature = inspect.signature(type(self).__init__)
        shown = []
        for name in self._param_names():
            value = getattr(self, name)
            default = signature.parameters[name].default
            if default is inspect.Parameter.empty or not _same(value, default):
                shown.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(
            _same(getattr(self, n), getattr(other, n)) for n in self._param_names()
        )

    # Hyperparameter holders are mutable (set_params), so they are unhashable.
    __hash__ = None  # type: ignore[assignment]


def _same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return a is b
