"""Which base images are Windows images, whose commands modcon leaves alone.

Official images name Windows in the path (``mcr.microsoft.com/windows/servercore``)
or only in the tag (``python:3.12-windowsservercore-ltsc2022``); read as Linux,
their ``cmd`` commands were rewritten into other commands.
"""
from __future__ import annotations

import pytest

from modcon.readers.dockerfile.image_names import is_windows


@pytest.mark.parametrize('image', [
    'mcr.microsoft.com/windows/servercore:ltsc2022',
    'mcr.microsoft.com/windows/nanoserver@sha256:ab12',
    'mcr.microsoft.com/windows:ltsc2019',
    'nanoserver',
    'WindowsServerCore-insider',
    'python:3.12-windowsservercore-ltsc2022',
    'python:windowsservercore',
    'golang:1.22-nanoserver-ltsc2022@sha256:ab12',
    'mcr.microsoft.com/dotnet/aspnet:8.0-nanoserver-ltsc2022',
    'eclipse-temurin:21-jdk-windowsservercore-1809',
    'registry.example.com:5000/team/app:1.0-windows-amd64',
])
def test_windows_images(image: str) -> None:
    assert is_windows(image)


@pytest.mark.parametrize('image', [
    'python:3.12-slim', 'mywindows/app', 'windowsxp', 'debian:bookworm',
    'registry.example.com:5000/nanoservers/app:1.0', 'app:server-core', 'scratch',
])
def test_linux_images(image: str) -> None:
    assert not is_windows(image)
