"""Run the rules on one file and report what they find.

No I/O happens here: the CLI and the Action read the files (``scope``);
fixing is ``fixloop``.
"""
from __future__ import annotations

from modcon.engine.config import Config
from modcon.engine.scope import FileInput
from modcon.engine.scope import document_for
from modcon.entrypoints.invocation import Invocation
from modcon.errors import RuleCrashed
from modcon.errors import TooDeep
from modcon.model import Finding
from modcon.model import Fix
from modcon.model import Kind
from modcon.model import Rule
from modcon.model import Severity
from modcon.project import Project
from modcon.registry import rules_of_kind
from modcon.source import SourceFile

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from modcon.document import Document


def check_source(source: SourceFile, kind: Kind, config: Config,
                 invocations: tuple[Invocation, ...] = (),
                 project: Project | None = None,
                 document: Document | None = None) -> list[Finding]:
    """Every finding of the enabled rules of ``kind`` in ``source``, in file order.

    ``invocations`` tell entrypoint rules how containers run a code file;
    ``project`` is a Dockerfile's build context, for rules that follow its command.
    ``document`` is ``source`` already parsed with them, when the caller has it.
    """
    if document is None:
        document = document_for(kind, source, invocations, project)
    # Only the rules that can find something here (their instructions occur) load.
    present = getattr(document, 'instruction_names', None) if document.error is None else None
    rules = [r for r in rules_of_kind(kind, present) if config.enabled(r)]
    if document.error is not None:
        # A file that does not parse gets one finding and nothing else.
        rules = [r for r in rules if r.code == document.SYNTAX_RULE]
    file_pragmas = document.file_pragmas() if document.error is None else None
    findings: list[Finding] = []
    for rule in rules:
        try:
            hits = list(rule.check(document))
        except RecursionError as exc:
            raise TooDeep(rule.code, source.path, exc) from exc
        except Exception as exc:  # a bug in a rule must not stop the other files
            raise RuleCrashed(rule.code, source.path, exc) from exc
        for hit in hits:
            if file_pragmas is not None and (
                    file_pragmas.silences(rule) or
                    document.pragmas_in(hit.start, hit.end).silences(rule)):
                continue
            findings.append(_finding(rule, source, hit.start, hit.end, hit.message,
                                     hit.severity, hit.fix, config))
    findings.sort(key=lambda f: (f.start, f.rule.code))
    return findings


def _finding(rule: Rule, source: SourceFile, start: int, end: int, message: str,
             severity: Severity | None, fix: Fix | None, config: Config) -> Finding:
    if fix is not None:
        fix = fix.with_applicability(config.applicability(rule, fix.applicability))
    return Finding(
        rule=rule,
        path=source.path,
        start=start,
        end=end,
        begin=source.position(start),
        finish=source.position(end),
        message=message,
        severity=severity or rule.severity,
        fix=fix,
    )


def check_file(item: FileInput, config: Config) -> list[Finding]:
    """``check_source`` of a file the scope read (and parsed)."""
    return check_source(item.source, item.kind, config, item.invocations, item.project,
                        item.document)
