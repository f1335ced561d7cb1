"""LossCurveDisplay: what it draws, on matplotlib's Agg backend."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import NotFittedError
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.preprocessing import scale

from skmlp import MLPClassifier, MLPRegressor
from skmlp.plotting import LossCurveDisplay

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _fit(estimator):
    X, y = load_iris(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimator.fit(scale(X), y)


def _stopped(**params):
    params = dict(
        hidden_layer_sizes=(8,), early_stopping=True, random_state=0, **params
    )
    return _fit(MLPClassifier(learning_rate_init=0.01, max_iter=40, **params))


def test_importing_skmlp_does_not_import_matplotlib():
    code = "import sys, skmlp, skmlp.plotting; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_from_estimator_draws_loss_and_score():
    model = _stopped()
    display = LossCurveDisplay.from_estimator(model)
    epochs = np.arange(1, model.n_iter_ + 1)
    np.testing.assert_array_equal(display.line_.get_xdata(), epochs)
    np.testing.assert_array_equal(display.line_.get_ydata(), model.loss_curve_)
    np.testing.assert_array_equal(
        display.score_line_.get_ydata(), model.validation_scores_
    )
    # Early stopping's split-off part is a validation set: its loss is drawn.
    np.testing.assert_array_equal(
        display.validation_loss_line_.get_ydata(), model.validation_loss_curve_
    )
    assert display.score_line_.axes is display.score_ax_ is not display.ax_
    assert display.score_line_.get_color() == display.line_.get_color()
    assert display.score_line_.get_linestyle() == ":"
    assert display.figure_ is display.ax_.figure
    assert (display.ax_.get_xlabel(), display.ax_.get_ylabel()) == ("epoch", "loss")
    assert display.score_ax_.get_ylabel() == "validation accuracy"
    labels = [t.get_text() for t in display.score_ax_.get_legend().get_texts()]
    assert labels == [
        "MLPClassifier: training loss",
        "MLPClassifier: validation loss",
        "MLPClassifier: validation accuracy",
    ]


def test_validation_loss_curve_is_dashed_beside_the_loss():
    model = _stopped()
    # validation_loss_curve_ comes with a validation set; any list will do.
    model.validation_loss_curve_ = [v + 0.1 for v in model.loss_curve_]
    display = LossCurveDisplay.from_estimator(model, name="adam")
    line = display.validation_loss_line_
    assert line.axes is display.ax_ and line.get_linestyle() == "--"
    np.testing.assert_array_equal(line.get_ydata(), model.validation_loss_curve_)
    assert line.get_label() == "adam: validation loss"
    assert line.get_color() == display.line_.get_color()


def test_several_estimators_share_one_axis_and_one_score_axis():
    models = {
        "adam": _stopped(),
        "sgd": _stopped(solver="sgd"),
        "sklearn": _fit(SkClassifier((8,), early_stopping=True, random_state=0)),
    }
    display = None
    for name, model in models.items():
        ax = None if display is None else display.ax_
        display = LossCurveDisplay.from_estimator(model, ax=ax, name=name)
    twins = [a for a in display.figure_.axes if a is not display.ax_]
    assert twins == [display.score_ax_]
    # skmlp's fits draw their loss and their split-off part's loss;
    # scikit-learn's has no validation loss.
    assert len(display.ax_.lines) == 5 and len(display.score_ax_.lines) == 3
    colors = [line.get_color() for line in display.score_ax_.lines]
    assert len(set(colors)) == 3
    assert [line.get_color() for line in display.ax_.lines] == [
        colors[0],
        colors[0],
        colors[1],
        colors[1],
        colors[2],
    ]
    legends = [a.get_legend() for a in display.figure_.axes]
    assert legends[0] is None and len(legends[1].get_texts()) == 8


def test_lbfgs_plots_the_loss_per_iteration():
    model = _fit(MLPClassifier((8,), solver="lbfgs", max_iter=30, random_state=0))
    display = LossCurveDisplay.from_estimator(model)
    assert display.ax_.get_xlabel() == "iteration"
    assert display.score_ax_ is None and display.score_line_ is None
    assert len(display.line_.get_ydata()) == model.n_iter_
    assert len(display.figure_.axes) == 1
    assert display.ax_.get_legend() is not None


def test_regressor_scores_are_r2():
    X = load_iris().data
    model = MLPRegressor(
        hidden_layer_sizes=(8,), early_stopping=True, max_iter=20, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(scale(X[:, :3]), X[:, 3])
    display = LossCurveDisplay.from_estimator(model)
    assert display.score_ax_.get_ylabel() == "validation R²"


def test_plot_from_curves_with_styles():
    display = LossCurveDisplay(
        loss_curve=[3.0, 2.0, 1.5], validation_scores=[0.5, 0.7, 0.8]
    )
    _, ax = plt.subplots()
    assert display.plot(ax, loss_kwargs={"c": "red", "lw": 3}) is display
    assert display.ax_ is ax
    assert display.line_.get_color() == "red" and display.line_.get_linewidth() == 3
    assert display.score_line_.get_color() == "red"
    assert display.line_.get_label() == "training loss"  # no name, no prefix
    display.plot(name="again", score_kwargs={"color": "blue"})
    assert display.ax_ is not ax  # a new figure
    assert display.score_line_.get_color() == "blue"
    assert display.line_.get_label() == "again: training loss"
    with pytest.raises(TypeError, match="Got both c and color"):
        display.plot(loss_kwargs={"c": "red", "color": "blue"})


def test_errors_are_clear():
    with pytest.raises(NotFittedError):
        LossCurveDisplay.from_estimator(MLPClassifier())
    fitted = _fit(MLPClassifier((4,), max_iter=5, random_state=0))
    del fitted.loss_curve_
    with pytest.raises(ValueError, match="MLPClassifier has no loss_curve_"):
        LossCurveDisplay.from_estimator(fitted)
