"""How long, and from which seed, the fuzz tests run.

``make test`` runs one short round of each fuzz test; ``make fuzz`` runs them
for ``FUZZ_BUDGET`` seconds in all (default 600 in the Makefile). ``FUZZ_SEED``
(default 13) fixes the examples: a run is repeated exactly by giving the same
seed and budget (the number of rounds depends on the machine's speed; every
round's examples depend on the seed only). A failure prints the seed of its
round and hypothesis's shrunk counterexample, which becomes a regression
fixture in ``tests/fuzz/regressions``.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable

from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import seed
from hypothesis import settings
from hypothesis.strategies import SearchStrategy

FUZZ_TESTS = 5  # the tests that call run_for_budget; FUZZ_BUDGET is shared among them
SEED = int(os.environ.get('FUZZ_SEED', '13'))
# `make test` sets no budget: one short round per test. `make fuzz` shares its
# FUZZ_BUDGET (seconds, for the whole run) among the fuzz tests.
BUDGET = float(os.environ.get('FUZZ_BUDGET', '0')) / FUZZ_TESTS
ROUND = 25 if BUDGET else 6  # examples per round


def run_for_budget(prop: Callable[..., None], examples: int | None = None,
                   **strategies: SearchStrategy) -> int:  # type: ignore[type-arg]
    """Run ``prop`` as a hypothesis test over ``strategies`` in rounds of
    ``examples`` until the budget is spent (at least one round); returns the
    number of rounds."""
    end = time.monotonic() + BUDGET
    if examples is None or not BUDGET:
        examples = min(examples or ROUND, ROUND)
    rounds = 0
    while True:
        round_seed = SEED * 1_000_003 + rounds
        configured = settings(max_examples=examples, deadline=None, database=None,
                              derandomize=False, print_blob=True,
                              suppress_health_check=list(HealthCheck))(given(**strategies)(prop))
        try:
            seed(round_seed)(configured)()
        except Exception as exc:
            exc.add_note(f'fuzz round {rounds}: FUZZ_SEED={SEED} (round seed {round_seed})')
            raise
        rounds += 1
        if time.monotonic() >= end:
            if BUDGET:  # shown by `make fuzz` (pytest -s)
                print(f'\n{prop.__qualname__}: {rounds} rounds of {examples} examples, '
                      f'FUZZ_SEED={SEED}', flush=True)
            return rounds
