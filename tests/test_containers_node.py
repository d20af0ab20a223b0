"""npm in the local Node image reaches a registry that the system CA list vouches for.

Builds run with the host's CA bundle mounted over the image's own (the engine
does this for package downloads through a TLS-inspecting proxy). Node checks
TLS against the CA list compiled into it, so without
``tests/containers/node-registry.sh`` npm rejected such a registry
(``SELF_SIGNED_CERT_IN_CHAIN``) and retried for minutes. Here a real HTTPS
server on 127.0.0.1, with a certificate made for the test, stands for the
registry; its certificate is mounted as the CA bundle, as the host's is.
"""
from __future__ import annotations

import http.server
import os
import pathlib
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from typing import ClassVar

import pytest

from tests.containerkit import NODE_BASE
from tests.containerkit import engine
from tests.containerkit import podman

BUNDLE = '/etc/ssl/certs/ca-certificates.crt'


class Registry(http.server.BaseHTTPRequestHandler):
    """Answers every request with 500, which npm retries; counts the requests."""

    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.requests.append(self.path)
        self.send_response(500)
        self.send_header('Content-Length', '0')
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def registry(tmp_path: pathlib.Path) -> Iterator[tuple[str, pathlib.Path, list[str]]]:
    """An HTTPS registry on 127.0.0.1: its URL, its certificate, the paths asked for."""
    if shutil.which('openssl') is None:
        pytest.skip('openssl is not installed')
    cert, key = tmp_path / 'cert.pem', tmp_path / 'key.pem'
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
                    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
                    '-keyout', str(key), '-out', str(cert)], check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    handler = type('Handler', (Registry,), {'requests': []})
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f'https://127.0.0.1:{server.server_address[1]}/', cert, handler.requests
    finally:
        server.shutdown()
        server.server_close()


def node_image() -> None:
    """The engine, and the registry layer on the Node image (else skip, or fail
    under MODCON_REQUIRE_CONTAINERS=1, with what to run)."""
    engine()
    label = podman('image', 'inspect', '--format',
                   '{{index .Labels "org.modcon.node-registry"}}', NODE_BASE).stdout.strip()
    if label in ('', '<no value>'):
        message = f'{NODE_BASE} lacks its registry layer: run tests/containers/node-registry.sh'
        if os.environ.get('MODCON_REQUIRE_CONTAINERS') == '1':
            pytest.fail(message)
        pytest.skip(message)


def npm_view(registry_url: str, bundle: pathlib.Path) -> subprocess.CompletedProcess[str]:
    return podman('run', '--rm', '--network', 'host', '-v', f'{bundle}:{BUNDLE}:ro', NODE_BASE,
                  'npm', 'view', 'left-pad', '--registry', registry_url, check=False)


def test_npm_trusts_the_mounted_ca_bundle_and_retries_once(
        registry: tuple[str, pathlib.Path, list[str]]) -> None:
    node_image()
    url, cert, requests = registry
    done = npm_view(url, cert)
    output = done.stdout + done.stderr
    # TLS got through: the registry's own answer (500) is what npm reports ...
    assert done.returncode != 0
    assert 'E500' in output, output
    assert 'CERT' not in output, output
    # ... and it asked twice: once, and one retry (npm's default is two).
    assert requests == ['/left-pad', '/left-pad'], output


def test_a_certificate_outside_the_ca_list_is_still_refused(
        registry: tuple[str, pathlib.Path, list[str]], tmp_path: pathlib.Path) -> None:
    node_image()
    url, _cert, requests = registry
    other = tmp_path / 'other'
    other.mkdir()
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
                    '-subj', '/CN=other', '-keyout', str(other / 'key.pem'),
                    '-out', str(other / 'cert.pem')], check=True, capture_output=True)
    done = npm_view(url, other / 'cert.pem')
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert 'SELF_SIGNED' in output or 'UNABLE_TO_VERIFY' in output, output
    assert requests == []
