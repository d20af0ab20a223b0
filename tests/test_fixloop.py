"""The one fix loop's record of which rule made which edit, and the bot's plan cut from it."""
from __future__ import annotations

import pathlib

from modcon.engine.config import Config
from modcon.engine.discover import Target
from modcon.engine.fixloop import fix_source
from modcon.engine.fixloop import plan_fixes
from modcon.engine.scope import gather
from modcon.model import Applicability
from modcon.source import SourceFile

# MC101 (shell form), MC160 (no tag) and MC185 (a .dockerignore to add) on one file.
MIXED = 'FROM python\nWORKDIR /app\nCOPY . .\nCMD python app.py\n'
SHELL = 'FROM python:3.12-slim\nCMD python app.py --port 8000\n'


def _inputs(tmp_path: pathlib.Path, files: dict[str, str]) -> list:
    targets = []
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        targets.append(Target(str(path), name, 'dockerfile'))
    return gather(targets)


def test_each_pass_records_the_edits_of_each_rule(tmp_path: pathlib.Path) -> None:
    [item] = _inputs(tmp_path, {'Dockerfile': MIXED})
    result = fix_source(SourceFile(item.path, item.text), item.kind, Config(),
                        Applicability.UNSAFE, project=item.project)
    first = result.passes[0]
    assert first.text == MIXED
    codes = [part.rule.code for part in first.rules]
    assert codes == sorted(codes) and {'MC101', 'MC185'} <= set(codes)
    recorded = [id(f) for p in result.passes for part in p.rules for f in part.applied]
    assert sorted(recorded) == sorted(id(f) for f in result.applied)
    [mc185] = [part for part in first.rules if part.rule.code == 'MC185']
    assert list(mc185.created) == ['.dockerignore'] and result.created == mc185.created
    steps = list(first.steps(Applicability.UNSAFE))
    last_text = steps[-1][1]
    assert last_text == (result.passes[1].text if len(result.passes) > 1 else result.fixed)


def test_the_plan_is_one_change_per_rule_each_on_the_one_before(tmp_path: pathlib.Path) -> None:
    inputs = _inputs(tmp_path, {'Dockerfile': MIXED, 'web/Dockerfile': SHELL})
    plan = plan_fixes(inputs, Config(), Applicability.UNSAFE)
    codes = [change.rule.code for change in plan.changes]
    assert len(codes) == len(set(codes)), codes
    current = {item.path: item.text for item in inputs}
    for change in plan.changes:
        for path, before in change.before.items():
            assert current.get(path, '') == before, (change.rule.code, path)
        # What this rule's fixes alone make of the text before it.
        for path, after in change.files.items():
            if path in current:
                alone = fix_source(SourceFile(path, current[path]), 'dockerfile',
                                   Config(select=(change.rule.code,)), Applicability.UNSAFE)
                assert alone.fixed == after, change.rule.code
        current.update(change.files)
    assert '.dockerignore' in plan.final and plan.original['.dockerignore'] == ''
    assert [c.rule.code for c in plan.changes if '.dockerignore' in c.files] == ['MC185']
    assert not any(f.rule.code == 'MC185' for f in plan.remaining)
    assert {f.path for f in plan.fixed} == {'Dockerfile', 'web/Dockerfile'}


def test_a_rule_the_config_ignores_makes_no_change(tmp_path: pathlib.Path) -> None:
    inputs = _inputs(tmp_path, {'Dockerfile': MIXED})
    plan = plan_fixes(inputs, Config(ignore=('MC101',)), Applicability.UNSAFE)
    assert 'MC101' not in [c.rule.code for c in plan.changes]
    assert 'CMD python app.py' in plan.final['Dockerfile']
