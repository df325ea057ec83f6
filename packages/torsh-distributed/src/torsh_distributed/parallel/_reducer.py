"""DDP's gradient reducer: averages gradients over the group in buckets, each all-reduce started (non-blocking)
from a post-accumulate-grad hook as soon as the backward pass has produced every gradient of its bucket."""

import numpy as np
import torsh_tensor
from torsh_core import dtypes
from torsh_core.errors import TorshRuntimeError

from ..collectives import all_reduce
from ..reduce_op import ReduceOp

_FIRST_BUCKET_BYTES = 1024 * 1024


class _Bucket:
    """Consecutive parameters of one dtype and device whose gradients are averaged by one flat all-reduce."""

    def __init__(self, params):
        self.params = params
        self.offsets = []
        total = 0
        for p in params:
            self.offsets.append(total)
            total += p.numel()
        self.flat = torsh_tensor.zeros(total, dtype=params[0].dtype, device=params[0].device)
        self.pending = len(params)
        self.work = None


def _buckets(params, cap_bytes):
    """Split ``params`` (in the order their gradients are expected) into buckets of at most ``cap_bytes``; the
    first is at most 1 MB (as in PyTorch) so that communication starts early in the backward pass."""
    buckets, current, size = [], [], 0
    for p in params:
        cap = min(cap_bytes, _FIRST_BUCKET_BYTES) if not buckets else cap_bytes
        if current and (size + p.nbytes > cap or (p.dtype, p.device) != (current[0].dtype, current[0].device)):
            buckets.append(current)
            current, size = [], 0
        current.append(p)
        size += p.nbytes
    if current:
        buckets.append(current)
    return [_Bucket(b) for b in buckets]


def _reachable_leaves(outputs):
    """ids of the leaf tensors the autograd graph of ``outputs`` reaches (find_unused_parameters)."""
    seen, leaves = set(), set()
    stack = [t.grad_fn for t in outputs if t.grad_fn is not None]
    leaves.update(id(t) for t in outputs if t.grad_fn is None and t.requires_grad)
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        variable = getattr(node, "variable", None)
        if variable is not None:
            leaves.add(id(variable))
        stack.extend(edge[0] for edge in node.next_functions if edge is not None)
    return leaves


class Reducer:
    """Bucketed, overlapped gradient averaging for the parameters of one DistributedDataParallel.

    States: "idle" (hooks do nothing: no_sync, or no synchronized forward yet), "armed" (after a synchronized
    forward, gradients are awaited) and "done" (this iteration's gradients are averaged).
    """

    def __init__(self, params, pg, cap_bytes, find_unused_parameters):
        self._pg = pg
        self._find_unused = find_unused_parameters
        self._buckets = _buckets(list(reversed(params)), cap_bytes)  # gradients arrive roughly in reverse
        self._bucket_of = {id(p): b for b in self._buckets for p in b.params}
        self._hooks = [p.register_post_accumulate_grad_hook(self._on_grad) for p in params]
        self._state = "idle"
        self._ready = set()
        self._marked_unused = set()
        self._locally_used = set()

    def prepare_for_backward(self, outputs):
        """Expect one gradient per parameter in the next backward (unused ones are marked ready now)."""
        if self._state == "armed" and self._ready - self._marked_unused:
            raise TorshRuntimeError(
                "Expected to have finished reduction in the prior iteration before starting a new one. This error "
                "indicates that your module has parameters that were not used in producing loss. You can enable "
                "unused parameter detection by passing the keyword argument `find_unused_parameters=True` to "
                "`torsh.nn.parallel.DistributedDataParallel`, and by making sure all `forward` function outputs "
                "participate in calculating loss."
            )
        self._state, self._next, self._ready = "armed", 0, set()
        for b in self._buckets:
            b.pending, b.work = len(b.params), None
        self._marked_unused = set()
        if self._find_unused:
            used = _reachable_leaves(outputs)
            self._locally_used = {pid for pid in self._bucket_of if pid in used}
            for pid, b in self._bucket_of.items():
                if pid not in used:
                    self._marked_unused.add(pid)
                    self._ready.add(pid)
                    b.pending -= 1

    def skip_sync(self):
        """The next backward accumulates locally (a forward under ``no_sync``)."""
        self._state = "idle"

    def _on_grad(self, param):
        if self._state != "armed":
            if self._state == "done":
                raise TorshRuntimeError(
                    "DistributedDataParallel: a gradient arrived after this iteration's gradients were already "
                    "averaged (a second backward through one forward, or a parameter used outside forward); run "
                    "forward again before each backward, or use no_sync() to accumulate locally.")
            return
        if id(param) in self._ready:
            raise TorshRuntimeError(
                "Expected to mark a variable ready only once. The parameter got a gradient although "
                "find_unused_parameters found it unused in forward's outputs, or it was used in two backward "
                "passes of one iteration; use it only inside forward.")
        self._ready.add(id(param))
        b = self._bucket_of[id(param)]
        b.pending -= 1
        for launched in self._buckets[:self._next]:
            launched.work.is_completed()  # lets MPI progress the all-reduces already in flight
        while self._next < len(self._buckets) and self._buckets[self._next].pending == 0:
            self._launch(self._buckets[self._next])  # in bucket order, so every rank issues the same sequence
            self._next += 1
        if self._next == len(self._buckets):
            self._finalize()

    def _launch(self, b):
        flat = b.flat._data
        for p, off in zip(b.params, b.offsets):
            n = p.numel()
            if p.grad is None:
                flat[off:off + n] = 0
            else:
                flat[off:off + n] = p.grad._data.reshape(-1)
        b.work = all_reduce(b.flat, op=ReduceOp.SUM, group=self._pg, async_op=True)

    def _finalize(self):
        """Wait for every bucket and write the averaged gradients (sum / world size) back into ``param.grad``."""
        self._state = "done"
        globally_used = self._global_usage() if self._find_unused else None
        scale = 1.0 / self._pg.size()
        for b in self._buckets:
            b.work.wait()
            for p, off in zip(b.params, b.offsets):
                if globally_used is not None and id(p) not in globally_used:
                    continue
                summed = b.flat[off:off + p.numel()].view(p.shape)
                if p.grad is None:
                    p.grad = summed * scale
                else:
                    np.multiply(summed._data, scale, out=p.grad._data)  # NumPy ufuncs dispatch to CuPy arrays too
                    p.grad._version[0] += 1

    def _global_usage(self):
        """ids of the parameters some rank used in this iteration (the others keep their gradient untouched)."""
        ids = list(self._bucket_of)
        flags = torsh_tensor.tensor([pid in self._locally_used for pid in ids], dtype=dtypes.int32)
        all_reduce(flags, op=ReduceOp.MAX, group=self._pg)
        return {pid for pid, used in zip(ids, flags.tolist()) if used}

    def remove_hooks(self):
        for h in self._hooks:
            h.remove()
        self._hooks = []
