"""Start-up work that makes a container slow or risky to replace: what it looks like.

Used by the property-3 rules on the steps of ``_start_commands``:

* ``migration(values)``: a database migration tool run with its "apply"
  verb (``manage.py migrate``, ``alembic upgrade``, ``rails db:migrate``,
  ``prisma migrate deploy``, ...);
* ``fixed_sleep(command)``: ``sleep N`` as a step of its own, the usual
  stand-in for "wait until the database is up";
* ``keep_alive(command)``: a final command whose only job is to keep the
  container running (``sleep infinity``, ``tail -f /dev/null``);
* ``gated(command)``: a step inside a branch that tests a named variable
  (``if [ "$RUN_MIGRATIONS" = 1 ]``), which the operator switches on for one
  container only; that is the recommended way to keep such steps in the
  image.
"""
from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence

from modcon.readers.javascript.package_scripts import PACKAGE_RUNNERS
from modcon.readers.shell.simple_commands import BRANCH
from modcon.readers.shell.simple_commands import CONDITION
from modcon.readers.shell.simple_commands import FUNCTION
from modcon.readers.shell.simple_commands import LOOP
from modcon.readers.shell.simple_commands import Command

# (program, words that must follow it) -> what to call it.
_MIGRATIONS: tuple[tuple[frozenset[str], tuple[str, ...]], ...] = (
    (frozenset(('manage.py', 'django-admin')), ('migrate',)),
    (frozenset(('alembic',)), ('upgrade',)),
    (frozenset(('flask',)), ('db', 'upgrade')),
    (frozenset(('rails', 'rake')), ('db:migrate',)),
    (frozenset(('rails', 'rake')), ('db:prepare',)),
    (frozenset(('rails', 'rake')), ('db:setup',)),
    (frozenset(('prisma',)), ('migrate',)),
    (frozenset(('knex',)), ('migrate:latest',)),
    (frozenset(('sequelize', 'sequelize-cli')), ('db:migrate',)),
    (frozenset(('typeorm', 'typeorm-ts-node-commonjs')), ('migration:run',)),
    (frozenset(('artisan',)), ('migrate',)),
    (frozenset(('flyway',)), ('migrate',)),
    (frozenset(('liquibase',)), ('update',)),
    (frozenset(('goose',)), ('up',)),
    (frozenset(('dbmate',)), ('up',)),
    (frozenset(('migrate',)), ('up',)),
    (frozenset(('diesel',)), ('migration', 'run')),
    (frozenset(('mix',)), ('ecto.migrate',)),
)
_DURATION = r'^(\d+(?:\.\d+)?)([smhd]?)$'
_UNIT = {'': 1, 's': 1, 'm': 60, 'h': 3600, 'd': 86400}
_NAMED_VARIABLE = r'\$\{?[A-Za-z_][A-Za-z0-9_]*'


def migration(values: Sequence[str | None]) -> str | None:
    """The migration a command runs, as written (``manage.py migrate``), or None."""
    words = [w for w in values if w is not None]
    if not words:
        return None
    names = [posixpath.basename(w) for w in words]
    if names[0] in PACKAGE_RUNNERS:  # `npm run migrate`, `yarn db:migrate`
        script = next((w for w in words[1:] if not w.startswith('-') and w != 'run'), '')
        return f'{names[0]} {"run " if "run" in words else ""}{script}' \
            if 'migrat' in script else None
    for index, name in enumerate(names):
        for programs, verbs in _MIGRATIONS:
            if name not in programs:
                continue
            rest = words[index + 1:]  # options may come between the program and its verb
            for at in range(len(rest) - len(verbs) + 1):
                if rest[at:at + len(verbs)] == list(verbs):
                    return ' '.join((name, *verbs))
    return None


def seconds(word: str | None) -> float | None:
    if word is None:
        return None
    if word.lower() in ('inf', 'infinity'):  # GNU sleep reads both, in any case
        return float('inf')
    match = re.match(_DURATION, word)
    return float(match[1]) * _UNIT[match[2]] if match else None


def fixed_sleep(command: Command) -> float | None:
    """The seconds a `sleep N` step waits, for a step that only waits."""
    if command.program != 'sleep' or command.final or command.background:
        return None
    if command.context & {LOOP, FUNCTION, CONDITION}:
        return None  # `until nc -z db 5432; do sleep 1; done` is a real readiness check
    waited = seconds(command.values[1] if len(command.values) > 1 else None)
    return waited if waited and waited != float('inf') else None


def keep_alive(words: Sequence[str | None]) -> str | None:
    """The command as written, when all it does is keep the container running."""
    values = list(words)
    if values and values[0] == 'exec':
        values = values[1:]
    if not values or values[0] is None:
        return None
    name = posixpath.basename(values[0])
    if name == 'sleep' and len(values) == 2:
        waited = seconds(values[1])
        if waited is not None and waited >= 86400:
            return f'sleep {values[1]}'
    if name == 'tail' and any(v in ('-f', '-F', '--follow') or
                              (v is not None and v.startswith('--follow')) for v in values[1:]):
        return ' '.join(v for v in values if v is not None)
    return None


def gated(command: Command) -> bool:
    """Inside a branch whose condition tests a named variable (not `$1`/`$@`)."""
    return BRANCH in command.context and any(re.search(_NAMED_VARIABLE, c)
                                             for c in command.conditions)
