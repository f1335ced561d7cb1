"""Export skmlp models to ONNX with skl2onnx (the ``onnx`` extra).

Importing this module registers a shape calculator and a converter for
:class:`~skmlp.MLPClassifier` and :class:`~skmlp.MLPRegressor` with
skl2onnx, so that its ``to_onnx`` (or ``convert_sklearn``) converts them,
alone or inside a :class:`~sklearn.pipeline.Pipeline`::

    import skmlp.onnx  # noqa: F401 (registers the converters)
    from skl2onnx import to_onnx

    onx = to_onnx(model, X[:1].astype(np.float32))

Every hidden activation is converted (``identity``, ``logistic``, ``tanh``,
``relu``, ``leaky_relu``, ``elu``, ``gelu``, ``softplus``, ``silu``; GELU
and SiLU from primitive operators, so opsets before 20 run them too: the
tests cover opsets 9 to 21), and
every output: softmax (multiclass), logistic (binary, multilabel),
identity (regression) and exp (Poisson).  A classifier's outputs are
skl2onnx's: ``label`` (int64 or string classes; for multilabel targets the
0/1 indicator matrix; with ``options={"nocl": True}`` the classes'
indices) and ``probabilities`` (as ``predict_proba``; by
default a ZipMap of dictionaries, ``options={"zipmap": False}`` gives the
matrix).  The graph computes in the input's float type (float32, or
float64 for double inputs).

Compressed models (:mod:`skmlp.compression`, whose ``coefs_`` hold
:mod:`skmlp.weights` objects) convert too: the graph stores their decoded
weights as dense matrices, so the ONNX file is as large as the uncompressed
model's.  A :class:`~skmlp.compression.Compressed` meta-estimator is not
registered: convert its fitted ``estimator_``.  Dropout acts only in
training and adds nothing to the graph.
"""

import numpy as np

try:
    from skl2onnx import update_registered_converter
    from skl2onnx.common.data_types import (
        DoubleTensorType,
        FloatTensorType,
        Int64TensorType,
        StringTensorType,
        guess_proto_type,
    )
    from skl2onnx.proto import onnx_proto
except ImportError as error:  # pragma: no cover
    raise ImportError(
        "skmlp.onnx needs skl2onnx: python -m pip install 'skmlp[onnx]'"
    ) from error

from skmlp._activations import ELU_ALPHA, LEAKY_SLOPE, _exp_bounds
from skmlp._mlp import MLPClassifier, MLPRegressor

__all__ = ["classifier_shapes", "convert", "regressor_shapes"]

_DOUBLE = onnx_proto.TensorProto.DOUBLE
_FLOAT = onnx_proto.TensorProto.FLOAT

# Activations that are one ONNX operator (with its attributes).
_SINGLE_OPS = {
    "identity": ("Identity", {}),
    "logistic": ("Sigmoid", {}),
    "tanh": ("Tanh", {}),
    "relu": ("Relu", {}),
    "leaky_relu": ("LeakyRelu", {"alpha": LEAKY_SLOPE}),
    "elu": ("Elu", {"alpha": ELU_ALPHA}),
    "softplus": ("Softplus", {}),
    "softmax": ("Softmax", {"axis": 1}),
}


def _float_type(operator):
    """The graph's float type: double for double inputs, else float."""
    if isinstance(operator.inputs[0].type, DoubleTensorType):
        return DoubleTensorType
    return FloatTensorType


def classifier_shapes(operator):
    """skl2onnx shape calculator for :class:`~skmlp.MLPClassifier`.

    ``label`` is ``(N,)`` (``(N, n_classes)`` for multilabel targets) of
    int64 or strings (int64 indices with the option ``nocl``);
    ``probabilities`` is ``(N, n_classes)`` in the input's float type.
    """
    model = operator.raw_operator
    n = operator.inputs[0].get_first_dimension()
    classes = model.classes_
    multilabel = model._label_binarizer.y_type_ == "multilabel-indicator"
    label_shape = [n, len(classes)] if multilabel else [n]
    nocl = operator.scope_inst.get_options(model, {"nocl": False})["nocl"]
    numeric = np.issubdtype(classes.dtype, np.number) or classes.dtype == bool
    if multilabel or nocl or numeric:
        operator.outputs[0].type = Int64TensorType(shape=label_shape)
    else:
        operator.outputs[0].type = StringTensorType(shape=label_shape)
    operator.outputs[1].type = _float_type(operator)([n, len(classes)])


