"""``DistributedDataParallel``: each rank runs the module on its share of the batch; gradients are averaged over
the ranks during backward, so every replica takes the same optimizer step."""

import contextlib

from torsh_autograd import is_grad_enabled, no_grad
from torsh_core.errors import TorshNotImplementedError, TorshRuntimeError, TorshTypeError, TorshValueError
from torsh_nn import Module
from torsh_tensor import Tensor

from ..collectives import broadcast
from ..objects import all_gather_object
from ..world import duplicate, resolve
from ._reducer import Reducer

_DEFAULT_BUCKET_CAP_MB = 25


def _tensors_in(obj):
    """Every Tensor inside a forward output (tensors, lists, tuples, dicts)."""
    if isinstance(obj, Tensor):
        return [obj]
    if isinstance(obj, dict):
        obj = list(obj.values())
    if isinstance(obj, (list, tuple)):
        return [t for item in obj for t in _tensors_in(item)]
    return []


class DistributedDataParallel(Module):
    """Wraps ``module`` (reachable as ``.module``; state_dict keys gain the 'module.' prefix as in PyTorch).

    At construction it checks that every rank has the same parameter shapes and copies rank 0's parameters and
    buffers to all ranks. During backward, gradients are averaged in buckets of ``bucket_cap_mb`` whose
    non-blocking all-reduces start as soon as each bucket is full. ``gradient_as_bucket_view`` is accepted and
    ignored; ``device_ids``/``output_device`` only name the device the module already lives on.
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=None, init_sync=True,
                 process_group=None, bucket_cap_mb=None, find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False, delay_all_reduce_named_params=None,
                 param_to_hook_all_reduce=None, mixed_precision=None, device_mesh=None,
                 skip_all_reduce_unused_params=False, bucket_cap_mb_list=None, batched_grad_copy=False,
                 forward_sync_buffers=None):
        super().__init__()
        if not isinstance(module, Module):
            raise TorshTypeError(f"DistributedDataParallel expects a torsh.nn.Module, got {type(module).__name__}")
        if mixed_precision is not None or device_mesh is not None:
            raise TorshNotImplementedError("DistributedDataParallel: mixed_precision and device_mesh are not "
                                           "supported by torsh")
        params = [p for p in module.parameters() if p.requires_grad]
        if not params:
            raise TorshRuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter "
                                    "that requires a gradient.")
        self.module = module
        if bucket_cap_mb is not None and bucket_cap_mb <= 0:
            raise TorshValueError(f"bucket_cap_mb must be positive, got {bucket_cap_mb}")
        parent = resolve(process_group, "DistributedDataParallel")
        if parent is None:
            raise TorshValueError("DistributedDataParallel: this rank is not a member of process_group")
        # DDP talks on a copy of the group, so its non-blocking all-reduces never interleave with the user's calls
        self.process_group = duplicate(parent)
        self.dim = dim
        self.device_ids = device_ids
        self.output_device = output_device
        self.broadcast_buffers = True if broadcast_buffers is None else bool(broadcast_buffers)
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self.bucket_bytes_cap = int((_DEFAULT_BUCKET_CAP_MB if bucket_cap_mb is None else bucket_cap_mb) * 1024 * 1024)
        self._check_same_parameters(module)
        if init_sync:
            self._sync_module_states(module)
        self.reducer = Reducer(params, self.process_group, self.bucket_bytes_cap, find_unused_parameters)

    def _check_same_parameters(self, module):
        """Every rank must wrap the same architecture; name the first difference on every rank otherwise."""
        mine = [(name, tuple(p.shape), str(p.dtype)) for name, p in module.named_parameters()]
        everyone = [None] * self.process_group.size()
        all_gather_object(everyone, mine, group=self.process_group)
        for rank, theirs in enumerate(everyone):
            if theirs == mine:
                continue
            diff = next(((a, b) for a, b in zip(mine, theirs) if a != b), None)
            detail = (f"parameter {diff[0][0]!r} is {diff[0][1:]} on rank {self.process_group.rank()} but "
                      f"{diff[1][0]!r} is {diff[1][1:]} on rank {rank}" if diff else
                      f"rank {self.process_group.rank()} has {len(mine)} parameters, rank {rank} has {len(theirs)}")
            raise TorshRuntimeError(f"DistributedDataParallel: the module's parameters differ across ranks: {detail}")

    def _sync_module_states(self, module):
        """Copy rank 0's parameters and buffers to every rank."""
        with no_grad():
            for t in list(module.parameters()) + list(module.buffers()):
                broadcast(t.detach(), group_src=0, group=self.process_group)

    def forward(self, *inputs, **kwargs):
        if self.broadcast_buffers and self.require_forward_param_sync:
            with no_grad():
                for b in self.module.buffers():
                    broadcast(b.detach(), group_src=0, group=self.process_group)
        output = self.module(*inputs, **kwargs)
        if is_grad_enabled() and self.require_backward_grad_sync:
            self.reducer.prepare_for_backward(_tensors_in(output))
        else:
            self.reducer.skip_sync()
        return output

    @contextlib.contextmanager
    def no_sync(self):
        """Backward passes inside this block accumulate local gradients without communicating; the first
        synchronized backward after it averages the accumulated sums."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    def will_sync_module_buffers(self):
        return self.require_forward_param_sync and self.broadcast_buffers and any(True for _ in self.module.buffers())

    def register_comm_hook(self, state, hook):
        raise TorshNotImplementedError("DistributedDataParallel.register_comm_hook is not supported by torsh")

    def join(self, divide_by_initial_world_size=True, enable=True, throw_on_early_termination=False):
        raise TorshNotImplementedError("DistributedDataParallel.join (uneven inputs) is not supported by torsh")
