"""Plots of a fit, in scikit-learn's Display style.

:class:`LossCurveDisplay` draws a fitted MLP's training loss per epoch (per
iteration for L-BFGS), its validation loss when it has one, and its
early-stopping validation score on a second y axis.  Several estimators go
on one axis, to compare optimizers, by passing the first display's ``ax_``
to the next ``from_estimator`` call, as with scikit-learn's displays.

matplotlib is optional (``pip install skmlp[plot]``) and imported only when
something is plotted: importing this module does not import it.
"""

from __future__ import annotations

from sklearn.base import is_classifier
from sklearn.utils._optional_dependencies import check_matplotlib_support
from sklearn.utils._plotting import _validate_style_kwargs
from sklearn.utils.validation import check_is_fitted

__all__ = ["LossCurveDisplay"]

#: The label that marks the twin axis holding validation scores, so that
#: the next display drawn on the same axes finds and reuses it.
_SCORE_AXIS_LABEL = "skmlp validation score axis"


class LossCurveDisplay:
    """Loss curves of a fitted MLP: training and validation loss, validation score.

    Create it with :meth:`from_estimator`, or from the curves themselves
    and call :meth:`plot`.  The training loss is a solid line; the
    validation loss (if any) a dashed line of the same color on the same
    axis; the validation score (if any) a dotted line of that color on a
    second y axis, on the right.

    Parameters
    ----------
    loss_curve : array-like of shape (n_iter,)
        The training loss after each epoch (``loss_curve_``).
    validation_loss_curve : array-like of shape (n_iter,), default=None
        The loss on the validation data after each epoch, if any
        (``validation_loss_curve_``).
    validation_scores : array-like of shape (n_iter,), default=None
        The validation score after each epoch, if any
        (``validation_scores_``, from early stopping).
    name : str, default=None
        The name in the legend; none if ``None``.
    unit : {"epoch", "iteration"}, default="epoch"
        What one point of the curves is: the x axis's label.
    score_name : str, default="validation score"
        The label of the score axis.

    Attributes
    ----------
    line_ : matplotlib Line2D
        The training loss.
    validation_loss_line_ : matplotlib Line2D or None
        The validation loss, if it was given.
    score_line_ : matplotlib Line2D or None
        The validation score, if it was given.
    ax_ : matplotlib Axes
        The axes of the losses.
    score_ax_ : matplotlib Axes or None
        The twin axes of the validation score, if any.
    figure_ : matplotlib Figure
        The figure holding the axes.

    See Also
    --------
    LossCurveDisplay.from_estimator : The curves of a fitted estimator.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris
    >>> from skmlp import MLPClassifier
    >>> from skmlp.plotting import LossCurveDisplay
    >>> X, y = load_iris(return_X_y=True)
    >>> adam = MLPClassifier((16,), learning_rate_init=0.01, early_stopping=True,
    ...                      random_state=0).fit(X, y)
    >>> sgd = MLPClassifier((16,), solver="sgd", learning_rate_init=0.01,
    ...                     early_stopping=True, random_state=0).fit(X, y)
    >>> display = LossCurveDisplay.from_estimator(adam, name="adam")
    >>> display = LossCurveDisplay.from_estimator(sgd, name="sgd", ax=display.ax_)
    >>> # Per model: training loss and the split-off part's validation loss;
    >>> # the validation accuracy on the second axis.
    >>> len(display.ax_.lines), len(display.score_ax_.lines)
    (4, 2)
    >>> display.ax_.get_xlabel(), display.score_ax_.get_ylabel()
    ('epoch', 'validation accuracy')
    """

    def __init__(
        self,
        *,
        loss_curve,
        validation_loss_curve=None,
        validation_scores=None,
        name=None,
        unit="epoch",
        score_name="validation score",
    ):
        self.loss_curve = loss_curve
        self.validation_loss_curve = validation_loss_curve
        self.validation_scores = validation_scores
        self.name = name
        self.unit = unit
        self.score_name = score_name

    def plot(
        self,
        ax=None,
        *,
        name=None,
        loss_kwargs=None,
        validation_loss_kwargs=None,
        score_kwargs=None,
    ):
        """Plot the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            The axes to draw on (and beside which the score axis goes); a
            new figure and axes if ``None``.  Axes holding an earlier
            display get its score axis reused.
        name : str, default=None
            The name in the legend; ``self.name`` if ``None``.
        loss_kwargs : dict, default=None
            Keyword arguments of matplotlib's ``plot`` for the training
            loss (``color``, ``linewidth``...).
        validation_loss_kwargs : dict, default=None
            Keyword arguments of ``plot`` for the validation loss.
        score_kwargs : dict, default=None
            Keyword arguments of ``plot`` for the validation score.

        Returns
        -------
        display : LossCurveDisplay
            This object, with the attributes of what it drew.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        name = self.name if name is None else name
        prefix = "" if name is None else f"{name}: "
        self.line_ = _draw(
            ax, self.loss_curve, {"label": f"{prefix}training loss"}, loss_kwargs
        )
        # Every curve of one estimator takes its training loss's color.
        color = {"color": self.line_.get_color()}
        self.validation_loss_line_ = self.score_line_ = self.score_ax_ = None
        if self.validation_loss_curve is not None:
            self.validation_loss_line_ = _draw(
                ax,
                self.validation_loss_curve,
                {**color, "linestyle": "--", "label": f"{prefix}validation loss"},
                validation_loss_kwargs,
            )
        if self.validation_scores is not None:
            self.score_ax_ = _score_axis(ax)
            self.score_line_ = _draw(
                self.score_ax_,
                self.validation_scores,
                {**color, "linestyle": ":", "label": f"{prefix}{self.score_name}"},
                score_kwargs,
            )
            self.score_ax_.set_ylabel(self.score_name)
        ax.set_xlabel(self.unit)
        ax.set_ylabel("loss")
        _legend(ax)
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_estimator(
        cls,
        estimator,
        *,
        ax=None,
        name=None,
        loss_kwargs=None,
        validation_loss_kwargs=None,
        score_kwargs=None,
    ):
        """Plot the curves a fitted MLP recorded.

        Reads ``loss_curve_``, and ``validation_loss_curve_`` and
        ``validation_scores_`` where the estimator has them (not ``None``).
        Works with skmlp's and scikit-learn's ``MLPClassifier`` and
        ``MLPRegressor``.

        Parameters
        ----------
        estimator : fitted MLPClassifier or MLPRegressor
            The fitted model.
        ax : matplotlib Axes, default=None
            The axes to draw on; pass an earlier display's ``ax_`` to
            compare estimators on one plot.  A new figure if ``None``.
        name : str, default=None
            The name in the legend; the estimator's class name if ``None``.
        loss_kwargs, validation_loss_kwargs, score_kwargs : dict, default=None
            Keyword arguments of matplotlib's ``plot`` for each curve.

        Returns
        -------
        display : LossCurveDisplay
            The display, plotted.
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        check_is_fitted(estimator)
        if getattr(estimator, "loss_curve_", None) is None:
            raise ValueError(
                f"{type(estimator).__name__} has no loss_curve_: LossCurveDisplay "
                "plots a fitted MLPClassifier or MLPRegressor."
            )
        score = "validation accuracy" if is_classifier(estimator) else "validation R²"
        display = cls(
            loss_curve=estimator.loss_curve_,
            validation_loss_curve=getattr(estimator, "validation_loss_curve_", None),
            validation_scores=getattr(estimator, "validation_scores_", None),
            name=type(estimator).__name__ if name is None else name,
            unit="iteration"
            if getattr(estimator, "solver", None) == "lbfgs"
            else "epoch",
            score_name=score,
        )
        return display.plot(
            ax,
            loss_kwargs=loss_kwargs,
            validation_loss_kwargs=validation_loss_kwargs,
            score_kwargs=score_kwargs,
        )


