"""Which stage an instruction belongs to, when a stage is a FROM line alone."""
from __future__ import annotations

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.source import SourceFile


def test_a_stage_of_a_from_line_alone_holds_nothing_after_it() -> None:
    text = ('ARG BASE=debian:12-slim\nFROM quay.io/minio/minio AS minio\n\n'
            'FROM ${BASE} AS app\nRUN apt-get update\nCMD ["app"]\n\nFROM scratch\n')
    stages = DockerfileDocument(SourceFile('Dockerfile', text)).stages
    names = {ins.name + ' ' + ins.args.text: stages.stage_of(ins).name
             for ins in DockerfileDocument(SourceFile('Dockerfile', text)).syntax.instructions}
    # Before: the empty `minio` stage took every later instruction.
    assert names['RUN apt-get update'] == 'app'
    assert names['CMD ["app"]'] == 'app'
    assert names['FROM scratch'] is None  # the last stage, unnamed
    assert stages.stage_of(stages.stages[0].from_instruction).name == 'minio'


def test_a_from_that_names_a_stage_through_a_global_arg_continues_it() -> None:
    """`FROM base-${VARIANT}` with `ARG VARIANT=slim` before the first FROM continues
    the stage `base-slim`, as BuildKit builds it (moby's buildkit Dockerfile)."""
    text = ('ARG VARIANT=slim\nFROM debian:12 AS base-slim\nENV A=1\nCMD ["app"]\n'
            'FROM base-${VARIANT} AS final\nRUN true\n')
    stages = DockerfileDocument(SourceFile('Dockerfile', text)).stages
    final = stages.stages[-1]
    assert final.parent == 0
    assert [s.name for s in stages.lineage(final)] == ['base-slim', 'final']
    unknown = ('FROM debian:12 AS base-slim\nFROM base-${VARIANT}\n')
    assert DockerfileDocument(SourceFile('Dockerfile', unknown)).stages.stages[-1].parent is None