def regressor_shapes(operator):
    """skl2onnx shape calculator for :class:`~skmlp.MLPRegressor`: the
    predictions are ``(N, n_outputs)`` in the input's float type."""
    n = operator.inputs[0].get_first_dimension()
    n_outputs = operator.raw_operator.n_outputs_
    operator.outputs[0].type = _float_type(operator)([n, n_outputs])


def _node(scope, container, op_type, inputs, **attrs):
    """Add one node; returns its (new) output's name."""
    output = scope.get_unique_variable_name(op_type.lower())
    name = scope.get_unique_operator_name(op_type)
    container.add_node(op_type, inputs, output, name=name, **attrs)
    return output


def _constant(scope, container, value, proto_dtype):
    """An initializer holding ``value`` (an array or a number)."""
    name = scope.get_unique_variable_name("constant")
    value = np.asarray(value, dtype=_numpy_type(proto_dtype))
    container.add_initializer(name, proto_dtype, list(value.shape), value.ravel())
    return name


def _numpy_type(proto_dtype):
    return np.float64 if proto_dtype == _DOUBLE else np.float32


def _gelu(scope, container, x, proto_dtype):
    """GELU's tanh form, 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""

    def const(v):
        return _constant(scope, container, v, proto_dtype)

    square = _node(scope, container, "Mul", [x, x])
    cubic = _node(scope, container, "Mul", [square, const(0.044715)])
    inner = _node(
        scope, container, "Add", [_node(scope, container, "Mul", [cubic, x]), x]
    )
    u = _node(scope, container, "Mul", [inner, const(np.sqrt(2 / np.pi))])
    one_plus = _node(
        scope, container, "Add", [_node(scope, container, "Tanh", [u]), const(1.0)]
    )
    half_x = _node(scope, container, "Mul", [x, const(0.5)])
    return _node(scope, container, "Mul", [half_x, one_plus])


def _exp(scope, container, x, proto_dtype):
    """exp of ``x`` clipped as skmlp clips it (finite, positive means)."""
    low, high = _exp_bounds(_numpy_type(proto_dtype))
    if container.target_opset >= 11:
        bounds = [_constant(scope, container, b, proto_dtype) for b in (low, high)]
        x = _node(scope, container, "Clip", [x, *bounds])
    return _node(scope, container, "Exp", [x])


def _activate(scope, container, name, x, proto_dtype):
    """The activation ``name`` of ``x``; returns the result's name."""
    if name in _SINGLE_OPS:
        op_type, attrs = _SINGLE_OPS[name]
        return _node(scope, container, op_type, [x], **attrs)
    if name == "silu":
        return _node(
            scope, container, "Mul", [x, _node(scope, container, "Sigmoid", [x])]
        )
    if name == "gelu":
        return _gelu(scope, container, x, proto_dtype)
    if name == "exp":
        return _exp(scope, container, x, proto_dtype)
    raise NotImplementedError(f"skmlp.onnx cannot convert activation {name!r}")


def _network(scope, container, model, x, proto_dtype):
    """The forward pass from input ``x``; returns the output layer's name."""
    dtype = _numpy_type(proto_dtype)
    x = _node(scope, container, "Cast", [x], to=proto_dtype)
    last = len(model.coefs_) - 1
    for i, (W, b) in enumerate(zip(model.coefs_, model.intercepts_)):
        weights = _constant(scope, container, np.asarray(W, dtype=dtype), proto_dtype)
        bias = _constant(
            scope, container, np.asarray(b, dtype=dtype)[None, :], proto_dtype
        )
        z = _node(
            scope,
            container,
            "Add",
            [_node(scope, container, "MatMul", [x, weights]), bias],
        )
        activation = model.out_activation_ if i == last else model.activation
        x = _activate(scope, container, activation, z, proto_dtype)
    return x


