"""Resolves ``torsh.<sub>`` to its pip package on first use, with an install hint when it is missing."""

import importlib
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
    """Make ``module_name`` (e.g. 'torsh.nn') be the installed ``package`` itself."""
    mod = require(package, dist)
    sys.modules[module_name] = mod
    return mod
