"""The servers table is the one place that knows a server: MC142 reads nginx's graceful stop there."""
from __future__ import annotations

import pytest

from modcon.engine.check import check_source
from modcon.engine.config import Config
from modcon.knowledge.servers import SERVERS
from modcon.model import Kind
from modcon.source import SourceFile

SIGQUIT_DRAINERS = [key for key, server in SERVERS.items() if server.drains_on == 'SIGQUIT']


def _mc142(program: str) -> list[str]:
    text = f'FROM debian:12\nCMD ["{program}", "-g", "daemon off;"]\n'
    findings = check_source(SourceFile('Dockerfile', text), Kind.DOCKERFILE,
                            Config(select=('MC142',)))
    return [f.code for f in findings]


@pytest.mark.parametrize('program', SIGQUIT_DRAINERS)
def test_mc142_flags_every_server_whose_graceful_stop_is_sigquit(program: str) -> None:
    assert _mc142(f'/usr/sbin/{program}') == ['MC142']


def test_the_table_knows_nginx_and_openresty_and_mc142_nothing_else() -> None:
    assert sorted(SIGQUIT_DRAINERS) == ['nginx', 'openresty']
    assert _mc142('caddy') == []  # stops gracefully on SIGTERM
