"""``python -m torsh_benches``: run every benchmark (see suite.py)."""

from .suite import main

if __name__ == "__main__":
    raise SystemExit(main())
