"""Which files a run scans, from the event that started the workflow.

Only what changed is scanned: a pull request's files (base...head), a push's
before..after (a new branch against the default branch; a force push by
GitHub's merge-base comparison; a tag or a dispatch or a schedule: all).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from collections.abc import Mapping

from modcon.errors import ConfigError
from modcon.named_tuple import NamedTuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

EMPTY_SHA = '0' * 40


class Context(NamedTuple):
    """The run as the runner describes it in ``GITHUB_*`` variables."""

    event_name: str
    payload: dict[str, Any]
    repository: str
    sha: str
    ref: str
    workspace: str
    api_url: str
    server_url: str
    run_url: str | None
    output: str | None
    summary: str | None


def read_context(env: Mapping[str, str]) -> Context:
    path = env.get('GITHUB_EVENT_PATH', '')
    payload: dict[str, Any] = {}
    if path:
        try:
            with open(path, encoding='utf-8') as f:
                loaded = json.load(f)
        except (OSError, ValueError) as exc:
            raise ConfigError(f'cannot read the event at GITHUB_EVENT_PATH: {exc}') from None
        except RecursionError:  # json recurses per level of nesting
            raise ConfigError('cannot read the event at GITHUB_EVENT_PATH: '
                              'nested too deeply') from None
        if not isinstance(loaded, dict):
            raise ConfigError('the event at GITHUB_EVENT_PATH is not a JSON object')
        check_shape(env.get('GITHUB_EVENT_NAME', ''), loaded)
        payload = loaded
    server = env.get('GITHUB_SERVER_URL', 'https://github.com').rstrip('/')
    repository = env.get('GITHUB_REPOSITORY', '')
    run_id = env.get('GITHUB_RUN_ID')
    return Context(
        event_name=env.get('GITHUB_EVENT_NAME', ''),
        payload=payload,
        repository=repository,
        sha=env.get('GITHUB_SHA', ''),
        ref=env.get('GITHUB_REF', ''),
        workspace=env.get('GITHUB_WORKSPACE', '.'),
        api_url=env.get('GITHUB_API_URL', 'https://api.github.com').rstrip('/'),
        server_url=server,
        run_url=f'{server}/{repository}/actions/runs/{run_id}' if run_id and repository else None,
        output=env.get('GITHUB_OUTPUT') or None,
        summary=env.get('GITHUB_STEP_SUMMARY') or None,
    )


# The fields modcon reads, by event, with their JSON types; (int,) excludes bool.
_SHAPES: dict[str, dict[str, tuple[type, ...]]] = {
    'pull_request': {'pull_request': (dict,), 'pull_request.number': (int,), 'number': (int,),
                     'pull_request.base': (dict,), 'pull_request.base.ref': (str,)},
    'push': {'ref': (str,), 'before': (str,), 'after': (str,), 'created': (bool,),
             'deleted': (bool,), 'forced': (bool,), 'repository': (dict,),
             'repository.default_branch': (str,)},
    'issue_comment': {'action': (str,), 'issue': (dict,), 'issue.number': (int,),
                      'issue.pull_request': (dict,), 'comment': (dict,), 'comment.id': (int,),
                      'comment.body': (str,), 'comment.user': (dict,),
                      'comment.user.login': (str,), 'comment.user.type': (str,),
                      'sender': (dict,), 'sender.type': (str,)},
    'workflow_dispatch': {'repository': (dict,), 'repository.default_branch': (str,)},
}
_SHAPES['pull_request_target'] = _SHAPES['pull_request']
_SHAPES['schedule'] = _SHAPES['workflow_dispatch']


def check_shape(event: str, payload: dict[str, Any]) -> None:
    """ConfigError when a field modcon reads has the wrong JSON type (absent or
    null is fine: the code that reads it has a default)."""
    for path, types in _SHAPES.get(event, {}).items():
        value: Any = payload
        for key in path.split('.'):
            value = value.get(key) if isinstance(value, dict) else None
        if value is not None and (not isinstance(value, types) or
                                  (isinstance(value, bool) and bool not in types)):
            raise ConfigError(f'the {event} event at GITHUB_EVENT_PATH is malformed: {path} '
                              f'is {type(value).__name__}, not {types[0].__name__}')


class ScanPlan(NamedTuple):
    everything: bool
    changed: tuple[str, ...]  # repository-relative paths present after the change
    description: str
    base: str | None  # the branch a fix pull request would target
    skip: str | None = None  # why this run scans nothing


def _branch(ref: str) -> str | None:
    return ref[len('refs/heads/'):] if ref.startswith('refs/heads/') else None


def plan_scan(context: Context, repo: Callable[[], Any]) -> ScanPlan:
    """What to scan; ``repo()`` gives a RepoGateway when the API is needed."""
    event = context.event_name
    payload = context.payload
    if event in ('pull_request', 'pull_request_target'):
        pull = payload.get('pull_request') or {}
        number = pull.get('number') or payload.get('number')
        if not number:
            raise ConfigError(f'the {event} event has no pull request number')
        files = repo().pull_files(int(number))
        changed = tuple(path for path, status in files if status != 'removed')
        return ScanPlan(False, changed, f'pull request #{number}: {len(files)} changed files',
                        (pull.get('base') or {}).get('ref'))
    if event == 'push':
        ref = str(payload.get('ref') or context.ref)
        if ref.startswith('refs/tags/'):
            return ScanPlan(True, (), f'tag {ref[len("refs/tags/"):]}: every file', None)
        branch = _branch(ref)
        if payload.get('deleted'):
            return ScanPlan(False, (), f'branch {branch} was deleted', None,
                            skip='the pushed branch was deleted')
        before = str(payload.get('before') or EMPTY_SHA)
        after = str(payload.get('after') or context.sha)
        default = (payload.get('repository') or {}).get('default_branch')
        if payload.get('created') or before == EMPTY_SHA:
            if not default or branch == default:
                return ScanPlan(True, (), f'new branch {branch}: every file', branch)
            comparison = repo().compare(default, after)
            what = f'new branch {branch} against {default}'
        else:
            comparison = repo().compare(before, after)
            forced = ' (force push)' if payload.get('forced') else ''
            what = f'push to {branch}{forced}: {before[:7]}..{after[:7]}'
        if comparison.files is None:
            return ScanPlan(True, (), f'{what}: too many files for the API, every file', branch)
        changed = tuple(path for path, status in comparison.files if status != 'removed')
        return ScanPlan(False, changed, f'{what}: {len(comparison.files)} changed files', branch)
    if event in ('workflow_dispatch', 'schedule'):
        branch = _branch(context.ref) or (payload.get('repository') or {}).get('default_branch')
        return ScanPlan(True, (), f'{event}: every file', branch)
    if event == 'issue_comment':
        return ScanPlan(False, (), 'comment', None, skip='comment commands are handled apart')
    return ScanPlan(True, (), f'{event or "local run"}: every file', _branch(context.ref))
