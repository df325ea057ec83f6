"""torshrun: the environment it gives each rank, and a failing or signalled job ending promptly, never hanging."""

import os
import signal
import subprocess
import sys
import textwrap
import time

from torsh_distributed import run

TORSHRUN = [sys.executable, "-m", "torsh_distributed.run"]


def _script(tmp_path, body, name="job.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return str(path)


def test_mpiexec_command_line(mpiexec_path):
    opts = run._parser().parse_args(["--nproc", "3", "--hostfile", "hosts", "--nnodes", "2", "--mpiexec",
                                     mpiexec_path, "--master-port", "1234", "train.py", "--lr", "0.1"])
    cmd = run.mpiexec_command(opts)
    assert cmd[:7] == [mpiexec_path, "-n", "6", "-f", "hosts", "-ppn", "3"]
    assert cmd[7:] == [sys.executable, "-m", "torsh_distributed.run", "--worker", "--master-port", "1234",
                       "train.py", "--lr", "0.1"]


def test_bad_process_count_is_reported(capsys):
    assert run.main(["--nproc", "0", "x.py"]) == 2
    assert "--nproc and --nnodes must be at least 1" in capsys.readouterr().err


def test_environment_of_each_rank(tmp_path, job, mpiexec_path):
    script = _script(tmp_path, """
        import os, sys
        keys = ["RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "GROUP_RANK", "MASTER_ADDR", "MASTER_PORT"]
        with open(os.path.join(os.path.dirname(__file__), "env" + os.environ["RANK"]), "w") as f:
            f.write(" ".join([os.environ[k] for k in keys] + sys.argv[1:]))
    """)
    proc, _ = job([*TORSHRUN, "--nproc", "2", "--master-addr", "here", script, "--flag", "v"], timeout=60)
    assert proc.returncode == 0, proc.stderr
    for r in range(2):
        assert (tmp_path / f"env{r}").read_text() == f"{r} 2 {r} 2 0 here 29500 --flag v"


def test_module_mode(tmp_path, job, mpiexec_path):
    _script(tmp_path, "import os\nprint('MODULE', os.environ['RANK'])\n", name="torsh_job_mod.py")
    env_path = os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])
    proc = subprocess.run([*TORSHRUN, "--nproc", "1", "-m", "torsh_job_mod"], capture_output=True, text=True,
                          timeout=60, env=dict(os.environ, PYTHONPATH=env_path))
    assert proc.returncode == 0, proc.stderr
    assert "MODULE 0" in proc.stdout


FAILING = """
    import torsh_distributed as dist
    dist.init_process_group()
    if dist.get_rank() == 1:
        raise ValueError("rank one fails on purpose")
    dist.barrier()  # rank 0 would wait here forever without the abort
"""


def test_exception_on_one_rank_ends_the_job(tmp_path, job, mpiexec_path):
    proc, seconds = job([*TORSHRUN, "--nproc", "2", _script(tmp_path, FAILING)], timeout=60)
    assert proc.returncode != 0
    assert "[rank 1] ValueError: rank one fails on purpose" in proc.stderr
    assert "torshrun: the job failed" in proc.stderr
    assert seconds < 20


def test_exception_under_plain_mpiexec_ends_the_job(tmp_path, job, mpiexec_path):
    proc, seconds = job([mpiexec_path, "-n", "2", sys.executable, _script(tmp_path, FAILING)], timeout=60)
    assert proc.returncode != 0
    assert "[rank 1] uncaught ValueError" in proc.stderr and "rank one fails on purpose" in proc.stderr
    assert seconds < 20


def test_nonzero_exit_on_one_rank_ends_the_job(tmp_path, job, mpiexec_path):
    script = _script(tmp_path, """
        import sys, torsh_distributed as dist
        dist.init_process_group()
        if dist.get_rank() == 0:
            sys.exit(3)
        dist.barrier()
    """)
    proc, seconds = job([*TORSHRUN, "--nproc", "2", script], timeout=60)
    assert proc.returncode != 0
    assert "[rank 0] exited with code 3" in proc.stderr
    assert seconds < 20


def test_sigterm_is_forwarded(tmp_path, mpiexec_path):
    script = _script(tmp_path, """
        import time, torsh_distributed as dist
        dist.init_process_group()
        print("ready", flush=True)
        time.sleep(120)
    """)
    proc = subprocess.Popen([*TORSHRUN, "--nproc", "2", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        seen = ""
        while seen.count("ready") < 2:  # the two ranks' lines may come interleaved
            line = proc.stdout.readline()
            assert line, "the job ended before both ranks were ready"
            seen += line
        start = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 0
    assert "signal SIGTERM was forwarded" in err
    assert time.monotonic() - start < 15


def test_missing_mpiexec_is_reported(capsys):
    assert run.main(["--mpiexec", "definitely-not-an-mpiexec", "x.py"]) == 2
    assert "cannot find definitely-not-an-mpiexec" in capsys.readouterr().err
