"""Where a sparse matrix's entries are, in CSR order: built once per tensor and reused by every product."""

from torsh_backend import module_of
from torsh_backend import sparse as kernels

from .convert import expand_compressed
from .layouts import sparse_coo, sparse_csr


class Pattern:
    """Row and column of each entry of an (m, n) matrix, in entry order. ``csr()`` sorts them (in C) once;
    ``T`` is the transposed pattern over the same entries, so values never need reordering by the caller."""

    def __init__(self, row, col, shape, indptr=None):
        self.row, self.col, self.shape = row, col, tuple(shape)
        self._csr = None if indptr is None else (indptr, col, None)
        self._t = None

    def csr(self):
        """``(indptr, col, perm)``: the entries as CSR; ``perm`` puts values in that order (None: already are)."""
        if self._csr is None:
            indptr, perm = kernels.coo_sort(self.row, self.col, *self.shape)
            xp = module_of(perm)
            in_order = bool((perm == xp.arange(perm.shape[0], dtype=perm.dtype)).all())
            self._csr = (indptr, self.col, None) if in_order else (indptr, self.col[perm], perm)
        return self._csr

    @property
    def T(self):
        if self._t is None:
            self._t = Pattern(self.col, self.row, self.shape[::-1])
            self._t._t = self
        return self._t


def pattern_of(sp):
    """The (cached) pattern of a 2-D sparse tensor of any layout."""
    p = sp._pattern_cache
    if p is None:
        if sp._layout is sparse_coo:
            p = Pattern(sp._indices_arr[0], sp._indices_arr[1], sp._shape[:2])
        elif sp._layout is sparse_csr:
            p = Pattern(expand_compressed(sp), sp._plain, sp._shape[:2], indptr=sp._compressed)
        else:  # CSC is the CSR of the transpose
            p = Pattern(expand_compressed(sp), sp._plain, sp._shape[1::-1], indptr=sp._compressed).T
        sp._pattern_cache = p
    return p
