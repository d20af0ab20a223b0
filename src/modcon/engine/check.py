"""Run the rules on one file: check it, or fix it until nothing more applies.

No I/O happens here: the CLI and the Action read and write the files.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from typing import NamedTuple

from modcon.edits import apply_fixes
from modcon.engine.config import Config
from modcon.engine.scope import FileInput
from modcon.engine.scope import document_for
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


class RuleEdits(NamedTuple):
    """One rule's part of a pass of the fix loop."""

    rule: Rule
    applied: list[Finding]  # the findings whose fixes were applied, in file order
    created: dict[str, str]  # the files its fixes add (relative path -> text)


class FixPass(NamedTuple):
    """One pass of the fix loop: the text it started from, and which rule made
    which of its edits (rules in code order)."""

    text: str
    rules: list[RuleEdits]

    def steps(self, threshold: Applicability) -> Iterator[tuple[RuleEdits, str]]:
        """Each rule's edits applied on top of the rules' before it: the rule's part,
        and the text after it. The edits of a pass never overlap, so the text
        after the last rule is the text the pass made."""
        fixes: list[Fix] = []
        for part in self.rules:
            fixes.extend(f.fix for f in part.applied if f.fix is not None)
            yield part, apply_fixes(self.text, fixes, threshold)[0]


class FileResult(NamedTuple):
    path: str
    original: str
    fixed: str
    findings: list[Finding]  # what remains to report after fixing
    applied: list[Finding]  # the findings whose fixes were written
    created: dict[str, str] = {}  # files to add beside this one (relative path -> text)
    passes: tuple[FixPass, ...] = ()  # how ``fixed`` came about, pass by pass

    @property
    def changed(self) -> bool:
        return self.fixed != self.original or bool(self.created)


def check_source(source: SourceFile, kind: str, config: Config,
                 invocations: tuple[Invocation, ...] = (),
                 project: Project | None = None, document: Any = None) -> list[Finding]:
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

    Each pass checks the text once with every rule, applies the fixes that do
    not collide and records which rule made which edit (``FileResult.passes``).
    ``document`` is ``source`` already parsed, when the caller has it; each
    later pass checks the document parsed to see that the fixes kept the file
    parseable.
    """
    text = source.text
    applied: list[Finding] = []
    created: dict[str, str] = {}
    passes: list[FixPass] = []
    view = project
    if document is None:
        document = document_for(kind, source, invocations, project)
    parsed_before = document.error is None
    for _ in range(MAX_PASSES):
        findings = check_source(document.source, kind, config, invocations, view, document)
        fixes = [f.fix for f in findings if f.fix is not None and f.fix.applies(threshold)]
        if not fixes:
            return FileResult(source.path, source.text, text, findings, applied, created,
                              tuple(passes))
        new_text, accepted = apply_fixes(text, fixes, threshold)
        accepted_ids = {id(fix) for fix in accepted}
        done = [f for f in findings if f.fix is not None and id(f.fix) in accepted_ids]
        applied.extend(done)
        parts: dict[str, RuleEdits] = {}
        for finding in sorted(done, key=lambda f: f.rule.code):
            part = parts.setdefault(finding.rule.code, RuleEdits(finding.rule, [], {}))
            part.applied.append(finding)
            for new_file in finding.fix.creates if finding.fix is not None else ():
                if new_file.path not in created and not (view and view.is_file(new_file.path)):
                    created[new_file.path] = part.created[new_file.path] = new_file.content
        passes.append(FixPass(text, list(parts.values())))
        grew = any(part.created for part in parts.values())
        if new_text == text and not grew:
            return FileResult(source.path, source.text, text, findings, applied, created,
                              tuple(passes))
        view = OverlayProject(project, created) if created else project
        document = document_for(kind, SourceFile(source.path, new_text), invocations, view)
        if parsed_before and document.error:
            codes = ', '.join(sorted(parts))
            raise RuleCrashed(codes, source.path, ValueError('a fix made the file unparsable'))
        text = new_text
    raise FixLoopError('engine', source.path,
                       RuntimeError(f'fixes still changing the file after {MAX_PASSES} passes'))


def check_file(item: FileInput, config: Config) -> list[Finding]:
    """``check_source`` of a file the scope read (and parsed)."""
    return check_source(item.source, item.kind, config, item.invocations, item.project,
                        item.document)


def fix_file(item: FileInput, config: Config, threshold: Applicability) -> FileResult:
    """``fix_source`` of a file the scope read (and parsed)."""
    return fix_source(item.source, item.kind, config, threshold, item.invocations,
                      item.project, item.document)
