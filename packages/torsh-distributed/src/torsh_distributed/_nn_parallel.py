"""Makes ``torsh.nn.parallel.DistributedDataParallel`` (torch's spelling) resolve once torsh_distributed is
imported: torsh_nn is a lower layer and cannot import DDP itself, so DDP is attached to ``torsh_nn.parallel``
from here (creating that module when torsh_nn has none)."""

import importlib
import sys
import types


def install(ddp_class):
    import torsh_nn

    try:
        parallel = importlib.import_module("torsh_nn.parallel")
    except ModuleNotFoundError as e:
        if e.name != "torsh_nn.parallel":
            raise
        parallel = types.ModuleType("torsh_nn.parallel", "torsh.nn.parallel: DistributedDataParallel lives in "
                                                         "torsh_distributed.parallel.")
        sys.modules["torsh_nn.parallel"] = parallel
        torsh_nn.parallel = parallel
    if not hasattr(parallel, "DistributedDataParallel"):
        parallel.DistributedDataParallel = ddp_class
    sys.modules.setdefault("torsh.nn.parallel", parallel)  # so `import torsh.nn.parallel` works too
