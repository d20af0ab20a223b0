"""Plan fixes rule by rule, so each rule's changes can become a commit of its own.

The bot's pull requests carry one commit per rule, so a reviewer can revert
one kind of change. ``plan_fixes`` applies the rules one after another, in
code order, each to the result of the previous one, and keeps what each rule
changed and why. Rules are re-run until nothing more changes, in case one
rule's fix makes another applicable.
"""
from __future__ import annotations

import posixpath
from typing import NamedTuple

from modcon.config import Config
from modcon.engine import FileResult
from modcon.engine import check_source
from modcon.engine import fix_source
from modcon.entrypoints.invocation import Invocation
from modcon.model import Applicability
from modcon.model import Finding
from modcon.model import Rule
from modcon.project import Project
from modcon.registry import load_rules
from modcon.source import SourceFile

MAX_ROUNDS = 3


class FileInput(NamedTuple):
    path: str  # relative to the repository root, '/'-separated
    text: str
    kind: str
    invocations: tuple[Invocation, ...] = ()
    project: Project | None = None  # a Dockerfile's build context


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


def plan_fixes(inputs: list[FileInput], config: Config,
               threshold: Applicability = Applicability.SAFE) -> FixPlan:
    """Apply each enabled rule in turn to every file; collect the per-rule changes."""
    rules = sorted((r for r in load_rules().values() if config.enabled(r)),
                   key=lambda r: r.code)
    current: dict[str, str] = {f.path: f.text for f in inputs}
    meta: dict[str, FileInput] = {f.path: f for f in inputs}
    # In the order applied: a rule that applies again in a later round (after
    # another rule's fix) gets a change of its own, so every commit built
    # from this list sits on the one before it.
    changes: list[RuleChange] = []
    for _ in range(MAX_ROUNDS):
        progress = False
        for rule in rules:
            single = config._replace(select=(rule.code,), ignore=())
            change = RuleChange(rule, {}, {}, [])
            for path, text in list(current.items()):
                item = meta[path]
                if item.kind != rule.kind:
                    continue
                result: FileResult = fix_source(SourceFile(path, text), item.kind, single,
                                                threshold, item.invocations, item.project)
                if not result.changed:
                    continue
                change.before[path] = text
                change.files[path] = result.fixed
                change.fixed.extend(result.applied)
                current[path] = result.fixed
                for name, created in result.created.items():
                    new_path = posixpath.normpath(posixpath.join(posixpath.dirname(path), name))
                    if new_path not in current:
                        change.before[new_path] = ''
                        change.files[new_path] = created
                        current[new_path] = created
                        meta[new_path] = FileInput(new_path, created, 'other')
            if change.files:
                progress = True
                changes.append(change)
        if not progress:
            break
    remaining: list[Finding] = []
    for path, text in current.items():
        item = meta[path]
        if item.kind == 'other':
            continue
        remaining.extend(check_source(SourceFile(path, text), item.kind, config,
                                      item.invocations, item.project))
    return FixPlan(changes, remaining)
