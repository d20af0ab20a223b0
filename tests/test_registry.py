"""The registry, the property anchors and the docs stay in step."""
from __future__ import annotations

import json
import pathlib
import pickle
import re
import subprocess
import sys

import pytest

from modcon import rulestable
from modcon.document import Document
from modcon.entrypoints.code_document import CodeDocument
from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.model import FixAvailability
from modcon.model import Kind
from modcon.properties import Property
from modcon.registry import RegistryError
from modcon.registry import load_rules
from modcon.registry import rule
from modcon.source import SourceFile

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_every_property_anchor_is_defined_in_the_docs() -> None:
    text = (ROOT / 'docs' / 'properties.md').read_text()
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', text))
    for prop in Property:
        assert prop.anchor in anchors, prop


def test_readme_and_rules_doc_are_written_from_the_registry() -> None:
    """README's table and docs/rules.md are what ``python -m modcon.rulestable --write``
    writes; regenerate them after changing a rule."""
    for name, generated in rulestable.generated_files(rulestable.sorted_rules()).items():
        text = (ROOT / name).read_text()
        assert rulestable.replace_generated(text, generated, name) == text, \
            f'{name} differs from the registry: run python -m modcon.rulestable --write'


def test_rules_markdown_prints_the_readme_table() -> None:
    readme = (ROOT / 'README.md').read_text()
    table = readme.split(rulestable.START, 1)[1].split(rulestable.END, 1)[0]
    printed = subprocess.run([sys.executable, '-m', 'modcon', 'rules', '--format', 'markdown'],
                             capture_output=True, text=True, check=True).stdout
    assert printed == table
    assert printed.count('\n') == len(rulestable.sorted_rules()) + 2


def test_generated_docs_keep_what_is_around_the_markers(tmp_path: pathlib.Path) -> None:
    (tmp_path / 'docs').mkdir()
    (tmp_path / 'README.md').write_text(f'# x\n{rulestable.START}old\n{rulestable.END}\nend\n')
    (tmp_path / 'docs' / 'rules.md').write_text(f'intro\n{rulestable.START}{rulestable.END}\n')
    assert rulestable.stale_files(tmp_path, write=True) == ['README.md', 'docs/rules.md']
    readme = (tmp_path / 'README.md').read_text()
    assert readme.startswith(f'# x\n{rulestable.START}| Code |')
    assert readme.endswith(f'|\n{rulestable.END}\nend\n')
    page = (tmp_path / 'docs' / 'rules.md').read_text()
    assert '## MC101 shell-form-command\n' in page and '### Fix safety\n' in page
    assert '](#1a-' not in page  # property links point into properties.md
    assert rulestable.stale_files(tmp_path, write=False) == []
    (tmp_path / 'README.md').write_text('no markers\n')
    with pytest.raises(ValueError, match=r'README\.md has no'):
        rulestable.stale_files(tmp_path, write=False)


def test_every_rule_is_documented_and_named_by_its_module() -> None:
    for code, r in load_rules().items():
        module = r.check.__module__.rsplit('.', 1)[-1]
        assert module == f'{code.lower()}_{r.name.replace("-", "_")}', module
        assert r.summary and r.property in Property


def test_a_broken_declaration_fails_with_every_problem_in_one_line() -> None:
    with pytest.raises(RegistryError) as info:
        @rule(code='MC9', name='Bad_Name', kind='yaml', property=Property.SMALL)
        def broken(document: object) -> None:
            """## What it does
            Nothing."""
    message = str(info.value)
    assert "bad code 'MC9'" in message and "bad name 'Bad_Name'" in message
    assert "unknown kind 'yaml'" in message and "lacks '## Fix safety'" in message
    assert '\n' not in message


def test_duplicate_codes_are_refused() -> None:
    load_rules()
    with pytest.raises(RegistryError, match='MC101 already registered'):
        @rule(code='MC101', name='again', kind='dockerfile', property=Property.SIGNALS)
        def again(document: object) -> None:
            """## What it does
            x
            ## Why is this bad?
            x
            ## Example
            x
            ## Use instead
            x
            ## Fix safety
            x"""


def test_rules_keep_nothing_of_a_document_once_it_is_checked(tmp_path: pathlib.Path) -> None:
    """Facts rules share live on the document (``derived``), so a long run over many
    files does not accumulate them: every document is freed after its check."""
    import gc
    import weakref

    from modcon.engine.check import check_source
    from modcon.engine.config import Config
    from modcon.entrypoints.dockerfile_document import DockerfileDocument
    from modcon.project import LocalProject
    from modcon.source import SourceFile

    (tmp_path / 'nginx.conf').write_text('access_log /var/log/app/access.log;\n')
    text = ('FROM debian:12-slim\nRUN apt-get update && apt-get install -y nginx curl | tee x\n'
            'COPY nginx.conf /etc/nginx/nginx.conf\nCOPY . .\n'
            'HEALTHCHECK CMD curl http://localhost/\nCMD nginx -g "daemon off;"\n')
    project = LocalProject(str(tmp_path))
    alive = []
    for _ in range(3):
        document = DockerfileDocument(SourceFile('Dockerfile', text), project)
        assert check_source(document.source, 'dockerfile', Config(), (), project, document)
        alive.append(weakref.ref(document))
        del document
    gc.collect()
    assert [ref for ref in alive if ref() is not None] == []


def test_a_rule_pickles_as_its_code() -> None:
    # Findings come back from worker processes by the thousand: each carries
    # its rule's code, and the receiving side takes the rule from its registry.
    declared = load_rules()['MC101']
    data = pickle.dumps(declared)
    assert pickle.loads(data) is declared
    assert declared.doc.encode() not in data


def test_kinds_and_fix_availability_are_enums_that_read_as_plain_words() -> None:
    rules = load_rules().values()
    assert {type(r.kind) for r in rules} == {Kind}
    assert {type(r.fixable) for r in rules} == {FixAvailability}
    # What reports, configs and flags write stays the word it was.
    assert json.dumps([Kind.DOCKERFILE, FixAvailability.NEVER]) == '["dockerfile", "never"]'
    assert f'{Kind.PYTHON:<8}|{FixAvailability.SOMETIMES}' == 'python  |sometimes'


@pytest.mark.parametrize(('document', 'parses'), (
    pytest.param(DockerfileDocument(SourceFile('Dockerfile', 'FROM scratch\n')), True,
                 id='dockerfile'),
    pytest.param(DockerfileDocument(SourceFile('Dockerfile', 'FRM scratch\n')), False,
                 id='broken-dockerfile'),
    pytest.param(CodeDocument(SourceFile('app.py', 'pass\n'), Kind.PYTHON), True, id='code'),
))
def test_every_document_offers_what_the_rule_contract_promises(document: Document,
                                                                parses: bool) -> None:
    assert isinstance(document, Document)
    assert document.kind in Kind
    assert (document.error is None) is parses
