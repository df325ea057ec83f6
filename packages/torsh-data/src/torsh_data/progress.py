"""A progress bar for training loops: ``for x, y in progress(loader, desc="epoch 1"): ...``."""

from tqdm import tqdm


def progress(iterable, *, desc=None, unit="batch", **tqdm_kwargs):
    """Wrap ``iterable`` (typically a DataLoader, whose len() gives the total) in a tqdm bar.

    Any tqdm option can be passed (``leave``, ``total``, ``disable``, ``file``...); the bar is returned, so
    ``bar.set_postfix(loss=...)`` works inside the loop.
    """
    return tqdm(iterable, desc=desc, unit=unit, **tqdm_kwargs)
