"""Allow ``python -m modcon``."""
from __future__ import annotations

from modcon.cli import main

if __name__ == '__main__':
    raise SystemExit(main())
