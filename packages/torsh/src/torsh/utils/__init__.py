"""``torsh.utils``: ``torsh.utils.data`` is the torsh-data package."""


def __getattr__(name):
    if name == "data":
        import importlib

        return importlib.import_module("torsh.utils.data")
    raise AttributeError(f"module 'torsh.utils' has no attribute {name!r}")
