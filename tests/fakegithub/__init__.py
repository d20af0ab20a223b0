"""A local fake of GitHub's REST API over real git repositories, for modcon's tests.

PyGithub talks to it unmodified through ``base_url=fake.api_url``. Git objects
and refs are real (bare repositories driven by git plumbing); pull requests,
comments, reviews, reactions, labels and permissions are kept in memory with
GitHub's response shapes, status codes and validation rules. Every request is
logged and faults can be injected. Use the ``fake_github`` fixture from
``tests.fakegithub.fixture``.
"""

from __future__ import annotations

from .fake import DEFAULT_LOGIN, DEFAULT_TOKEN, CommitInfo, FakeGitHub, FakeRepo
from .faults import Fault
from .requestlog import RequestRecord

__all__ = ["DEFAULT_LOGIN", "DEFAULT_TOKEN", "CommitInfo", "Fault", "FakeGitHub", "FakeRepo", "RequestRecord"]
