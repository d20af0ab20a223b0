"""Shared test configuration."""
from __future__ import annotations

import pytest

# The fake GitHub server (`fake_github`) for every test that talks to GitHub.
pytest_plugins = ['tests.fakegithub.fixture']


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        '--update-fixtures', action='store_true', default=False,
        help='write missing or changed expected fixture files instead of failing',
    )
