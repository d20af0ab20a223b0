"""A real OCI registry on 127.0.0.1: Debian's `docker-registry` (distribution 2.x).

With ``token_auth`` it asks for Docker's token flow, as Docker Hub and ghcr.io
do: a 401 whose ``WWW-Authenticate: Bearer realm=...`` names a token
service, here a small one on 127.0.0.1 that hands anonymous clients a signed
JWT (RS256, its certificate in the ``x5c`` header, trusted by the registry
through ``rootcertbundle``).
"""
from __future__ import annotations

import base64
import datetime
import http.server
import json
import pathlib
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

import pytest

SERVICE = 'modcon-test-registry'
ISSUER = 'modcon-test-token-service'


class Registry(NamedTuple):
    host: str  # 127.0.0.1:PORT
    token_requests: list[str]  # the query string of every token request


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return int(s.getsockname()[1])


def _key_and_certificate(tmp: pathlib.Path) -> tuple[object, bytes]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ISSUER)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    (tmp / 'token-ca.pem').write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert.public_bytes(serialization.Encoding.DER)


@contextmanager
def _token_service(tmp: pathlib.Path, requests: list[str]) -> Iterator[str]:
    import jwt

    key, der = _key_and_certificate(tmp)
    x5c = [base64.b64encode(der).decode()]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            query = urllib.parse.urlparse(self.path).query
            requests.append(query)
            params = urllib.parse.parse_qs(query)
            access = []
            for scope in params.get('scope', []):
                kind, _, rest = scope.partition(':')
                name, _, actions = rest.rpartition(':')
                access.append({'type': kind, 'name': name, 'actions': actions.split(',')})
            now = int(time.time())
            claims = {'iss': ISSUER, 'sub': '', 'aud': params.get('service', [''])[0],
                      'exp': now + 300, 'nbf': now - 10, 'iat': now, 'jti': uuid.uuid4().hex,
                      'access': access}
            token = jwt.encode(claims, key, algorithm='RS256', headers={'x5c': x5c})
            body = json.dumps({'token': token}).encode()
            self.send_response(200)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f'http://127.0.0.1:{server.server_address[1]}/token'
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def local_registry(tmp: pathlib.Path, *, token_auth: bool) -> Iterator[Registry]:
    binary = shutil.which('docker-registry')
    if binary is None:
        pytest.skip("Debian's docker-registry is not installed (.ci/run installs it)")
    port = _free_port()
    requests: list[str] = []
    with _token_service(tmp, requests) as realm:
        auth = (f'auth:\n  token:\n    realm: {realm}\n    service: {SERVICE}\n'
                f'    issuer: {ISSUER}\n    rootcertbundle: {tmp / "token-ca.pem"}\n'
                if token_auth else '')
        config = tmp / 'registry.yml'
        config.write_text(f'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n'
                          f'    rootdirectory: {tmp / "data"}\nhttp:\n'
                          f'  addr: 127.0.0.1:{port}\n{auth}')
        proc = subprocess.Popen([binary, 'serve', str(config)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    socket.create_connection(('127.0.0.1', port), timeout=1).close()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        proc.kill()
                        proc.wait()
                        raise RuntimeError(f'docker-registry did not start: '
                                           f'{proc.stderr.read().decode()[-500:]}') from None
                    time.sleep(0.1)
            yield Registry(f'127.0.0.1:{port}', requests)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
