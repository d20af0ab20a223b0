"""Plan fixes rule by rule, so each rule's changes can become a commit of its own.

The bot's pull requests carry one commit per rule, so a reviewer can revert
one kind of change. ``plan_fixes`` runs the one fix loop (``engine.fix_source``)
on every file, which records which rule made which edit in each pass, and
cuts that record into changes: pass by pass, rule by rule in code order, the
text after that rule's edits on top of the ones before. A rule that applies
again in a later pass (after another rule's fix) gets a change of its own, so
every commit built from the list sits on the one before it.
"""
from __future__ import annotations

import posixpath
from typing import NamedTuple

from modcon.engine.check import fix_file
from modcon.engine.config import Config
from modcon.engine.scope import FileInput
from modcon.model import Applicability
from modcon.model import Finding
from modcon.model import Rule

__all__ = ['FileInput', 'FixPlan', 'RuleChange', 'plan_fixes']


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
    """Fix every file once; cut what each rule did in each pass into changes."""
    steps: dict[tuple[int, str], RuleChange] = {}
    taken = {item.path for item in inputs}  # a fix never adds a file that is there
    remaining: list[Finding] = []
    for item in inputs:
        result = fix_file(item, config, threshold)
        remaining.extend(result.findings)
        for number, fix_pass in enumerate(result.passes):
            before = fix_pass.text
            for part, after in fix_pass.steps(threshold):
                change = steps.setdefault((number, part.rule.code),
                                          RuleChange(part.rule, {}, {}, []))
                changed = after != before
                if changed:
                    change.before.setdefault(item.path, before)
                    change.files[item.path] = after
                for name, text in part.created.items():
                    new_path = posixpath.normpath(posixpath.join(posixpath.dirname(item.path),
                                                                 name))
                    if new_path not in taken:
                        taken.add(new_path)
                        change.before[new_path] = ''
                        change.files[new_path] = text
                        changed = True
                if changed:
                    change.fixed.extend(part.applied)
                before = after
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


def _merge(into: RuleChange, later: RuleChange) -> None:
    for path, text in later.before.items():
        into.before.setdefault(path, text)
    into.files.update(later.files)
    into.fixed.extend(later.fixed)
