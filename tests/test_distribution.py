"""The channels users pick modcon up through: the wheel and sdist, pre-commit,
and the prebuilt-image variant of the Action. Each runs the real tool."""
from __future__ import annotations

import email.parser
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile

import pytest
import yaml

import modcon
from modcon.action.prebuilt import prebuilt

ROOT = pathlib.Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow

SERVICE_DOCKERFILE = 'FROM python:3.12-slim\nCOPY app.py /app/\nCMD python /app/app.py\n'
SERVICE_CODE = 'import time\n\nwhile True:\n    time.sleep(1)\n'


def _run(*argv, cwd=None, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in argv], cwd=cwd, env=env,
                          capture_output=True, text=True)


@pytest.fixture(scope='module')
def dist(tmp_path_factory) -> pathlib.Path:
    """The sdist, and the wheel built from it, exactly as `python -m build` makes them."""
    out = tmp_path_factory.mktemp('dist')
    # Build from a copy so that no build/ or egg-info lands in the checkout.
    source = tmp_path_factory.mktemp('source') / 'modcon'
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        '.venv', '.git', 'build', 'dist', '*.egg-info', '__pycache__', '.hypothesis',
        '.work', '.pytest_cache'))
    built = _run(sys.executable, '-m', 'build', '--outdir', out, source)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    return out


def _metadata(wheel: pathlib.Path) -> email.message.Message:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith('.dist-info/METADATA'))
        return email.parser.Parser().parsestr(archive.read(name).decode())


def test_the_wheel_states_its_dependencies_and_keeps_the_github_layer_optional(dist) -> None:
    wheel = next(dist.glob('modcon-*.whl'))
    metadata = _metadata(wheel)
    assert metadata['Version'] == modcon.__version__
    requires = metadata.get_all('Requires-Dist')
    plain = [r for r in requires if 'extra ==' not in r]
    github = [r for r in requires if 'extra == "github"' in r]
    # Every dependency has a range, so a future major release cannot break an install.
    assert all('>=' in r and '<' in r for r in plain + github), requires
    assert {re.split(r'[<>=!~ ;]', r)[0].lower() for r in github} == {'pygithub', 'requests'}
    assert not any(r.lower().startswith(('pygithub', 'requests')) for r in plain)
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert any(n.endswith('.dist-info/licenses/LICENSE') or n.endswith('.dist-info/LICENSE')
               for n in names), names
    assert 'modcon/fixers/dockerfile/mc101_shell_form_command.py' in names
    assert not any(n.startswith(('fixers/', 'tests/')) for n in names)


def test_the_sdist_carries_what_a_packager_needs(dist) -> None:
    sdist = next(dist.glob('modcon-*.tar.gz'))
    with tarfile.open(sdist) as archive:
        names = {name.split('/', 1)[1] for name in archive.getnames() if '/' in name}
    assert {'LICENSE', 'README.md', 'CHANGELOG.md', 'pyproject.toml'} <= names
    assert 'fixers/dockerfile/mc101_shell_form_command.py' in names


