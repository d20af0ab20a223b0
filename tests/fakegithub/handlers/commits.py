"""Repository commits (``/commits``, ``/commits/{ref}``) and ``/compare/{base}...{head}``."""

from __future__ import annotations

from .. import shapes
from ..diffs import file_diffs
from ..errors import ApiError, not_found
from ..routes import Ctx, Response, repo_of, router
from ..state import Repo
from .common import commit_files, require_not_empty


@router.route("GET", "/repos/{owner}/{repo}/commits", locked=False)
def list_commits(ctx: Ctx, owner: str, repo: str) -> Response:
    found = repo_of(ctx, owner, repo)
    require_not_empty(found)
    start = ctx.arg("sha") or found.default_branch
    tip = found.store.resolve(start)
    if tip is None:
        raise not_found()
    shas = found.store.rev_list(tip, path=ctx.arg("path") or None)
    page, headers = ctx.paginate(shas, found)
    commits = found.store.read_commits(page)
    return Response(200, [shapes.commit(ctx.urls, ctx.state, found, c) for c in commits], headers)


@router.route("GET", "/repos/{owner}/{repo}/commits/{ref:path}", locked=False)
def get_commit(ctx: Ctx, owner: str, repo: str, ref: str) -> Response:
    found = repo_of(ctx, owner, repo)
    require_not_empty(found)
    sha = found.store.resolve(ref)
    if sha is None:
        raise ApiError(422, f"No commit found for SHA: {ref}")
    c = found.store.read_commit(sha)
    return Response(200, shapes.commit(ctx.urls, ctx.state, found, c, commit_files(found, c)))


def _resolve_side(ctx: Ctx, found: Repo, spec: str) -> str:
    """``ref`` in this repository, or ``owner:ref`` in a repository of the same fork network."""
    owner, sep, ref = spec.partition(":")
    target: Repo | None = found
    if sep:
        target = next((r for r in ctx.state.network(found) if r.owner.login.lower() == owner.lower()), None)
    else:
        ref = spec
    if target is None:
        raise not_found()
    sha = target.store.resolve(ref)
    if sha is None:
        raise not_found()
    return sha


COMPARE_MAX_FILES = 300


@router.route("GET", "/repos/{owner}/{repo}/compare/{basehead:path}", locked=False)
def compare(ctx: Ctx, owner: str, repo: str, basehead: str) -> Response:
    found = repo_of(ctx, owner, repo)
    require_not_empty(found)
    base_spec, sep, head_spec = basehead.partition("...")
    if not sep or not base_spec or not head_spec:
        raise not_found()
    store = found.store
    base, head = _resolve_side(ctx, found, base_spec), _resolve_side(ctx, found, head_spec)
    mb = store.merge_base(base, head)
    if mb is None:
        raise ApiError(404, f"No common ancestor between {base_spec} and {head_spec}.")
    ahead = store.rev_list(head, exclude=mb, reverse=True)
    behind = store.rev_list(base, exclude=mb)
    status = "identical" if not ahead and not behind else "ahead" if not behind else \
        "behind" if not ahead else "diverged"
    # "The maximum number of files in a single diff is limited to 300", for commits,
    # pull requests and compare views, and "most of the limits below affect both
    # GitHub and the API" (docs.github.com/en/repositories/creating-and-managing-
    # repositories/repository-limits, "Diff limits").
    files = file_diffs(store, mb, head)[:COMPARE_MAX_FILES]
    api, html = ctx.urls.repo(found), ctx.urls.repo_html(found)
    listed = store.read_commits(ahead[:250])
    body = {
        "url": f"{api}/compare/{basehead}",
        "html_url": f"{html}/compare/{basehead}",
        "permalink_url": f"{html}/compare/{found.owner.login}:{base[:7]}...{found.owner.login}:{head[:7]}",
        "diff_url": f"{html}/compare/{basehead}.diff",
        "patch_url": f"{html}/compare/{basehead}.patch",
        "base_commit": shapes.commit(ctx.urls, ctx.state, found, store.read_commit(base)),
        "merge_base_commit": shapes.commit(ctx.urls, ctx.state, found, store.read_commit(mb)),
        "status": status,
        "ahead_by": len(ahead),
        "behind_by": len(behind),
        "total_commits": len(ahead),
        "commits": [shapes.commit(ctx.urls, ctx.state, found, c) for c in listed],
        "files": [shapes.file_entry(ctx.urls, found, f, head) for f in files],
    }
    return Response(200, body)
