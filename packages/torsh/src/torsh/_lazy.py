"""Resolves ``torsh.<sub>`` to its pip package on first use, with an install hint when it is missing."""

import importlib
import importlib.util
import sys

# torsh.<attribute> -> (import package, pip distribution)
SUBPACKAGES = {
    "nn": ("torsh_nn", "torsh-nn"),
    "optim": ("torsh_optim", "torsh-optim"),
    "sparse": ("torsh_sparse", "torsh-sparse"),
    "linalg": ("torsh_linalg", "torsh-linalg"),
    "special": ("torsh_special", "torsh-special"),
    "fft": ("torsh_signal", "torsh-signal"),
    "distributed": ("torsh_distributed", "torsh-distributed"),
    "jit": ("torsh_jit", "torsh-jit"),
    "fx": ("torsh_fx", "torsh-fx"),
    "quantization": ("torsh_quantization", "torsh-quantization"),
    "vision": ("torsh_vision", "torsh-vision"),
    "text": ("torsh_text", "torsh-text"),
}


def require(package, dist):
    """Import ``package``; ImportError naming the pip package to install if it is absent."""
    try:
        return importlib.import_module(package)
    except ModuleNotFoundError as e:
        if e.name != package:
            raise
        raise ImportError(f"this part of torsh lives in the '{dist}' package: pip install {dist}") from None


def alias(module_name, package, dist):
    """Make ``module_name`` (e.g. 'torsh.nn') be the installed ``package`` itself, submodules included."""
    mod = require(package, dist)
    sys.modules[module_name] = mod
    _SUBMODULES.prefixes[module_name + "."] = package + "."
    if _SUBMODULES not in sys.meta_path:
        sys.meta_path.insert(0, _SUBMODULES)
    return mod


class _SubmoduleAliases:
    """Import 'torsh.nn.utils.rnn' as the very module 'torsh_nn.utils.rnn' (not a second copy with its own classes)."""

    def __init__(self):
        self.prefixes = {}

    def find_spec(self, fullname, path=None, target=None):
        for prefix in self.prefixes:
            if fullname.startswith(prefix):
                return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        for prefix, package in self.prefixes.items():
            if spec.name.startswith(prefix):
                return importlib.import_module(package + spec.name[len(prefix):])

    def exec_module(self, module):
        pass


_SUBMODULES = _SubmoduleAliases()
