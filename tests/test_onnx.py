"""skmlp.onnx: skl2onnx converts every skmlp estimator, and onnxruntime
gives ``predict`` and ``predict_proba`` within 1e-5 (float32 inputs)."""

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import MLPClassifier, MLPRegressor
from skmlp._activations import HIDDEN_ACTIVATIONS
from skmlp.compression import Compressed, low_rank, prune, quantize, share_weights

pytest.importorskip("skl2onnx")
rt = pytest.importorskip("onnxruntime")
pytest.importorskip("skmlp.onnx")
from skl2onnx import to_onnx  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.RandomState(0)
X = RNG.randn(120, 5)
X32 = X.astype(np.float32)
Y_MULTI = RNG.randint(0, 3, 120)

CLASSIFIER_TARGETS = {
    "multiclass": Y_MULTI,
    "binary": (X[:, 0] + X[:, 1] > 0).astype(int),
    "multilabel": (X[:, :3] > 0).astype(int),
    "strings": np.array(["cat", "dog", "eel"])[Y_MULTI],
    "binary_strings": np.array(["no", "yes"])[(X[:, 2] > 0).astype(int)],
}
REGRESSOR_TARGETS = {
    "single": X[:, 0] - 2 * X[:, 1],
    "multi": np.c_[X[:, 0], X[:, 1] * X[:, 2]],
    "poisson": np.exp(X[:, 0] / 2),
}


def _run(model, X, **options):
    onx = to_onnx(model, X[:1], options=options or None)
    session = rt.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return session.run(None, {session.get_inputs()[0].name: X})


def _check_classifier(model, X=X32):
    labels, proba = _run(model, X, zipmap=False)
    np.testing.assert_allclose(proba, model.predict_proba(X), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(labels, model.predict(X))


def _check_regressor(model, X=X32):
    (prediction,) = _run(model, X)
    expected = model.predict(X)
    prediction = prediction.reshape(expected.shape)
    np.testing.assert_allclose(prediction, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("activation", sorted(HIDDEN_ACTIVATIONS))
@pytest.mark.parametrize("target", sorted(CLASSIFIER_TARGETS))
def test_classifier(activation, target):
    model = MLPClassifier((8, 5), activation=activation, max_iter=40, random_state=0)
    _check_classifier(model.fit(X, CLASSIFIER_TARGETS[target]))


@pytest.mark.parametrize("activation", sorted(HIDDEN_ACTIVATIONS))
@pytest.mark.parametrize("target", sorted(REGRESSOR_TARGETS))
def test_regressor(activation, target):
    loss = "poisson" if target == "poisson" else "squared_error"
    model = MLPRegressor(
        loss=loss,
        hidden_layer_sizes=(8, 5),
        activation=activation,
        max_iter=40,
        random_state=0,
    )
    _check_regressor(model.fit(X, REGRESSOR_TARGETS[target]))


def test_float32_model_and_float64_input():
    model = MLPClassifier((8,), max_iter=40, random_state=0).fit(X32, Y_MULTI)
    _check_classifier(model)
    labels, proba = _run(model, X, zipmap=False)
    assert proba.dtype == np.float64
    np.testing.assert_allclose(proba, model.predict_proba(X), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(labels, model.predict(X))


def test_zipmap_and_nocl():
    model = MLPClassifier((8,), max_iter=40, random_state=0)
    model.fit(X, CLASSIFIER_TARGETS["strings"])
    labels, proba = _run(model, X32)
    assert proba[0].keys() == {"cat", "dog", "eel"}
    np.testing.assert_array_equal(labels, model.predict(X32))
    indices, _ = _run(model, X32, zipmap=False, nocl=True)
    np.testing.assert_array_equal(model.classes_[indices], model.predict(X32))


def test_pipeline():
    pipe = make_pipeline(
        StandardScaler(), MLPClassifier((8,), max_iter=40, random_state=0)
    )
    _check_classifier(pipe.fit(X * 10 + 3, Y_MULTI), X32 * 10 + 3)
    pipe = make_pipeline(
        StandardScaler(),
        MLPRegressor(hidden_layer_sizes=(8,), max_iter=40, random_state=0),
    )
    _check_regressor(pipe.fit(X * 10 + 3, REGRESSOR_TARGETS["multi"]), X32 * 10 + 3)


@pytest.mark.parametrize(
    "compress",
    [
        lambda m: prune(m, 0.5),
        lambda m: quantize(m, bits=4),
        lambda m: low_rank(m, rank=2),
        lambda m: quantize(share_weights(prune(m, 0.5), 4), bits=8),
    ],
    ids=["prune", "quantize", "low_rank", "all"],
)
def test_compressed_models(compress):
    model = MLPClassifier((8, 5), max_iter=40, random_state=0).fit(X, Y_MULTI)
    _check_classifier(compress(model))
    regressor = MLPRegressor(hidden_layer_sizes=(8,), max_iter=40, random_state=0)
    _check_regressor(compress(regressor.fit(X, REGRESSOR_TARGETS["single"])))


def test_compressed_meta_estimator_converts_its_estimator():
    def recipe(model, X, y):
        return quantize(model, bits=8)

    wrapped = Compressed(MLPClassifier((8,), max_iter=40, random_state=0), recipe)
    wrapped.fit(X, Y_MULTI)
    _check_classifier(wrapped.estimator_)


def test_dropout_adds_nothing():
    model = MLPClassifier((8,), dropout=0.5, max_iter=40, random_state=0)
    _check_classifier(model.fit(X, Y_MULTI))


@pytest.mark.parametrize("opset", [9, 13, 21])
@pytest.mark.parametrize("activation", ["gelu", "silu", "elu", "softplus"])
def test_older_opsets(opset, activation):
    model = MLPClassifier((8,), activation=activation, max_iter=40, random_state=0)
    model.fit(X, Y_MULTI)
    onx = to_onnx(model, X32[:1], options={"zipmap": False}, target_opset=opset)
    session = rt.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    labels, proba = session.run(None, {"X": X32})
    np.testing.assert_allclose(proba, model.predict_proba(X32), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(labels, model.predict(X32))
    poisson = MLPRegressor(
        loss="poisson", hidden_layer_sizes=(8,), max_iter=40, random_state=0
    )
    poisson.fit(X, REGRESSOR_TARGETS["poisson"])
    onx = to_onnx(poisson, X32[:1], target_opset=opset)
    session = rt.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    (prediction,) = session.run(None, {"X": X32})
    np.testing.assert_allclose(
        prediction.ravel(), poisson.predict(X32), rtol=1e-5, atol=1e-5
    )
