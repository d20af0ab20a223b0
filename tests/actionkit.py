"""Run the action's entrypoint the way GitHub runs the container, against the fake GitHub.

``ActionRun`` prepares what the runner provides: a real git checkout of the
repository as ``GITHUB_WORKSPACE``, the event JSON (built from GitHub's own
payload examples in ``tests/data/github-payloads``), ``GITHUB_*`` and
``INPUT_*`` variables, and the output and summary files. ``run()`` starts
``python -m modcon action`` in a fresh process and collects what it wrote.
"""
from __future__ import annotations

import copy
import json
import os
import pathlib
import subprocess
import sys
from typing import Any
from typing import NamedTuple

from tests.fakegithub import FakeGitHub
from tests.fakegithub import FakeRepo

PAYLOADS = pathlib.Path(__file__).parent / 'data' / 'github-payloads'
SARIF_SCHEMA = json.loads((pathlib.Path(__file__).parent / 'data' / 'sarif-schema-2.1.0.json')
                          .read_text())

# Dockerfiles the action, bot and command tests share: MC101 fixes SHELL into
# EXEC, MC103 fixes BAD_JSON into FIXED_JSON.
SHELL = 'FROM alpine:3.20\nCMD app --serve\n'
EXEC = 'FROM alpine:3.20\nCMD ["app", "--serve"]\n'
BAD_JSON = "FROM node:20-slim\nCMD ['node', 'server.js']\n"
FIXED_JSON = 'FROM node:20-slim\nCMD ["node", "server.js"]\n'


def payload(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / f'{name}.json').read_text())


def _repository(repo: FakeRepo, fake: FakeGitHub) -> dict[str, Any]:
    data = payload('push')['repository']
    data.update({
        'name': repo.name, 'full_name': repo.full_name, 'default_branch': repo.default_branch,
        'html_url': f'{fake.server_url}/{repo.full_name}',
        'url': f'{fake.api_url}/repos/{repo.full_name}',
    })
    data['owner'] = {**data['owner'], 'login': repo.owner}
    return data


def push_event(fake: FakeGitHub, repo: FakeRepo, *, before: str, after: str,
               branch: str | None = None, ref: str | None = None, created: bool = False,
               forced: bool = False, deleted: bool = False) -> dict[str, Any]:
    event = payload('push')
    event.update({
        'ref': ref or f'refs/heads/{branch or repo.default_branch}',
        'before': before, 'after': after, 'created': created, 'deleted': deleted,
        'forced': forced, 'base_ref': None, 'commits': [], 'head_commit': None,
        'repository': _repository(repo, fake),
    })
    return event


def pull_request_event(fake: FakeGitHub, repo: FakeRepo, number: int) -> dict[str, Any]:
    event = payload('pull_request.opened')
    pull = fake.pulls(repo.full_name)
    found = next(p for p in pull if p['number'] == number)
    event['number'] = number
    event['repository'] = _repository(repo, fake)
    event['pull_request'] = copy.deepcopy(event['pull_request'])
    event['pull_request'].update({'number': number})
    event['pull_request']['head'].update({'ref': found['head']['ref'],
                                          'sha': found['head']['sha']})
    event['pull_request']['head']['repo'] = {**event['pull_request']['head']['repo'],
                                             'full_name': found['head']['repo']}
    event['pull_request']['base'].update({'ref': found['base']['ref'],
                                          'sha': found['base']['sha']})
    return event


def dispatch_event(fake: FakeGitHub, repo: FakeRepo) -> dict[str, Any]:
    event = payload('workflow_dispatch')
    event['ref'] = f'refs/heads/{repo.default_branch}'
    event['repository'] = _repository(repo, fake)
    return event


class Result(NamedTuple):
    code: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str

    @property
    def annotations(self) -> list[str]:
        return [line for line in self.stdout.splitlines() if line.startswith('::')]


def parse_outputs(text: str) -> dict[str, str]:
    outputs: dict[str, str] = {}
    lines = text.split('\n')
    i = 0
    while i < len(lines):
        line = lines[i]
        if '<<' in line:
            name, delimiter = line.split('<<', 1)
            value = []
            i += 1
            while lines[i] != delimiter:
                value.append(lines[i])
                i += 1
            outputs[name] = '\n'.join(value)
        i += 1
    return outputs


class ActionRun:
    """One workflow step running the modcon action."""

    def __init__(self, fake: FakeGitHub, repo: FakeRepo, tmp: pathlib.Path, *,
                 event_name: str, event: dict[str, Any], sha: str, ref: str,
                 inputs: dict[str, str] | None = None, checkout: str | None = None) -> None:
        self.fake = fake
        self.repo = repo
        self.tmp = tmp
        tmp.mkdir(parents=True, exist_ok=True)
        self.workspace = tmp / 'workspace'
        if not self.workspace.exists():
            repo.clone(self.workspace)
            subprocess.run(['git', '-C', str(self.workspace), 'checkout', '-q', checkout or sha],
                           check=True)
        self.event_path = tmp / 'event.json'
        self.event_path.write_text(json.dumps(event))
        self.output = tmp / 'output.txt'
        self.summary = tmp / 'summary.md'
        self.env = {
            'PATH': os.environ['PATH'],
            'HOME': str(tmp),
            'GITHUB_ACTIONS': 'true',
            'GITHUB_EVENT_NAME': event_name,
            'GITHUB_EVENT_PATH': str(self.event_path),
            'GITHUB_REPOSITORY': repo.full_name,
            'GITHUB_SHA': sha,
            'GITHUB_REF': ref,
            'GITHUB_WORKSPACE': str(self.workspace),
            'GITHUB_API_URL': fake.api_url,
            'GITHUB_SERVER_URL': fake.server_url,
            'GITHUB_RUN_ID': '4242',
            'GITHUB_OUTPUT': str(self.output),
            'GITHUB_STEP_SUMMARY': str(self.summary),
            'INPUT_GITHUB_TOKEN': fake.token,
            'INPUT_MODE': 'check',
            'INPUT_PATHS': '.',
            'INPUT_FAIL_ON': '',  # action.yml's default: it depends on the mode
            'INPUT_SARIF_FILE': '',
            'INPUT_UNSAFE_FIXES': 'false',
            'INPUT_DOCS_URL': '',
            'INPUT_PR_BRANCH_PREFIX': 'modcon',
            'INPUT_PR_LABELS': 'modcon',
            'INPUT_CONFIG': '',
            # No pauses between writes or long backoffs against the local fake.
            'MODCON_WRITE_INTERVAL': '0',
            'MODCON_RETRY_BACKOFF': '0.01',
        }
        for name, value in (inputs or {}).items():
            self.env['INPUT_' + name.upper()] = value

    def start(self) -> subprocess.Popen[str]:
        self.output.write_text('')
        self.summary.write_text('')
        return subprocess.Popen([sys.executable, '-m', 'modcon', 'action'], env=self.env,
                                cwd=self.tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)

    def run(self) -> Result:
        proc = self.start()
        stdout, stderr = proc.communicate(timeout=120)
        return self.collect(proc.returncode, stdout, stderr)

    def collect(self, code: int, stdout: str, stderr: str) -> Result:
        return Result(code, stdout, stderr, parse_outputs(self.output.read_text()),
                      self.summary.read_text())
