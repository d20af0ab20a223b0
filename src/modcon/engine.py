"""Run the rules on one file: check it, or fix it until nothing more applies.

No I/O happens here: the CLI and the Action read and write the files.
"""
from __future__ import annotations

from typing import Any
from typing import NamedTuple

from modcon.config import Config
from modcon.edits import apply_fixes
from modcon.entrypoints.invocation import Invocation
from modcon.errors import RuleCrashed
from modcon.model import Applicability
from modcon.model import Finding
from modcon.model import Fix
from modcon.model import Rule
from modcon.project import OverlayProject
from modcon.project import Project
from modcon.registry import rules_of_kind
from modcon.source import SourceFile

MAX_PASSES = 10


class FixLoopError(RuleCrashed):
    """Fixes kept changing the file: two rules undo each other (a bug)."""


class FileResult(NamedTuple):
    path: str
    original: str
    fixed: str
    findings: list[Finding]  # what remains to report after fixing
    applied: list[Finding]  # the findings whose fixes were written
    created: dict[str, str] = {}  # files to add beside this one (relative path -> text)

    @property
    def changed(self) -> bool:
        return self.fixed != self.original or bool(self.created)


def _document(kind: str, source: SourceFile, invocations: tuple[Invocation, ...],
              project: Project | None = None) -> Any:
    if kind == 'dockerfile':
        from modcon.entrypoints.dockerfile_document import DockerfileDocument

        return DockerfileDocument(source, project)
    if kind in ('python', 'shell', 'javascript'):
        from modcon.entrypoints.code_document import CodeDocument

        return CodeDocument(source, kind, invocations)
    raise ValueError(f'unknown kind {kind!r}')


def check_source(source: SourceFile, kind: str, config: Config,
                 invocations: tuple[Invocation, ...] = (),
                 project: Project | None = None, document: Any = None) -> list[Finding]:
    """Every finding of the enabled rules of ``kind`` in ``source``, in file order.

    ``invocations`` tell entrypoint rules how containers run a code file;
    ``project`` is a Dockerfile's build context, for rules that follow its command.
    ``document`` is ``source`` already parsed with them, when the caller has it.
    """
    if document is None:
        document = _document(kind, source, invocations, project)
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
        except Exception as exc:  # a bug in a rule must not stop the other files
            raise RuleCrashed(rule.code, source.path, exc) from exc
        for hit in hits:
            if file_pragmas is not None and (
                    file_pragmas.silences(rule) or document.pragmas_at(hit.start).silences(rule)):
                continue
            findings.append(_finding(rule, source, hit.start, hit.end, hit.message,
                                     hit.severity, hit.fix, config))
    findings.sort(key=lambda f: (f.start, f.rule.code))
    return findings


def _finding(rule: Rule, source: SourceFile, start: int, end: int, message: str,
             severity: Any, fix: Fix | None, config: Config) -> Finding:
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


def fix_source(
        source: SourceFile, kind: str, config: Config, threshold: Applicability,
        invocations: tuple[Invocation, ...] = (), project: Project | None = None,
        document: Any = None,
) -> FileResult:
    """Apply every fix at or above ``threshold`` until the text stops changing.

    ``document`` is ``source`` already parsed, when the caller has it.
    """
    text = source.text
    applied: list[Finding] = []
    created: dict[str, str] = {}
    if document is None:
        document = _document(kind, source, invocations, project)
    parsed_before = document.error is None
    for _ in range(MAX_PASSES):
        current = SourceFile(source.path, text)
        view = OverlayProject(project, created) if created else project
        findings = check_source(current, kind, config, invocations, view,
                                document if text is source.text and view is project else None)
        fixes = [f.fix for f in findings if f.fix is not None and f.fix.applies(threshold)]
        if not fixes:
            return FileResult(source.path, source.text, text, findings, applied, created)
        new_text, accepted = apply_fixes(text, fixes, threshold)
        accepted_ids = {id(fix) for fix in accepted}
        applied.extend(f for f in findings if f.fix is not None and id(f.fix) in accepted_ids)
        grew = False
        for fix in accepted:
            for new_file in fix.creates:
                if new_file.path not in created and not (view and view.is_file(new_file.path)):
                    created[new_file.path] = new_file.content
                    grew = True
        if parsed_before and _document(kind, SourceFile(source.path, new_text),
                                       invocations).error:
            codes = ', '.join(sorted({f.rule.code for f in findings
                                      if f.fix is not None and id(f.fix) in accepted_ids}))
            raise RuleCrashed(codes, source.path, ValueError('a fix made the file unparsable'))
        if new_text == text and not grew:
            return FileResult(source.path, source.text, text, findings, applied, created)
        text = new_text
    raise FixLoopError('engine', source.path,
                       RuntimeError(f'fixes still changing the file after {MAX_PASSES} passes'))
