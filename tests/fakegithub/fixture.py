"""The ``fake_github`` pytest fixture: a started FakeGitHub, stopped at teardown.

Use it from a test module with ``from tests.fakegithub.fixture import fake_github``
(or re-export it from a conftest). Repositories live under the test's
``tmp_path``, so a failing test leaves them behind for ``git -C ... log``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .fake import FakeGitHub


@pytest.fixture
def fake_github(tmp_path: Path) -> Iterator[FakeGitHub]:
    fake = FakeGitHub(root=tmp_path / "fakegithub").start()
    try:
        yield fake
    finally:
        fake.stop()
        # A crash inside the fake is a bug in the fake, never a pass for the test.
        assert not fake.server_errors, "fake GitHub crashed:\n" + "\n".join(fake.server_errors)
