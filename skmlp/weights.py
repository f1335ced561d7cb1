"""Weight matrices stored in less memory: sparse, low-rank, quantized, shared.

A compressed estimator (see :mod:`skmlp.compression`) is an ordinary
:class:`~skmlp.MLPClassifier` or :class:`~skmlp.MLPRegressor` whose
``coefs_`` hold some of these objects instead of NumPy arrays.  Each stands
for an ``(n_in, n_out)`` matrix :math:`W`: it has ``shape``, ``dtype`` and
``ndim``, turns into the dense matrix with ``np.asarray(W)`` (or
:meth:`~StoredWeights.toarray`), and multiplies a batch of inputs with
:meth:`~StoredWeights.matmul`, which is how predictions are made: from what
is stored, decoded on every call, nothing else kept.

Two things are chosen separately: where the numbers go (the *structure*)
and how each number is written (the *values*).

========================  ====================================================
structure                 stores
========================  ====================================================
:class:`DenseWeights`     every entry, row after row
:class:`SparseWeights`    the non-zero entries of each output unit (column) and
                          their row indices (compressed sparse columns)
:class:`LowRankWeights`   two factors, :math:`W = U V` with
                          :math:`U \\in \\mathbb{R}^{n_{in} \\times r}`,
                          :math:`V \\in \\mathbb{R}^{r \\times n_{out}}`; the
                          product goes through the factors,
                          :math:`(A U) V`, :math:`r (n_{in} + n_{out})`
                          multiply-adds per row instead of
                          :math:`n_{in} n_{out}`
========================  ====================================================

==========================  ==================================================
values                      each number is
==========================  ==================================================
float array                 itself
:class:`QuantizedValues`    a signed ``bits``-bit integer :math:`q` times its
                            output unit's scale :math:`s_j`: :math:`w = q s_j`
:class:`CodebookValues`     an index :math:`k` into a short codebook
                            :math:`c`: :math:`w = c_k`
==========================  ==================================================

Integers of 1, 2 or 4 bits are packed 8, 4 or 2 to a byte; indices use the
smallest unsigned type that holds them.

Examples
--------
>>> import numpy as np
>>> from skmlp.weights import SparseWeights
>>> W = np.array([[0.0, 2.0], [3.0, 0.0], [0.0, 0.5]])
>>> S = SparseWeights.from_dense(W)
>>> S.shape, S.nnz
((3, 2), 3)
>>> S.matmul(np.ones((1, 3)))
array([[3. , 2.5]])
>>> bool(np.array_equal(np.asarray(S), W))
True
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = [
    "CodebookValues",
    "DenseWeights",
    "LowRankWeights",
    "QuantizedValues",
    "SparseWeights",
    "StoredWeights",
    "decode_values",
    "pack_codes",
    "unpack_codes",
]


# ------------------------------------------------------------------ integers
def _uint_for(largest: int) -> np.dtype:
    """The smallest unsigned integer type holding ``0 .. largest``."""
    for dtype in (np.uint8, np.uint16, np.uint32):
        if largest <= np.iinfo(dtype).max:
            return np.dtype(dtype)
    return np.dtype(np.uint64)


def pack_codes(codes: np.ndarray, bits: int) -> np.ndarray:
    """Unsigned integers below ``2**bits`` in as few bytes as they need.

    Codes of 1, 2 or 4 bits go 8, 4 or 2 to a byte (the first in the lowest
    bits); wider codes take the smallest unsigned type that holds ``bits``
    bits.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp.weights import pack_codes, unpack_codes
    >>> packed = pack_codes(np.array([1, 15, 7]), bits=4)
    >>> packed.nbytes
    2
    >>> unpack_codes(packed, bits=4, size=3)
    array([ 1, 15,  7], dtype=uint8)
    >>> pack_codes(np.array([1, 0, 1, 1]), bits=1)
    array([13], dtype=uint8)
    """
    codes = np.asarray(codes)
    if bits >= 8:
        return codes.astype(_uint_for(2**bits - 1))
    per_byte = 8 // bits
    padded = np.zeros(-(-codes.shape[0] // per_byte) * per_byte, dtype=np.uint8)
    padded[: codes.shape[0]] = codes
    shifts = np.arange(0, 8, bits, dtype=np.uint8)
    return np.bitwise_or.reduce(padded.reshape(-1, per_byte) << shifts, axis=1)


def unpack_codes(packed: np.ndarray, bits: int, size: int) -> np.ndarray:
    """The ``size`` codes :func:`pack_codes` stored in ``packed``."""
    if bits >= 8:
        return packed[:size]
    shifts = np.arange(0, 8, bits, dtype=np.uint8)
    codes = (packed[:, np.newaxis] >> shifts) & np.uint8(2**bits - 1)
    return codes.reshape(-1)[:size]


# -------------------------------------------------------------------- values
class QuantizedValues:
    """Numbers stored as ``bits``-bit integers, one float scale per group.

    Value :math:`i`, in group :math:`j` (for a weight matrix: its output
    unit), is :math:`w_i = q_i s_j` with the integer
    :math:`q_i \\in [-(2^{b-1} - 1),\\ 2^{b-1} - 1]`: symmetric, so 0 is
    stored exactly.  :meth:`quantize` takes :math:`s_j = \\max_i |w_i| /
    (2^{b-1} - 1)` over the group and :math:`q_i = \\operatorname{round}(w_i /
    s_j)`, so each value is off by at most half a step, :math:`s_j / 2`
    (plus the rounding of :math:`q_i s_j` to the float type).

    Parameters
    ----------
    codes : ndarray of uint8
        The integers :math:`q_i + 2^{b-1}`, packed by :func:`pack_codes`.
    scales : ndarray of shape (n_groups,)
        :math:`s_j`, in the float type of the decoded values.
    bits : {4, 8}
        Bits per integer.
    size : int
        How many values.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp.weights import QuantizedValues
    >>> q = QuantizedValues.quantize(np.array([0.5, -1.0, 0.26]), bits=4)
    >>> q.scales
    array([0.14285714])
    >>> q.decode()
    array([ 0.57142857, -1.        ,  0.28571429])
    """

    def __init__(self, codes, scales, bits, size):
        self.codes, self.scales, self.bits, self.size = codes, scales, bits, size

    @classmethod
    def quantize(cls, values, bits, groups=None, n_groups=1):
        """Quantize ``values``; ``groups`` gives each value's group (all in
        group 0 when None)."""
        values = np.asarray(values)
        top = 2 ** (bits - 1) - 1
        groups = np.zeros(values.shape[0], np.intp) if groups is None else groups
        largest = np.zeros(n_groups)
        np.maximum.at(largest, groups, np.abs(values.astype(np.float64)))
        scales = (largest / top).astype(values.dtype)
        # A group of zeros keeps scale 0; dividing by 1 there gives codes 0.
        divisor = np.where(scales > 0, scales, 1).astype(np.float64)[groups]
        q = np.rint(values / divisor).clip(-top, top).astype(np.int16)
        return cls(pack_codes(q + 2 ** (bits - 1), bits), scales, bits, len(values))

    def integers(self) -> np.ndarray:
        """The stored integers :math:`q_i`, as int16."""
        codes = unpack_codes(self.codes, self.bits, self.size)
        return codes.astype(np.int16) - 2 ** (self.bits - 1)

    def decode(self, groups=None) -> np.ndarray:
        """:math:`q_i s_j`, in the scales' float type."""
        scale = self.scales[0] if groups is None else self.scales[groups]
        return self.integers().astype(self.scales.dtype) * scale

    @property
    def nbytes(self) -> int:
        return self.codes.nbytes + self.scales.nbytes


