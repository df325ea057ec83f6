"""torsh-benches: speed ratios of torsh against PyTorch and NumPy, measured in the same run (never a test)."""

__version__ = "0.1.0"
