"""``ZeroRedundancyOptimizer`` (ZeRO stage 1): each rank keeps optimizer state for, and updates, only its shard of
the parameters, then broadcasts the updated shard, so state memory shrinks by the number of ranks."""

from collections import defaultdict

from torsh_autograd import no_grad
from torsh_core.errors import TorshNotImplementedError, TorshRuntimeError, TorshValueError
from torsh_optim import Optimizer

from ..collectives import broadcast
from ..objects import gather_object
from ..world import resolve


def _partition(param_groups, world_size):
    """Owner (group rank) of each parameter: largest first, each to the rank holding the fewest elements so far."""
    owner, load = {}, [0] * world_size
    for group in param_groups:
        for p in sorted(group["params"], key=lambda t: t.numel(), reverse=True):
            rank = min(range(world_size), key=load.__getitem__)
            owner[id(p)] = rank
            load[rank] += p.numel()
    return owner


class ZeroRedundancyOptimizer(Optimizer):
    """Wraps ``optimizer_class(params, **defaults)`` with its state sharded over ``process_group``'s ranks.

    ``param_groups`` lists every parameter (LR schedulers work as usual); ``step`` updates this rank's shard and
    broadcasts every shard to all ranks. ``parameters_as_bucket_view`` is accepted and ignored.
    """

    def __init__(self, params, optimizer_class, process_group=None, parameters_as_bucket_view=False,
                 overlap_with_ddp=False, **defaults):
        if overlap_with_ddp:
            raise TorshNotImplementedError("ZeroRedundancyOptimizer(overlap_with_ddp=True) is not supported by torsh")
        super().__init__(params, defaults)
        self.process_group = resolve(process_group, "ZeroRedundancyOptimizer")
        if self.process_group is None:
            raise TorshValueError("ZeroRedundancyOptimizer: this rank is not a member of process_group")
        self.optimizer_class = optimizer_class
        self.parameters_as_bucket_view = parameters_as_bucket_view
        self._owner = _partition(self.param_groups, self.process_group.size())
        self._consolidated = None
        mine = self._local_groups()
        self.optim = optimizer_class(mine, **defaults) if mine else None

    def _local_groups(self):
        """This rank's share of each param group (groups it owns nothing of are left out)."""
        rank, groups = self.process_group.rank(), []
        for group in self.param_groups:
            params = [p for p in group["params"] if self._owner[id(p)] == rank]
            if params:
                groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": params})
        return groups

    def _sync_options(self):
        """Copy options (lr changed by a scheduler, ...) from the full groups to the local optimizer's."""
        if self.optim is None:
            return
        rank = self.process_group.rank()
        owned = [g for g in self.param_groups if any(self._owner[id(p)] == rank for p in g["params"])]
        for full, local in zip(owned, self.optim.param_groups):
            local.update({k: v for k, v in full.items() if k != "params"})

    def step(self, closure=None):
        """Update this rank's shard with the wrapped optimizer, then give every rank every updated parameter."""
        self._sync_options()
        loss = self.optim.step(closure) if self.optim is not None else None
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    broadcast(p.detach(), group_src=self._owner[id(p)], group=self.process_group)
        return loss

    def add_param_group(self, param_group):
        if hasattr(self, "_owner"):
            raise TorshNotImplementedError("ZeroRedundancyOptimizer.add_param_group after construction is not "
                                           "supported by torsh")
        super().add_param_group(param_group)

    def _index(self):
        """Global position of every parameter (the keys of a full state_dict)."""
        return {id(p): i for i, p in enumerate(p for g in self.param_groups for p in g["params"])}

    def consolidate_state_dict(self, to=0):
        """Collect every shard's optimizer state on rank ``to`` (a global rank); call it on all ranks."""
        index = self._index()
        local = {}
        if self.optim is not None:
            self._sync_options()
            local = {index[id(p)]: state for p, state in self.optim.state.items()}
        receiving = self.process_group.rank() == self.process_group.group_rank(to)
        shards = [None] * self.process_group.size() if receiving else None
        gather_object(local, shards, dst=to, group=self.process_group)
        self._consolidated = None
        if shards is not None:
            self._consolidated = {k: v for shard in shards for k, v in shard.items()}

    def state_dict(self):
        """The full optimizer state (PyTorch's layout) on the rank ``consolidate_state_dict`` gathered it to."""
        if self._consolidated is None:
            raise TorshRuntimeError("Optimizer state has not been consolidated on this rank. Please call "
                                    "`consolidate_state_dict(to)` on all ranks beforehand if you meant to save the "
                                    "global state.")
        index = self._index()
        groups = [{**{k: v for k, v in g.items() if k != "params"}, "params": [index[id(p)] for p in g["params"]]}
                  for g in self.param_groups]
        return {"state": dict(self._consolidated), "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Load a full state_dict (as ``state_dict`` returns) on every rank; each keeps its own shard's state."""
        super().load_state_dict(state_dict)
        if self.optim is not None:
            self._sync_options()
            for group in self.optim.param_groups:
                for p in group["params"]:
                    if p in self.state:
                        self.optim.state[p] = self.state[p]
        self.state = defaultdict(dict)
