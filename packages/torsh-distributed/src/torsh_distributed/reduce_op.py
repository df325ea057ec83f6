"""``ReduceOp``: how all_reduce, reduce and reduce_scatter combine the ranks' values (PyTorch's names and numbers)."""

import enum


class ReduceOp:
    """Namespace of reduction operations; ``ReduceOp.SUM`` is ``ReduceOp.RedOpType.SUM`` as in PyTorch."""

    class RedOpType(enum.Enum):
        SUM = 0
        AVG = 1
        PRODUCT = 2
        MIN = 3
        MAX = 4
        BAND = 5
        BOR = 6
        BXOR = 7

    SUM = RedOpType.SUM
    AVG = RedOpType.AVG
    PRODUCT = RedOpType.PRODUCT
    MIN = RedOpType.MIN
    MAX = RedOpType.MAX
    BAND = RedOpType.BAND
    BOR = RedOpType.BOR
    BXOR = RedOpType.BXOR