def test_the_wheel_installs_with_its_dependencies_into_a_fresh_venv(dist, tmp_path) -> None:
    wheel = next(dist.glob('modcon-*.whl'))
    env_dir = tmp_path / 'env'
    venv.create(env_dir, with_pip=True)
    python = env_dir / 'bin' / 'python'
    installed = _run(python, '-m', 'pip', 'install', '-q', wheel)
    assert installed.returncode == 0, installed.stderr[-2000:]

    version = _run(env_dir / 'bin' / 'modcon', '--version')
    assert version.stdout.strip() == f'modcon {modcon.__version__}'
    # The plain install leaves the GitHub layer out.
    assert _run(python, '-c', 'import github').returncode != 0

    project = tmp_path / 'service'
    project.mkdir()
    (project / 'Dockerfile').write_text(SERVICE_DOCKERFILE)
    (project / 'app.py').write_text(SERVICE_CODE)
    # `python -m modcon` and the entry point are the same program; following the
    # command into app.py needs libcst, so this proves the dependencies arrived.
    # With bytecode written, as on most machines: the run keeps its code cache in the
    # user's cache folder, and a second run reads it.
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONDONTWRITEBYTECODE'}
    env['XDG_CACHE_HOME'] = str(tmp_path / 'cache')
    for _ in range(2):
        checked = _run(python, '-m', 'modcon', 'check', '--format', 'json', 'Dockerfile',
                       cwd=project, env=env)
        assert checked.returncode == 1, checked.stderr
        assert {'MC101', 'MC201'} <= {f['code'] for f in json.loads(checked.stdout)}
    assert len(list((tmp_path / 'cache' / 'modcon').glob('code-*.bin'))) == 1
    # A cold check of a Dockerfile, installed as a user gets it, leaves out what it
    # does not need (the development install's import hook loads importlib itself).
    (project / 'Dockerfile.plain').write_text(
        'FROM python:3.12-slim\nRUN pip install --no-cache-dir gunicorn | tee /build.log\n'
        'ENTRYPOINT ["tini", "--"]\nCMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]\n')
    probe = ('import sys\nfrom modcon.__main__ import console\n'
             'sys.argv = ["modcon", "check", "Dockerfile.plain"]\n'
             'try:\n    console()\nexcept SystemExit:\n    pass\n'
             'left = [m for m in ("importlib", "warnings", "json", "typing", "logging") '
             'if m in sys.modules]\n'
             'sys.stderr.write(f"LOADED {left}\\n")\n')
    loaded = _run(python, '-c', probe, cwd=project, env=env)
    assert 'LOADED []' in loaded.stderr, loaded.stderr

    # Uninstalled, nothing of modcon is left in site-packages (the cache is elsewhere).
    package = next((env_dir / 'lib').glob('python3*/site-packages')) / 'modcon'
    assert package.is_dir()
    removed = _run(python, '-m', 'pip', 'uninstall', '-y', '-q', 'modcon')
    assert removed.returncode == 0, removed.stderr[-2000:]
    assert not package.exists(), sorted(str(p) for p in package.rglob('*'))


def _git(*argv, cwd) -> str:
    done = _run('git', *argv, cwd=cwd)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def hook_repo(tmp_path) -> pathlib.Path:
    """A git repository whose .pre-commit-config.yaml uses this checkout's hooks."""
    if shutil.which('git') is None or not (ROOT / '.git').exists():
        pytest.skip('needs git and a git checkout of modcon (pre-commit clones the hook repository)')
    status = _git('status', '--porcelain', '--', '.pre-commit-hooks.yaml', 'pyproject.toml', cwd=ROOT)
    if status:
        pytest.skip('the hook definition has uncommitted changes; pre-commit only sees commits')
    rev = _git('rev-parse', 'HEAD', cwd=ROOT)
    repo = tmp_path / 'repo'
    repo.mkdir()
    _git('init', '-q', cwd=repo)
    _git('config', 'user.email', 'dev@example.com', cwd=repo)
    _git('config', 'user.name', 'Dev', cwd=repo)
    config = {'repos': [{'repo': str(ROOT), 'rev': rev,
                         'hooks': [{'id': 'modcon-fix'}, {'id': 'modcon-check'}]}]}
    (repo / '.pre-commit-config.yaml').write_text(yaml.safe_dump(config))
    (repo / 'Dockerfile').write_text(SERVICE_DOCKERFILE)
    (repo / 'app.py').write_text(SERVICE_CODE)
    (repo / 'README').write_text('not a Dockerfile: the hooks leave it alone\n')
    _git('add', '.', cwd=repo)
    return repo


def _pre_commit(repo: pathlib.Path, tmp_path: pathlib.Path) -> subprocess.CompletedProcess:
    env = {**os.environ, 'PRE_COMMIT_HOME': str(tmp_path / 'pre-commit-home'),
           'XDG_CACHE_HOME': str(tmp_path / 'cache'),  # the hook's modcon keeps its caches here
           'PRE_COMMIT_COLOR': 'never'}
    env.pop('VIRTUAL_ENV', None)
    return _run(pathlib.Path(sys.executable).parent / 'pre-commit', 'run', cwd=repo, env=env)


