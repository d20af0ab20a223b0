"""``modcon verify``: run each container's command as PID 1 and stop it like ``docker stop``.

Exit codes: 0 every container stopped on SIGTERM within the grace period,
1 one ignored it, 2 an input error, 3 one could not be verified here.
"""
from __future__ import annotations

from modcon.cli.explain import say_if_none
from modcon.engine.config import Config
from modcon.engine.discover import discover
from modcon.engine.scope import Scope
from modcon.errors import EXIT_CLEAN
from modcon.errors import EXIT_ERROR
from modcon.errors import EXIT_FINDINGS
from modcon.errors import InputError
from modcon.errors import ModconError
from modcon.errors import report_errors
from modcon.model import Kind
from modcon.printable import printable

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from types import SimpleNamespace

EXIT_UNVERIFIED = 3


def run_verify(args: SimpleNamespace) -> int:
    """``modcon verify``: stop each container's command like ``docker stop``."""
    import json

    from modcon.containers.engine import find_engine
    from modcon.verify.check import verify

    engine = find_engine(args.engine)
    if engine is None and args.engine in ('docker', 'podman'):
        raise ModconError(f'{args.engine} is not usable here (not installed, or it does not '
                          f'answer); --engine namespace uses the PID-namespace emulation')
    skipped: list[str] = []
    targets, errors = discover(args.paths, Config(), skipped)
    say_if_none([t for t in targets if t.kind == Kind.DOCKERFILE], errors, args.paths, skipped)
    results = []
    scope = Scope()
    for target in targets:
        if target.kind != Kind.DOCKERFILE:
            continue
        try:
            item = scope.read(target)
        except InputError as exc:
            errors.append(exc)
            continue
        document = item.dockerfile
        assert document is not None, target.display  # the scope parses each Dockerfile as one
        if document.error is not None:
            errors.append(InputError(target.display, f'does not parse: {document.error.message}'))
            continue
        # The scope reads every Dockerfile with its build context.
        assert item.project is not None, target.display
        results.append(verify(document, target.display, item.project, grace=args.grace,
                              settle=args.settle, engine=engine,
                              fallback=args.engine == 'auto'))
    if args.format == 'json':
        print(json.dumps([r.to_json() for r in results], indent=2))
    else:
        for r in results:
            print(printable(f'{r.dockerfile}: {" ".join(r.command)}: {r.describe()}'))
    report_errors(errors)
    if errors:
        return EXIT_ERROR
    if any(r.result.verified and r.result.killed for r in results):
        return EXIT_FINDINGS
    if any(not r.result.verified for r in results):
        return EXIT_UNVERIFIED
    return EXIT_CLEAN