class CodebookValues:
    """Numbers stored as indices into a short codebook of shared values.

    Value :math:`i` is :math:`c_{k_i}`: :math:`n` numbers cost :math:`n`
    indices of :math:`\\lceil \\log_2 K \\rceil` bits (1, 2 or 4 bits are
    packed 8, 4 or 2 to a byte; more take 8 or 16) and :math:`K` codebook
    entries.  The codebook may itself be
    quantized (a :class:`QuantizedValues`).

    Parameters
    ----------
    codebook : ndarray of shape (K,) or QuantizedValues
        The shared values :math:`c`.
    codes : ndarray
        The indices :math:`k_i`, packed by :func:`pack_codes`.
    bits : {1, 2, 4, 8, 16}
        Bits per index.
    size : int
        How many values.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp.weights import CodebookValues, pack_codes
    >>> book = np.array([-0.5, 0.0, 0.25])
    >>> CodebookValues(book, pack_codes(np.array([2, 0, 0, 1]), 4), 4, 4).decode()
    array([ 0.25, -0.5 , -0.5 ,  0.  ])
    """

    def __init__(self, codebook, codes, bits, size):
        self.codebook, self.codes, self.bits, self.size = codebook, codes, bits, size

    @staticmethod
    def bits_for(n_values: int) -> int:
        """Bits per index for a codebook of ``n_values`` entries."""
        return next(b for b in (1, 2, 4, 8, 16) if n_values <= 2**b)

    def decode(self, groups=None) -> np.ndarray:
        """:math:`c_{k_i}` for every value."""
        book = self.codebook
        if isinstance(book, QuantizedValues):
            book = book.decode()
        return book[unpack_codes(self.codes, self.bits, self.size)]

    @property
    def nbytes(self) -> int:
        return self.codes.nbytes + self.codebook.nbytes


