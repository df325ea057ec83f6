"""torsh-distributed: torch.distributed on MPI (mpi4py) — collectives, DistributedDataParallel, ZeRO, torshrun.

The same script runs on a laptop (``torshrun --nproc 2 train.py`` or ``mpiexec -n 2 python train.py``) and on a
cluster (mpiexec or srun with a hostfile). Importing this package also makes
``torsh.nn.parallel.DistributedDataParallel`` resolve (torsh_nn sits below this layer and cannot import it).
"""

from . import _nn_parallel
from .backend import (
    Backend,
    is_available,
    is_backend_available,
    is_gloo_available,
    is_mpi_available,
    is_nccl_available,
)
from .collectives import (
    all_gather,
    all_gather_into_tensor,
    all_reduce,
    all_to_all,
    all_to_all_single,
    barrier,
    broadcast,
    gather,
    monitored_barrier,
    reduce,
    reduce_scatter,
    reduce_scatter_tensor,
    scatter,
)
from .objects import (
    all_gather_object,
    broadcast_object_list,
    gather_object,
    recv_object_list,
    scatter_object_list,
    send_object_list,
)
from .p2p import P2POp, batch_isend_irecv, irecv, isend, recv, send
from .parallel import DistributedDataParallel
from .process_group import GroupMember, ProcessGroup, group
from .reduce_op import ReduceOp
from .work import Work
from .world import (
    default_pg_timeout,
    destroy_process_group,
    get_backend,
    get_global_rank,
    get_group_rank,
    get_node_local_rank,
    get_process_group_ranks,
    get_rank,
    get_world_size,
    init_process_group,
    is_initialized,
    new_group,
)

__version__ = "0.1.0"

_nn_parallel.install(DistributedDataParallel)
