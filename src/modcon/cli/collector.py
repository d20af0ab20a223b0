"""The cyclic garbage collector waits while modcon starts.

A cold check imports some 150 modules and builds its rules, tables and first
document: objects that live until the process ends, and nearly all its
allocations. The collector, run every 700 allocations, would walk them again
and again to free nothing. The console script turns it off first thing
(``pause``); the run turns it back on (``resume``) once its work goes beyond
its first file, so a batch, a long ``fix`` or the Action collects as always.
"""
from __future__ import annotations

import gc

_paused = False


def pause() -> None:
    """Start-up: no collection until ``resume``."""
    global _paused
    gc.disable()
    _paused = True


def resume() -> None:
    """From here on collect as usual. What exists now lives to the end of the
    run (modules, rules, tables) and is frozen, so that no collection walks it
    again; whatever start-up left to collect is collected first."""
    global _paused
    if _paused:
        _paused = False
        gc.collect()
        gc.freeze()
        gc.enable()
