"""``torshrun`` / ``python -m torsh_distributed.run``: torchrun's interface on top of mpiexec.

``torshrun --nproc 4 train.py --lr 0.1`` starts ``mpiexec -n 4`` on this launcher's ``--worker`` mode, which
sets RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, GROUP_RANK, MASTER_ADDR and MASTER_PORT from MPI, makes an
uncaught exception on any rank abort the whole job (rank and traceback printed), and runs the script. SIGINT and
SIGTERM sent to the launcher are forwarded to mpiexec. Under a scheduler that starts the ranks itself, run
``srun -n 8 python -m torsh_distributed.run --worker train.py``.
"""

import argparse
import os
import runpy
import shlex
import shutil
import signal
import subprocess
import sys

from torsh_core.errors import TorshRuntimeError

_GRACE_SECONDS = 10  # after a forwarded signal, how long mpiexec gets before it is killed


def _parser():
    p = argparse.ArgumentParser(prog="torshrun", description="Launch a torsh.distributed script on N MPI ranks.")
    p.add_argument("--nproc", "--nproc-per-node", "--nproc_per_node", dest="nproc", type=int, default=1,
                   help="processes per node (default 1)")
    p.add_argument("--nnodes", type=int, default=1, help="number of nodes (with --hostfile); total = nnodes*nproc")
    p.add_argument("--hostfile", help="MPI hostfile naming the nodes (passed to mpiexec as -f)")
    p.add_argument("--master-addr", "--master_addr", dest="master_addr", help="MASTER_ADDR (default: rank 0's host)")
    p.add_argument("--master-port", "--master_port", dest="master_port", default="29500", help="MASTER_PORT")
    p.add_argument("--mpiexec", default=os.environ.get("TORSHRUN_MPIEXEC"),
                   help="mpiexec to run (default: the one installed beside this Python, else the first on PATH)")
    p.add_argument("--mpiexec-args", default="", help="extra arguments for mpiexec, as one shell-quoted string")
    p.add_argument("--standalone", action="store_true", help="accepted for torchrun compatibility (no effect)")
    p.add_argument("-m", "--module", action="store_true", help="run the target as a module (python -m)")
    p.add_argument("--worker", action="store_true",
                   help="run the target in this process as one rank of an already started MPI job")
    p.add_argument("target", help="the script (or module with -m) to run")
    p.add_argument("args", nargs=argparse.REMAINDER, help="its arguments")
    return p


def find_mpiexec(explicit=None):
    """The mpiexec to use: ``explicit``, else the one beside the running Python (the mpich wheel's), else PATH."""
    if explicit:
        found = shutil.which(explicit)
    else:
        found = shutil.which("mpiexec", path=os.path.dirname(sys.executable)) or shutil.which("mpiexec")
    if found is None:
        raise TorshRuntimeError(f"torshrun: cannot find {explicit or 'mpiexec'}; install MPI (pip install mpich) or "
                                "pass --mpiexec")
    return found


def mpiexec_command(opts):
    """The mpiexec command line that starts ``opts.nnodes * opts.nproc`` workers."""
    if opts.nproc < 1 or opts.nnodes < 1:
        raise TorshRuntimeError(f"torshrun: --nproc and --nnodes must be at least 1 (got {opts.nproc}, "
                                f"{opts.nnodes})")
    cmd = [find_mpiexec(opts.mpiexec), "-n", str(opts.nproc * opts.nnodes)]
    if opts.hostfile:
        cmd += ["-f", opts.hostfile, "-ppn", str(opts.nproc)]
    cmd += shlex.split(opts.mpiexec_args)
    cmd += [sys.executable, "-m", "torsh_distributed.run", "--worker", "--master-port", str(opts.master_port)]
    if opts.master_addr:
        cmd += ["--master-addr", opts.master_addr]
    return cmd + (["-m"] if opts.module else []) + [opts.target, *opts.args]


def _launch(opts):
    """Run mpiexec, forwarding SIGINT/SIGTERM to it; its exit code, with a message when the job failed."""
    proc = subprocess.Popen(mpiexec_command(opts), start_new_session=True)
    forwarded = []

    def forward(signum, frame):
        forwarded.append(signum)
        proc.send_signal(signum)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        while True:
            try:
                rc = proc.wait(timeout=_GRACE_SECONDS if forwarded else None)
                break
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    if rc != 0:
        why = f"signal {signal.Signals(forwarded[0]).name} was forwarded to it" if forwarded else (
            "see the [rank N] messages above")
        print(f"torshrun: the job failed (mpiexec exited with code {rc}); {why}", file=sys.stderr)
    return rc if rc >= 0 else 128 - rc


def _set_environment(opts):
    """torchrun's variables for this rank, taken from MPI."""
    from . import _mpi

    MPI = _mpi.get()
    world = MPI.COMM_WORLD
    hosts = world.allgather(MPI.Get_processor_name())
    nodes = list(dict.fromkeys(hosts))
    local = world.Split_type(MPI.COMM_TYPE_SHARED)
    os.environ.update({
        "RANK": str(world.Get_rank()), "WORLD_SIZE": str(world.Get_size()),
        "LOCAL_RANK": str(local.Get_rank()), "LOCAL_WORLD_SIZE": str(local.Get_size()),
        "GROUP_RANK": str(nodes.index(hosts[world.Get_rank()])), "GROUP_WORLD_SIZE": str(len(nodes)),
        "MASTER_ADDR": opts.master_addr or hosts[0], "MASTER_PORT": str(opts.master_port),
    })
    local.Free()
    return world


def _work(opts):
    """Run the target as this rank; a failure (exception or non-zero exit) on any rank ends the whole job."""
    from . import _excepthook

    world = _set_environment(opts)
    if world.Get_size() > 1:
        _excepthook.install()
    sys.argv = [opts.target, *opts.args]
    try:
        if opts.module:
            runpy.run_module(opts.target, run_name="__main__", alter_sys=True)
        else:
            sys.path.insert(0, os.path.dirname(os.path.abspath(opts.target)))
            runpy.run_path(opts.target, run_name="__main__")
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        if code and world.Get_size() > 1:
            print(f"[rank {world.Get_rank()}] exited with code {code}; aborting the job", file=sys.stderr, flush=True)
            _excepthook.abort(world, code)
        raise
    except BaseException as e:
        sys.excepthook(type(e), e, _script_frames(e.__traceback__))  # aborts the job when there are other ranks
        return 1
    return 0


def _script_frames(tb):
    """The traceback without the launcher's own frames (this module and runpy)."""
    while tb is not None and (tb.tb_frame.f_code.co_filename == __file__ or "runpy" in tb.tb_frame.f_code.co_filename):
        tb = tb.tb_next
    return tb


def main(argv=None):
    opts = _parser().parse_args(argv)
    if opts.worker:
        return _work(opts)
    try:
        return _launch(opts)
    except TorshRuntimeError as e:
        print(e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
