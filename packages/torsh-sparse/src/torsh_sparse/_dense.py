"""The sparse-related methods of dense tensors: ``layout``, ``to_sparse*``, ``to_dense``, ``sparse_mask``.

torsh-tensor sits below this package and cannot import it, so importing torsh_sparse adds these to Tensor
(``import torsh`` does that when torsh-sparse is installed); SparseTensor inherits and handles them too.
"""

from torsh_tensor._tensor import Tensor

from . import convert
from .layouts import strided


def install():
    Tensor.layout = property(lambda self: strided, doc="torsh.strided: dense tensors hold every element")
    Tensor.is_sparse_csr = False
    Tensor.to_dense = convert.to_dense
    Tensor.to_sparse = convert.to_sparse
    Tensor.to_sparse_coo = convert.to_sparse_coo
    Tensor.to_sparse_csr = convert.to_sparse_csr
    Tensor.to_sparse_csc = convert.to_sparse_csc
    Tensor.sparse_mask = convert.sparse_mask
