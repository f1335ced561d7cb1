"""Collection settings for the whole repository (tests, skmlp, docs).

``skmlp.onnx`` needs the optional ``onnx`` extra: without skl2onnx its
module cannot be imported for doctest collection, so it is left out.
"""

import importlib.util

collect_ignore = []
if importlib.util.find_spec("skl2onnx") is None:
    collect_ignore.append("skmlp/onnx.py")