def _dtype(values):
    if isinstance(values, QuantizedValues):
        return values.scales.dtype
    if isinstance(values, CodebookValues):
        return _dtype(values.codebook)
    return values.dtype


def decode_values(values, groups=None) -> np.ndarray:
    """The numbers ``values`` stands for: a float array as it is, an encoded
    one decoded (``groups``: each value's group, for quantized values).

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp.weights import QuantizedValues, decode_values
    >>> decode_values(QuantizedValues.quantize(np.array([2.0, -1.0]), bits=8))
    array([ 2.        , -1.00787402])
    """
    if isinstance(values, np.ndarray):
        return values
    return values.decode(groups)


# --------------------------------------------------------------- structures
class StoredWeights:
    """An ``(n_in, n_out)`` weight matrix in a compressed form.

    Subclasses store the numbers; this base class gives every one of them
    NumPy's view of a matrix (``shape``, ``dtype``, ``ndim``,
    ``np.asarray``) and the product with a batch of inputs.
    """

    ndim = 2

    @property
    def dtype(self) -> np.dtype:
        """The float type of the decoded weights."""
        return _dtype(self.values)

    def toarray(self) -> np.ndarray:
        """The dense matrix :math:`W`."""
        raise NotImplementedError

    def __array__(self, dtype=None, copy=None):
        dense = self.toarray()
        return dense if dtype is None else dense.astype(dtype, copy=False)

    def matmul(self, A, out=None) -> np.ndarray:
        """``A @ W`` for a dense or sparse batch ``A`` of shape (n, n_in)."""
        product = A @ self.toarray()
        if out is None:
            return product
        out[...] = product
        return out

    #: Positions that continued training must keep at exactly zero (a
    #: boolean matrix), or None.
    structural_zeros = None

    def __repr__(self):
        return f"{type(self).__name__}(shape={self.shape}, dtype={self.dtype})"


class DenseWeights(StoredWeights):
    """Every entry of the matrix, row after row, in encoded values.

    Parameters
    ----------
    shape : tuple of int
        ``(n_in, n_out)``.
    values : QuantizedValues or CodebookValues
        The ``n_in * n_out`` entries in row-major order; a quantized
        entry's group is its column (output unit).

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp.weights import DenseWeights, QuantizedValues
    >>> W = np.array([[1.0, -0.2], [-0.5, 0.4]])
    >>> groups = np.tile(np.arange(2), 2)
    >>> Q = DenseWeights((2, 2), QuantizedValues.quantize(W.ravel(), 8, groups, 2))
    >>> np.round(np.asarray(Q), 3)
    array([[ 1.   , -0.198],
           [-0.504,  0.4  ]])
    """

    def __init__(self, shape, values):
        self.shape, self.values = tuple(shape), values

    def groups(self) -> np.ndarray:
        """Each entry's output unit, in storage order."""
        n_in, n_out = self.shape
        return np.tile(np.arange(n_out), n_in)

    def toarray(self):
        return decode_values(self.values, self.groups()).reshape(self.shape)

    @property
    def nnz(self) -> int:
        return int(np.count_nonzero(self.toarray()))

    @property
    def n_stored(self) -> int:
        return self.shape[0] * self.shape[1]

    @property
    def mult_adds(self) -> int:
        return self.shape[0] * self.shape[1]

    @property
    def nbytes(self) -> int:
        return self.values.nbytes