def _draw(ax, values, defaults, user_kwargs):
    """One curve against 1, 2, ... on ``ax``; the user's style wins."""
    kwargs = _validate_style_kwargs(defaults, user_kwargs or {})
    (line,) = ax.plot(range(1, len(values) + 1), values, **kwargs)
    return line


def _score_axis(ax):
    """The twin axis of validation scores beside ``ax``: an earlier
    display's, or a new one."""
    for other in ax.figure.axes:
        if other.get_label() == _SCORE_AXIS_LABEL and other.get_shared_x_axes().joined(
            ax, other
        ):
            return other
    score_ax = ax.twinx()
    score_ax.set_label(_SCORE_AXIS_LABEL)
    return score_ax


def _legend(ax):
    """One legend for the lines of ``ax`` and of its score axis, drawn on
    the axis in front (the twin axis is drawn over ``ax``)."""
    axes = [ax] + [
        other
        for other in ax.figure.axes
        if other.get_label() == _SCORE_AXIS_LABEL
        and other.get_shared_x_axes().joined(ax, other)
    ]
    handles = [line for a in axes for line in a.get_lines()]
    for a in axes:
        if a.get_legend() is not None:
            a.get_legend().remove()
    axes[-1].legend(handles=handles, loc="best", fontsize="small")
