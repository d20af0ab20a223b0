"""The one fix loop, and the bot's plan of fixes rule by rule cut from its record.

``fix_source`` applies every fix until the text stops changing, and records
in each pass which rule made which edit. The bot's pull requests carry one
commit per rule, so a reviewer can revert one kind of change: ``plan_fixes``
runs the fix loop on every file and cuts its record into changes: pass by pass,
rule by rule in code order, the text after that rule's edits on top of the ones
before. A rule that applies
again in a later pass (after another rule's fix) gets a change of its own, so
every commit built from the list sits on the one before it.
"""
from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping

from modcon.edits import apply_fixes
from modcon.engine.check import check_source
from modcon.engine.config import Config
from modcon.engine.scope import FileInput
from modcon.engine.scope import document_for
from modcon.entrypoints.invocation import Invocation
from modcon.errors import RuleCrashed
from modcon.model import Applicability
from modcon.model import Finding
from modcon.model import Fix
from modcon.model import Kind
from modcon.model import Rule
from modcon.model import created_path
from modcon.named_tuple import NamedTuple
from modcon.project import OverlayProject
from modcon.project import Project
from modcon.source import SourceFile

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from modcon.document import Document

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


def fix_source(
        source: SourceFile, kind: Kind, config: Config, threshold: Applicability,
        invocations: tuple[Invocation, ...] = (), project: Project | None = None,
        document: Document | None = None,
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


def fix_file(item: FileInput, config: Config, threshold: Applicability) -> FileResult:
    """``fix_source`` of a file the scope read (and parsed).

    Its caller may write the result (``modcon fix``, the Action's fix mode): what
    the build context said so far is forgotten, so that the files checked next
    see the tree as the write leaves it (the ``.dockerignore`` a fix creates).
    """
    result = fix_source(item.source, item.kind, config, threshold, item.invocations,
                        item.project, item.document)
    if item.project is not None:
        item.project.forget()
    return result




class RuleChange(NamedTuple):
    """What one rule changed: the new text of each file it touched, and the findings fixed."""

    rule: Rule
    files: dict[str, str]  # path -> text after this rule
    before: dict[str, str]  # path -> text before this rule
    fixed: list[Finding]


class FixPlan(NamedTuple):
    changes: list[RuleChange]
    remaining: list[Finding]  # what is left for a person after every fix

    @property
    def final(self) -> dict[str, str]:
        """Every changed file's final text."""
        out: dict[str, str] = {}
        for change in self.changes:
            out.update(change.files)
        return out

    @property
    def original(self) -> dict[str, str]:
        """Every changed file's text before the first fix ('' for a file a fix adds)."""
        out: dict[str, str] = {}
        for change in self.changes:
            for path, text in change.before.items():
                out.setdefault(path, text)
        return out

    @property
    def fixed(self) -> list[Finding]:
        return [f for change in self.changes for f in change.fixed]


# Rounds over all the files of a run: a fix in one can change what another needs
# (``plan_fixes``; ``modcon fix`` and the Action's fix mode round the same way).
MAX_ROUNDS = 4


def plan_fixes(inputs: list[FileInput], config: Config,
               threshold: Applicability = Applicability.SAFE,
               again: Callable[[Mapping[str, str]], list[FileInput]] | None = None) -> FixPlan:
    """Fix every file; cut what each rule did in each pass into changes.

    Files depend on each other: once a script `exec`s Python, the Dockerfile that
    runs it may need ``STOPSIGNAL SIGINT``. ``again`` reads the same files as if
    they held the given texts (path -> text); with it, the plan goes round over
    the files as the last round left them until a round changes nothing, and
    each round's changes follow the last's.
    """
    steps: dict[tuple[int, int, str], RuleChange] = {}
    taken = {item.path for item in inputs}  # a fix never adds a file that is there
    texts: dict[str, str] = {}
    remaining: list[Finding] = []
    for round_number in range(MAX_ROUNDS):
        remaining = []
        changed = _plan_round(round_number, inputs, config, threshold, steps, taken, texts,
                              remaining)
        if not changed or again is None:
            break
        inputs = again(texts)
    changes: list[RuleChange] = []
    for key in sorted(steps):
        change = steps[key]
        if not change.files:
            continue
        if changes and changes[-1].rule.code == change.rule.code:
            # The same rule again in the next pass, with nothing in between: one change.
            _merge(changes[-1], change)
        else:
            changes.append(change)
    return FixPlan(changes, remaining)


def _plan_round(round_number: int, inputs: list[FileInput], config: Config,
                threshold: Applicability, steps: dict[tuple[int, int, str], RuleChange],
                taken: set[str], texts: dict[str, str], remaining: list[Finding]) -> bool:
    """One round of ``plan_fixes``: its changes into ``steps``, each file's text after
    them into ``texts``, what is left into ``remaining``; whether anything changed."""
    any_change = False
    for item in inputs:
        result = fix_file(item, config, threshold)
        remaining.extend(result.findings)
        for number, fix_pass in enumerate(result.passes):
            before = fix_pass.text
            for part, after in fix_pass.steps(threshold):
                change = steps.setdefault((round_number, number, part.rule.code),
                                          RuleChange(part.rule, {}, {}, []))
                changed = after != before
                if changed:
                    change.before.setdefault(item.path, before)
                    change.files[item.path] = after
                for name, text in part.created.items():
                    new_path = created_path(item.path, name)
                    if new_path not in taken:
                        taken.add(new_path)
                        change.before[new_path] = ''
                        change.files[new_path] = texts[new_path] = text
                        changed = True
                if changed:
                    change.fixed.extend(part.applied)
                    any_change = True
                before = after
        if result.fixed != result.original:
            texts[item.path] = result.fixed
    return any_change


def _merge(into: RuleChange, later: RuleChange) -> None:
    for path, text in later.before.items():
        into.before.setdefault(path, text)
    into.files.update(later.files)
    into.fixed.extend(later.fixed)
