"""``torsh.nn.functional``: the torsh-functional package, re-exported so ``import torsh.nn.functional as F`` works."""

import torsh_functional as _impl
from torsh_functional import *  # noqa: F403


def __getattr__(name):
    return getattr(_impl, name)


def __dir__():
    return sorted(set(globals()) | set(dir(_impl)))
