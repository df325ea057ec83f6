"""``python -m torsh_benches``: run every benchmark (today: the per-op overhead one)."""

from .overhead import main

if __name__ == "__main__":
    raise SystemExit(main())