def _proto_dtype(operator):
    proto = guess_proto_type(operator.inputs[0].type)
    return proto if proto == _DOUBLE else _FLOAT


def _label_values(classes):
    """The classes as an ONNX initializer's type and values."""
    if classes.dtype == bool or np.issubdtype(classes.dtype, np.integer):
        return onnx_proto.TensorProto.INT64, classes.astype(np.int64)
    if np.issubdtype(classes.dtype, np.floating):
        if not np.array_equal(classes, np.round(classes)):
            raise NotImplementedError(
                "skmlp.onnx gives int64 or string labels; the classes "
                f"{classes.tolist()} are not integers"
            )
        return onnx_proto.TensorProto.INT64, classes.astype(np.int64)
    encoded = np.array([str(c).encode("utf-8") for c in classes])
    return onnx_proto.TensorProto.STRING, encoded


def _labels(scope, container, model, proba, positive, proto_dtype):
    """The predicted labels' name: the indicator matrix for multilabel
    targets, else the classes picked as ``predict`` picks them."""
    multilabel = model._label_binarizer.y_type_ == "multilabel-indicator"
    half = None
    if model.n_outputs_ == 1 or multilabel:
        half = _constant(scope, container, 0.5, proto_dtype)
    if multilabel:
        above = _node(scope, container, "Greater", [positive, half])
        return _node(scope, container, "Cast", [above], to=onnx_proto.TensorProto.INT64)
    if model.n_outputs_ == 1:
        above = _node(scope, container, "Greater", [positive, half])
        index = _node(
            scope, container, "Cast", [above], to=onnx_proto.TensorProto.INT64
        )
        flat = _constant_int(scope, container, [-1])
        index = _node(scope, container, "Reshape", [index, flat])
    else:
        index = _node(scope, container, "ArgMax", [proba], axis=1, keepdims=0)
    if container.get_options(model, {"nocl": False})["nocl"]:
        return index  # option nocl: the classes' indices
    label_type, values = _label_values(model.classes_)
    classes = scope.get_unique_variable_name("classes")
    container.add_initializer(classes, label_type, [len(values)], values.tolist())
    return _node(scope, container, "Gather", [classes, index], axis=0)


def _constant_int(scope, container, values):
    name = scope.get_unique_variable_name("shape")
    container.add_initializer(name, onnx_proto.TensorProto.INT64, [len(values)], values)
    return name


def _convert_classifier(scope, operator, container):
    model, proto_dtype = operator.raw_operator, _proto_dtype(operator)
    output = _network(
        scope, container, model, operator.inputs[0].full_name, proto_dtype
    )
    proba = output
    if model.n_outputs_ == 1:
        one = _constant(scope, container, 1.0, proto_dtype)
        negative = _node(scope, container, "Sub", [one, output])
        proba = _node(scope, container, "Concat", [negative, output], axis=1)
    labels = _labels(scope, container, model, proba, output, proto_dtype)
    container.add_node(
        "Identity",
        [labels],
        operator.outputs[0].full_name,
        name=scope.get_unique_operator_name("Identity"),
    )
    container.add_node(
        "Identity",
        [proba],
        operator.outputs[1].full_name,
        name=scope.get_unique_operator_name("Identity"),
    )


def convert(scope, operator, container):
    """skl2onnx converter for :class:`~skmlp.MLPClassifier` and
    :class:`~skmlp.MLPRegressor`: the network's forward pass, then the
    classifier's labels and probabilities or the regressor's predictions."""
    model = operator.raw_operator
    if isinstance(model, MLPClassifier):
        return _convert_classifier(scope, operator, container)
    proto_dtype = _proto_dtype(operator)
    output = _network(
        scope, container, model, operator.inputs[0].full_name, proto_dtype
    )
    container.add_node(
        "Identity",
        [output],
        operator.outputs[0].full_name,
        name=scope.get_unique_operator_name("Identity"),
    )


update_registered_converter(
    MLPClassifier,
    "SkmlpMLPClassifier",
    classifier_shapes,
    convert,
    options={"zipmap": [True, False, "columns"], "nocl": [True, False]},
)
update_registered_converter(
    MLPRegressor, "SkmlpMLPRegressor", regressor_shapes, convert
)