def test_pre_commit_fix_hook_rewrites_then_passes(hook_repo, tmp_path) -> None:
    first = _pre_commit(hook_repo, tmp_path)
    assert first.returncode == 1, first.stdout + first.stderr
    assert 'files were modified by this hook' in first.stdout
    dockerfile = (hook_repo / 'Dockerfile').read_text()
    assert 'CMD ["python", "/app/app.py"]' in dockerfile
    # The entrypoint the Dockerfile runs is fixed too, though only the Dockerfile matched.
    assert 'signal.signal(signal.SIGTERM' in (hook_repo / 'app.py').read_text()
    assert (hook_repo / 'README').read_text().startswith('not a Dockerfile')

    _git('add', '.', cwd=hook_repo)
    second = _pre_commit(hook_repo, tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    assert (hook_repo / 'Dockerfile').read_text() == dockerfile


def test_pre_commit_check_hook_fails_on_findings(hook_repo, tmp_path) -> None:
    config = yaml.safe_load((hook_repo / '.pre-commit-config.yaml').read_text())
    config['repos'][0]['hooks'] = [{'id': 'modcon-check'}]
    (hook_repo / '.pre-commit-config.yaml').write_text(yaml.safe_dump(config))
    _git('add', '.', cwd=hook_repo)
    result = _pre_commit(hook_repo, tmp_path)
    assert result.returncode == 1
    assert 'MC101' in result.stdout
    assert (hook_repo / 'Dockerfile').read_text() == SERVICE_DOCKERFILE


def test_prebuilt_action_is_action_yml_with_the_published_image() -> None:
    action = yaml.safe_load((ROOT / 'action.yml').read_text())
    committed_text = (ROOT / 'prebuilt' / 'action.yml').read_text()
    committed = yaml.safe_load(committed_text)
    image = committed['runs']['image']
    assert image.startswith('docker://')
    # The committed file is exactly what the generator makes of today's action.yml.
    assert committed_text == prebuilt((ROOT / 'action.yml').read_text(), image.removeprefix('docker://'))
    assert committed['inputs'] == action['inputs']
    assert committed['outputs'] == action['outputs']
    assert {**committed['runs'], 'image': 'Dockerfile'} == action['runs']
    assert action['runs']['image'] == 'Dockerfile'


@pytest.mark.parametrize('image', ['ghcr.io/Modcon/modcon:v1', 'ghcr.io/m/m:v1; rm -rf /', ''])
def test_prebuilt_refuses_what_is_not_an_image_reference(image: str) -> None:
    with pytest.raises(ValueError):
        prebuilt((ROOT / 'action.yml').read_text(), image)


def test_prebuilt_pins_a_digest() -> None:
    digest = 'ghcr.io/modcon/modcon@sha256:' + 'ab' * 32
    text = prebuilt((ROOT / 'action.yml').read_text(), digest)
    assert yaml.safe_load(text)['runs']['image'] == f'docker://{digest}'


def test_release_workflow_publishes_the_local_dockerfile() -> None:
    workflow = yaml.safe_load((ROOT / '.github' / 'workflows' / 'release.yml').read_text())
    steps = workflow['jobs']['image']['steps']
    build = next(s for s in steps if s.get('uses', '').startswith('docker/build-push-action@'))
    assert build['with']['context'] == '.' and 'file' not in build['with']
    # Third-party actions are pinned by commit, never by a movable tag.
    for step in steps:
        if 'uses' in step:
            assert len(step['uses'].split('@')[1]) == 40, step['uses']
    assert any('modcon.action.prebuilt' in s.get('run', '') for s in steps)


def test_readme_documents_every_action_input_with_its_default() -> None:
    action = yaml.safe_load((ROOT / 'action.yml').read_text())
    readme = (ROOT / 'README.md').read_text()
    rows = dict(re.findall(r'^\| `(\w+)` \|([^|]*)\|', readme, re.MULTILINE))
    for name, spec in action['inputs'].items():
        assert name in rows, f'README does not document the input {name}'
        default = spec.get('default', '')
        if default and not default.startswith('${{'):
            assert rows[name].strip() == f'`{default}`', (name, rows[name])
    for name in action['outputs']:
        assert f'`{name}`' in readme, f'README does not document the output {name}'


def test_readme_lists_every_output_format() -> None:
    from modcon.reporters import FORMATS
    readme = (ROOT / 'README.md').read_text()
    section = readme[readme.index('## Output formats'):readme.index('Exit codes are stable')]
    assert re.findall(r'^\| `(\w+)`', section, re.MULTILINE) == list(FORMATS)
