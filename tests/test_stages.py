"""Which stages make the final image: the walk every rule about the image uses."""
from __future__ import annotations

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.source import SourceFile


def _stages(text: str):  # type: ignore[no-untyped-def]
    return DockerfileDocument(SourceFile('Dockerfile', text)).stages


def test_the_final_image_continues_the_stages_it_is_built_from() -> None:
    stages = _stages('FROM python:3.12 AS base\nENV A=1\n'
                     'FROM golang:1.23 AS tools\nRUN go build ./...\n'
                     'FROM base AS app\nCOPY --from=tools /out /usr/bin\n'
                     'FROM app\nCMD ["app"]\n')
    assert [s.index for s in stages.final_lineage] == [0, 2, 3]
    assert [s.index for s in stages.lineage(stages.stages[2])] == [0, 2]
    assert [s.index for s in stages.lineage(stages.stages[1])] == [1]


def test_a_single_stage_is_its_own_lineage() -> None:
    stages = _stages('FROM alpine:3.20\nCMD ["sh"]\n')
    assert stages.final_lineage == (stages.final,)
