"""Tensor ops, one family per module; each op's backward sits right after its forward."""
