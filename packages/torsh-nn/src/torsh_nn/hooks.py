"""Hook handles for Module hooks: one handle may unregister a hook from several tables."""

from torsh_autograd.node import RemovableHandle as _Handle


class RemovableHandle(_Handle):
    """``handle.remove()`` drops the hook from its table and from ``extra_dict`` tables (e.g. with_kwargs flags)."""

    def __init__(self, hooks_dict, *, extra_dict=None):
        super().__init__(hooks_dict)
        if extra_dict is None:
            extra_dict = ()
        elif isinstance(extra_dict, dict):
            extra_dict = (extra_dict,)
        self.extra_dicts = tuple(extra_dict)

    def remove(self):
        super().remove()
        for table in self.extra_dicts:
            table.pop(self.id, None)
