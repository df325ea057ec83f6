"""torsh-nn: ``torsh.nn`` — Module, Parameter, layers, losses, init, state_dict, hooks and utils."""

from . import functional, init, utils
from .modules import *  # noqa: F403
from .modules import Module
from .modules.container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .parameter import Buffer, Parameter

__version__ = "0.1.0"
