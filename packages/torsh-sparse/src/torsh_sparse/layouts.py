"""Tensor layouts as in ``torch.layout``: ``strided`` for dense tensors and the sparse COO, CSR and CSC formats."""


class layout:  # noqa: N801 - PyTorch's name
    """A memory layout; each one is a single object, compared by identity like ``torch.strided``."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"torsh.{self.name}"

    def __reduce__(self):
        return self.name  # pickles as the module-level object of that name, so identity survives


strided = layout("strided")
sparse_coo = layout("sparse_coo")
sparse_csr = layout("sparse_csr")
sparse_csc = layout("sparse_csc")

COMPRESSED = (sparse_csr, sparse_csc)

# PyTorch's error messages name layouts this way ("... but got SparseCsr").
KERNEL_NAME = {strided: "Strided", sparse_coo: "Sparse", sparse_csr: "SparseCsr", sparse_csc: "SparseCsc"}
