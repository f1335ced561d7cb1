"""Saving fitted models with skops: every type a load must trust is a public
skmlp name (``skmlp.SKOPS_TRUSTED``), and a loaded model predicts and
continues ``partial_fit`` exactly as the saved one would have."""

import importlib

import numpy as np
import pytest

import skmlp
from skmlp import MLPClassifier, MLPRegressor
from skmlp import optimizers as opt
from skmlp import schedules as sch
from skmlp.compression import low_rank, prune, quantize, share_weights

sio = pytest.importorskip("skops.io")

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.RandomState(0)
X = RNG.randn(80, 5)
Y_CLASSES = RNG.randint(0, 3, 80)
Y_REG = X[:, 0] - 2 * X[:, 1]

SOLVERS = [
    "sgd",
    "adam",
    opt.SGD(),
    opt.GD(),
    opt.Momentum(),
    opt.AdaGrad(),
    opt.RMSprop(),
    opt.Adam(),
    opt.AdamW(),
    *(
        opt.SGD(learning_rate=s)
        for s in (
            sch.Constant(0.01),
            sch.InvScaling(0.01),
            sch.Adaptive(0.01),
            sch.CosineDecay(0.01),
            sch.StepDecay(0.01),
            sch.ExponentialDecay(0.01),
        )
    ),
]

SETTINGS = [
    {"early_stopping": True},
    {"class_weight": "balanced"},
    {"class_weight": {0: 1.0, 1: 2.0, 2: 0.5}},
    {"dropout": 0.2},
    {"penalty": "l1", "alpha": 0.01},
    {"learning_rate": "invscaling", "solver": "sgd"},
    {"learning_rate": "adaptive", "solver": "sgd"},
]


def _fit(params):
    model = MLPClassifier((6,), max_iter=5, random_state=0)
    return model.set_params(**params).fit(X, Y_CLASSES)


def _round_trip(model, tmp_path):
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert set(untrusted) <= set(skmlp.SKOPS_TRUSTED)
    return sio.load(path, trusted=skmlp.SKOPS_TRUSTED)


def _check_continues(model, loaded, y):
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    if hasattr(model, "partial_fit") and not model.early_stopping:
        model.partial_fit(X, y)
        loaded.partial_fit(X, y)
    else:  # a warm-started fit continues the same state
        model.set_params(warm_start=True, max_iter=2).fit(X, y)
        loaded.set_params(warm_start=True, max_iter=2).fit(X, y)
    for a, b in zip(
        model.coefs_ + model.intercepts_, loaded.coefs_ + loaded.intercepts_
    ):
        assert np.array_equal(np.asarray(a), np.asarray(b))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_trusted_names_are_public():
    for name in skmlp.SKOPS_TRUSTED:
        module, _, attr = name.rpartition(".")
        assert not any(part.startswith("_") for part in name.split("."))
        assert isinstance(getattr(importlib.import_module(module), attr), type)


@pytest.mark.parametrize("solver", SOLVERS, ids=repr)
def test_every_solver_loads_and_continues(solver, tmp_path):
    model = _fit({"solver": solver})
    _check_continues(model, _round_trip(model, tmp_path), Y_CLASSES)


@pytest.mark.parametrize("params", SETTINGS, ids=repr)
def test_settings_load_and_continue(params, tmp_path):
    model = _fit(params)
    _check_continues(model, _round_trip(model, tmp_path), Y_CLASSES)


@pytest.mark.parametrize("params", [{}, {"early_stopping": True}, {"loss": "poisson"}])
def test_regressor_loads_and_continues(params, tmp_path):
    y = np.exp(Y_REG / 4) if params.get("loss") == "poisson" else Y_REG
    model = MLPRegressor(hidden_layer_sizes=(6,), max_iter=5, random_state=0)
    model.set_params(**params).fit(X, y)
    _check_continues(model, _round_trip(model, tmp_path), y)


def test_lbfgs_loads(tmp_path):
    model = _fit({"solver": "lbfgs"})
    loaded = _round_trip(model, tmp_path)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


@pytest.mark.parametrize(
    "compress",
    [
        lambda m: prune(m, 0.5),
        lambda m: quantize(m, bits=8),
        lambda m: low_rank(m, rank=2),
        lambda m: share_weights(m, 4),
        lambda m: quantize(share_weights(prune(m, 0.5), 4), bits=8),
    ],
    ids=["prune", "quantize", "low_rank", "share_weights", "all"],
)
def test_compressed_models_load_and_continue(compress, tmp_path):
    model = compress(_fit({}))
    loaded = _round_trip(model, tmp_path)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    _check_continues(model, loaded, Y_CLASSES)


def test_string_labels_and_multilabel(tmp_path):
    for y in (np.array(["a", "b", "c"])[Y_CLASSES], (X[:, :3] > 0).astype(int)):
        model = MLPClassifier((6,), max_iter=5, random_state=0).fit(X, y)
        _check_continues(model, _round_trip(model, tmp_path), y)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_validation_set(early_stopping, tmp_path):
    model = MLPClassifier(
        (6,), early_stopping=early_stopping, max_iter=5, random_state=0
    )
    model.fit(X[:60], Y_CLASSES[:60], X_val=X[60:], y_val=Y_CLASSES[60:])
    loaded = _round_trip(model, tmp_path)
    assert loaded.validation_loss_curve_ == model.validation_loss_curve_
    _check_continues(model, loaded, Y_CLASSES)
