"""The action's inputs, read from ``INPUT_*`` variables; no input ever meets a shell."""
from __future__ import annotations

import math
import os
from collections.abc import Mapping

from modcon.errors import ConfigError
from modcon.model import Severity
from modcon.named_tuple import NamedTuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from modcon.action.workspace import Workspace

MODES = ('check', 'fix', 'pr')
FAIL_ON = {'error': Severity.ERROR, 'warning': Severity.WARNING, 'info': Severity.INFO,
           'none': None}
_TRUE = ('true', 'True', 'TRUE')
_FALSE = ('false', 'False', 'FALSE', '')


class ActionInputs(NamedTuple):
    mode: str
    paths: tuple[str, ...]
    github_token: str
    fail_on: Severity | None
    sarif_file: str
    unsafe_fixes: bool
    docs_url: str
    pr_branch_prefix: str
    pr_labels: tuple[str, ...]
    config: str
    verify: bool
    verify_grace: float
    dashboard: bool = False


def raw_input(env: Mapping[str, str], name: str, default: str = '') -> str:
    """An input as GitHub passes it: ``INPUT_`` + the name upper-cased, spaces as
    underscores (hyphens are kept as they are)."""
    return env.get('INPUT_' + name.replace(' ', '_').upper(), default).strip()


def _bool(env: Mapping[str, str], name: str) -> bool:
    value = raw_input(env, name)
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f'input {name} must be true or false, not {value!r}')


def _words(value: str) -> tuple[str, ...]:
    return tuple(part for part in value.replace(',', ' ').split() if part)


def _branch_part(prefix: str) -> bool:
    """Whether ``prefix`` can start a branch name (``PREFIX/main``), by git's own
    rules (``git check-ref-format``): checked here, a bad one is one clear error
    before anything is written, not a refused branch after the commits."""
    parts = prefix.strip('/').split('/')
    return bool(prefix.strip('/')) and not prefix.startswith('-') and \
        not any(c in prefix for c in ' ~^:?*[\\') and \
        not any(ord(c) < 0x20 or c == '\x7f' for c in prefix) and \
        '..' not in prefix and '@{' not in prefix and \
        all(part and not part.startswith('.') and not part.endswith('.lock')
            for part in parts)


def read_inputs(env: Mapping[str, str]) -> ActionInputs:
    mode = raw_input(env, 'mode', 'check') or 'check'
    if mode not in MODES:
        raise ConfigError(f'input mode must be one of {", ".join(MODES)}, not {mode!r}')
    # Unset, it depends on the mode: in pr mode what the pull request cannot
    # fix does not fail the step (the bot's job is the pull request).
    fail_on = raw_input(env, 'fail_on') or ('none' if mode == 'pr' else 'warning')
    if fail_on not in FAIL_ON:
        raise ConfigError(f'input fail_on must be one of {", ".join(FAIL_ON)}, not {fail_on!r}')
    prefix = raw_input(env, 'pr_branch_prefix', 'modcon') or 'modcon'
    if not _branch_part(prefix):
        raise ConfigError(f'input pr_branch_prefix is not a valid branch name part: {prefix!r}')
    paths = tuple(raw_input(env, 'paths', '.').split()) or ('.',)
    grace = raw_input(env, 'verify_grace', '10') or '10'
    try:
        verify_grace = float(grace)
    except ValueError:
        verify_grace = math.nan
    if not math.isfinite(verify_grace) or verify_grace <= 0:
        raise ConfigError(f'input verify_grace must be a positive number of seconds, '
                          f'not {grace!r}')
    return ActionInputs(
        mode=mode,
        paths=paths,
        github_token=raw_input(env, 'github_token'),
        fail_on=FAIL_ON[fail_on],
        sarif_file=raw_input(env, 'sarif_file'),
        unsafe_fixes=_bool(env, 'unsafe_fixes'),
        docs_url=raw_input(env, 'docs_url'),
        pr_branch_prefix=prefix,
        pr_labels=_words(raw_input(env, 'pr_labels', 'modcon')),
        config=raw_input(env, 'config'),
        verify=_bool(env, 'verify'),
        verify_grace=verify_grace,
        dashboard=_bool(env, 'dashboard'),
    )


def confined(inputs: ActionInputs, workspace: Workspace) -> ActionInputs:
    """``inputs`` with every path input made relative to the workspace; ConfigError
    for one that leads out of it (``..``, an absolute path, a link), before any
    file is read or written."""
    sarif = workspace.input_path('sarif_file', inputs.sarif_file) if inputs.sarif_file else ''
    if sarif and os.path.isdir(os.path.join(workspace.root, sarif)):
        raise ConfigError(f'input sarif_file names a directory, not a file: '
                          f'{inputs.sarif_file!r}')
    return inputs._replace(
        paths=tuple(workspace.input_path('paths', path) for path in inputs.paths),
        sarif_file=sarif,
        config=workspace.input_path('config', inputs.config) if inputs.config else '',
    )
