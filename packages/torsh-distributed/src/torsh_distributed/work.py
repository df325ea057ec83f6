"""``Work``: the handle of an operation started with ``async_op=True`` (or isend/irecv)."""

import datetime
import time

from torsh_core.errors import TorshNotImplementedError, TorshRuntimeError

from ._mpi import translate_errors


class Work:
    """Wraps MPI requests (or CUDA events, anything with ``Test()``/``Wait()``); the result is written into the
    output tensors by ``finish`` once they complete, so read outputs only after ``wait()`` or ``is_completed()``."""

    def __init__(self, requests, finish=None, result=(), status=None, source=None):
        self._requests = list(requests)
        self._finish = finish
        self._result = list(result)
        self._status = status
        self._source = source
        self._done = False

    def _complete(self):
        self._done = True
        self._requests = []
        if self._finish is not None:
            finish, self._finish = self._finish, None
            finish()

    @translate_errors
    def is_completed(self):
        """True once the operation finished (polling also lets MPI progress it)."""
        if not self._done and all(r.Test(self._status if i == 0 else None) for i, r in enumerate(self._requests)):
            self._complete()
        return self._done

    @translate_errors
    def wait(self, timeout=None):
        """Block until the operation finished; RuntimeError if ``timeout`` (seconds or a timedelta) passes first."""
        if self._done:
            return True
        if timeout is None:
            for i, r in enumerate(self._requests):
                r.Wait(self._status if i == 0 else None)
        else:
            seconds = timeout.total_seconds() if isinstance(timeout, datetime.timedelta) else float(timeout)
            deadline = time.monotonic() + seconds
            pause = 1e-5
            while not self.is_completed():
                if time.monotonic() > deadline:
                    raise TorshRuntimeError(f"Work.wait: the operation did not complete within {seconds} s")
                time.sleep(pause)
                pause = min(pause * 2, 0.01)
            return True
        self._complete()
        return True

    synchronize = wait

    def is_success(self):
        return self.is_completed()

    def exception(self):
        return None

    def result(self):
        """The output tensors (after waiting for them)."""
        self.wait()
        return self._result

    def source_rank(self):
        """The global rank a receive from any source got its message from."""
        if self._source is None:
            raise TorshRuntimeError("source_rank() is only available for receives (irecv)")
        self.wait()
        return self._source()

    def get_future(self):
        raise TorshNotImplementedError("Work.get_future() is not supported by torsh.distributed; use wait()")