class SparseWeights(StoredWeights):
    """The non-zero entries, column by column (compressed sparse columns).

    Column :math:`j` (output unit :math:`j`) keeps its entries in
    ``values[indptr[j]:indptr[j + 1]]``, at rows
    ``indices[indptr[j]:indptr[j + 1]]``.  The positions not stored are
    *structural* zeros: training a model further (``warm_start``,
    ``partial_fit``) keeps them at exactly zero.

    Parameters
    ----------
    shape : tuple of int
        ``(n_in, n_out)``.
    indptr : ndarray of shape (n_out + 1,)
        Where each column's entries start and end.
    indices : ndarray of shape (nnz,)
        Each stored entry's row.
    values : ndarray, QuantizedValues or CodebookValues
        The ``nnz`` stored entries; a quantized entry's group is its column.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp.weights import SparseWeights
    >>> S = SparseWeights.from_dense(np.array([[0.0, 1.0], [2.0, 0.0]]))
    >>> S.indptr, S.indices, S.values
    (array([0, 1, 2], dtype=uint8), array([1, 0], dtype=uint8), array([2., 1.]))
    """

    def __init__(self, shape, indptr, indices, values):
        self.shape = tuple(shape)
        self.indptr, self.indices, self.values = indptr, indices, values

    @classmethod
    def from_dense(cls, W, keep=None) -> SparseWeights:
        """The entries of ``W`` where ``keep`` (default: ``W != 0``) holds."""
        W = np.asarray(W)
        csc = sp.csc_matrix(W * (W != 0 if keep is None else keep))
        csc.eliminate_zeros()
        csc.sort_indices()
        indptr = csc.indptr.astype(_uint_for(csc.nnz))
        indices = csc.indices.astype(_uint_for(max(W.shape[0] - 1, 0)))
        return cls(W.shape, indptr, indices, csc.data.astype(W.dtype))

    @property
    def nnz(self) -> int:
        return int(self.indices.shape[0])

    def groups(self) -> np.ndarray:
        """Each stored entry's column, in storage order."""
        counts = np.diff(self.indptr.astype(np.intp))
        return np.repeat(np.arange(self.shape[1]), counts)

    def tocsc(self) -> sp.csc_matrix:
        """The matrix as SciPy compressed sparse columns."""
        data = decode_values(self.values, self.groups())
        return sp.csc_matrix((data, self.indices, self.indptr), shape=self.shape)

    def toarray(self):
        return self.tocsc().toarray()

    def matmul(self, A, out=None):
        product = A @ self.tocsc()
        if sp.issparse(product):
            product = product.toarray()
        if out is None:
            return np.asarray(product)
        out[...] = product
        return out

    @property
    def structural_zeros(self) -> np.ndarray:
        kept = np.zeros(self.shape, dtype=bool)
        kept[self.indices, self.groups()] = True
        return ~kept

    @property
    def n_stored(self) -> int:
        return self.nnz

    @property
    def mult_adds(self) -> int:
        return self.nnz

    @property
    def nbytes(self) -> int:
        return self.indptr.nbytes + self.indices.nbytes + self.values.nbytes


class LowRankWeights(StoredWeights):
    """:math:`W = U V`, kept as its two factors.

    Parameters
    ----------
    left : ndarray or StoredWeights of shape (n_in, rank)
        :math:`U`.
    right : ndarray or StoredWeights of shape (rank, n_out)
        :math:`V`.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp.weights import LowRankWeights
    >>> L = LowRankWeights(np.array([[1.0], [2.0]]), np.array([[3.0, 0.5]]))
    >>> L.shape, L.rank, L.mult_adds
    ((2, 2), 1, 4)
    >>> L.matmul(np.array([[1.0, 1.0]]))
    array([[9. , 1.5]])
    """

    def __init__(self, left, right):
        self.left, self.right = left, right
        self.shape = (left.shape[0], right.shape[1])

    @property
    def dtype(self) -> np.dtype:
        return self.left.dtype

    @property
    def rank(self) -> int:
        return self.left.shape[1]

    def toarray(self):
        return np.asarray(self.left) @ np.asarray(self.right)

    def matmul(self, A, out=None):
        inner = _product(A, self.left)
        if out is None:
            return _product(inner, self.right)
        out[...] = _product(inner, self.right)
        return out

    @property
    def nnz(self) -> int:
        return int(np.count_nonzero(self.toarray()))

    @property
    def n_stored(self) -> int:
        return sum(_size(f) for f in (self.left, self.right))

    @property
    def mult_adds(self) -> int:
        return sum(_mult_adds(f) for f in (self.left, self.right))

    @property
    def nbytes(self) -> int:
        return self.left.nbytes + self.right.nbytes


def _product(A, W):
    if isinstance(W, StoredWeights):
        return W.matmul(A)
    product = A @ W
    return product.toarray() if sp.issparse(product) else product


def _size(W):
    return W.size if isinstance(W, np.ndarray) else W.n_stored


def _mult_adds(W):
    return W.size if isinstance(W, np.ndarray) else W.mult_adds
