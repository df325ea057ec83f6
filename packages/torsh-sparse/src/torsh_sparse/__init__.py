"""torsh-sparse: ``torch.sparse`` for torsh. COO, CSR and CSC tensors, sparse products on OpenMP C kernels
(CuPy on CUDA), and gradients to the values of sparse operands and to dense operands."""

from . import _bind, _dense
from ._tensor import SparseTensor
from .construct import sparse_compressed_tensor, sparse_coo_tensor, sparse_csc_tensor, sparse_csr_tensor
from .layouts import layout, sparse_coo, sparse_csc, sparse_csr, strided
from .matmul import addmm, mm
from .reduce import sum
from .scipy_interop import from_scipy, to_scipy
from .softmax import log_softmax, softmax

__version__ = "0.1.0"

_dense.install()
_bind.bind()
