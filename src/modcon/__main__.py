"""Allow ``python -m modcon``; also the ``modcon`` console script."""
from __future__ import annotations

import gc


def console() -> None:
    """Run ``main`` in a process of its own, then end the process."""
    gc.disable()  # before the command line is imported: see modcon/cli/collector.py
    import modcon
    from modcon import code_cache

    cache = code_cache.install('modcon', modcon.__path__[0])
    from modcon.cli import collector
    from modcon.cli import main

    collector.pause()
    status = main()
    if cache is not None:
        cache.save()
    # The interpreter's last collection would walk every module, rule and table
    # once more to free nothing: about a twentieth of a cold check. Frozen, it
    # skips them; files are closed and streams flushed as before.
    gc.freeze()
    raise SystemExit(status)


if __name__ == '__main__':
    console()
