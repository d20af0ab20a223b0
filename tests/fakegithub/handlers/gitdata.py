"""The Git Data API: blobs, trees, commits and references, backed by real git objects.

These routes run without the state lock: they touch git (whose ref updates are
compare-and-swap under git's own lock file) and only the ``commit_meta`` dict.
That keeps the ref race honest: two concurrent ``PATCH /git/refs`` calls are
decided by ``git update-ref <new> <old>``, not by a Python lock.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime
from typing import Any

from .. import shapes
from ..errors import ApiError, invalid_request, not_found, unprocessable
from ..gitstore import MODE_TYPES, Person, RefConflict, is_full_sha
from ..routes import Ctx, Response, need, repo_of, router
from ..schema import check_object, opt, req
from ..state import CommitMeta, Repo
from .common import require_not_empty

DOC_REFS = "https://docs.github.com/rest/git/refs"


# -- blobs ------------------------------------------------------------------------------------


@router.route("POST", "/repos/{owner}/{repo}/git/blobs", locked=False)
def create_blob(ctx: Ctx, owner: str, repo: str) -> Response:
    found = repo_of(ctx, owner, repo)
    need(ctx, found, "write")
    require_not_empty(found)
    body = check_object(ctx.body, {"content": req(str), "encoding": opt(str, enum=("utf-8", "base64"))})
    if body.get("encoding", "utf-8") == "base64":
        try:
            data = base64.b64decode(body["content"], validate=False)
        except (binascii.Error, ValueError):
            raise invalid_request("For 'properties/content', the value is not valid base64.") from None
    else:
        data = body["content"].encode("utf-8")
    sha = found.store.write_blob(data)
    return Response(201, {"url": f"{ctx.urls.repo(found)}/git/blobs/{sha}", "sha": sha})


def _holding(ctx: Ctx, owner: str, repo: str, sha: str, typ: str) -> Repo:
    """The repository in the URL, if ``sha`` names a ``typ`` object in it (else 404)."""
    found = repo_of(ctx, owner, repo)
    require_not_empty(found)
    if found.store.object_type(sha) != typ:
        raise not_found()
    return found


@router.route("GET", "/repos/{owner}/{repo}/git/blobs/{sha}", locked=False)
def get_blob(ctx: Ctx, owner: str, repo: str, sha: str) -> Response:
    found = _holding(ctx, owner, repo, sha, "blob")
    return Response(200, shapes.blob(ctx.urls, found, sha, found.store.read_blob(sha)))


# -- trees ------------------------------------------------------------------------------------


def _tree_sha(found: Repo, ident: str) -> str | None:
    """GitHub's tree_sha accepts a tree SHA, a commit SHA, or a branch/tag name."""
    typ = found.store.object_type(ident)
    if typ == "tree":
        return ident
    commit = ident if typ == "commit" else found.store.resolve(ident)
    return found.store.read_commit(commit).tree if commit else None


@router.route("GET", "/repos/{owner}/{repo}/git/trees/{sha:path}", locked=False)
def get_tree(ctx: Ctx, owner: str, repo: str, sha: str) -> Response:
    found = repo_of(ctx, owner, repo)
    require_not_empty(found)
    tree = _tree_sha(found, sha)
    if tree is None:
        raise not_found()
    # Any value of "recursive" turns recursion on, as GitHub documents.
    recursive = ctx.arg("recursive") not in (None, "", "0", "false")
    entries = found.store.ls_tree(tree, recursive=recursive)
    return Response(200, shapes.tree(ctx.urls, found, tree, entries))


TREE_ENTRY = {
    "path": req(str),
    "mode": req(str, enum=tuple(MODE_TYPES)),
    "type": opt(str, enum=("blob", "tree", "commit")),
    "sha": opt(str, nullable=True),
    "content": opt(str),
}


def _check_path(path: str) -> None:
    parts = path.split("/")
    if path.startswith("/") or any(p in ("", ".", "..", ".git") for p in parts):
        raise unprocessable("tree.path contains a malformed path component")


@router.route("POST", "/repos/{owner}/{repo}/git/trees", locked=False)
def create_tree(ctx: Ctx, owner: str, repo: str) -> Response:
    found = repo_of(ctx, owner, repo)
    need(ctx, found, "write")
    require_not_empty(found)
    store = found.store
    body = check_object(ctx.body, {"tree": req(list), "base_tree": opt(str)})
    leaves: dict[str, tuple[str, str]] = {}
    if "base_tree" in body:
        base = _tree_sha(found, body["base_tree"]) if is_full_sha(body["base_tree"]) else None
        if base is None:
            raise unprocessable("base_tree is not a valid tree oid")
        leaves = store.flatten(base)

    entries = [check_object(e, TREE_ENTRY, where="properties/tree/items") for e in body["tree"]]
    # Write every new blob in one git call before applying the entries in order.
    contents = [e["content"].encode("utf-8") for e in entries if "content" in e and "sha" not in e]
    blob_shas = iter(store.write_blobs(contents))
    for entry in entries:
        path, mode = entry["path"], entry["mode"]
        _check_path(path)
        want_type = MODE_TYPES[mode]
        if entry.get("type", want_type) != want_type:
            raise unprocessable(f"tree.type {entry['type']!r} does not match mode {mode}")
        has_sha, has_content = "sha" in entry, "content" in entry
        if has_sha and has_content:
            raise invalid_request("Only one of \"sha\" or \"content\" may be supplied per tree entry.")
        if not has_sha and not has_content:
            raise invalid_request("Either \"sha\" or \"content\" must be supplied per tree entry.")
        # Whatever was at or under this path before is replaced (or deleted).
        _remove(leaves, path)
        if has_sha and entry["sha"] is None:
            continue  # sha: null deletes the path
        if has_content:
            if want_type != "blob":
                raise unprocessable("tree.content can only be used with blob modes")
            leaves[path] = (mode, next(blob_shas))
            continue
        sha = entry["sha"]
        if want_type == "commit":
            if not is_full_sha(sha):
                raise unprocessable("GitRPC::BadObjectState")
            leaves[path] = (mode, sha)  # a submodule points outside this repository
            continue
        if store.object_type(sha) != want_type:
            raise unprocessable("GitRPC::BadObjectState")
        if want_type == "tree":
            for sub, (sub_mode, sub_sha) in store.flatten(sha).items():
                leaves[f"{path}/{sub}"] = (sub_mode, sub_sha)
        else:
            leaves[path] = (mode, sha)
    tree = store.write_tree(leaves)
    return Response(201, shapes.tree(ctx.urls, found, tree, store.ls_tree(tree)))


def _remove(leaves: dict[str, tuple[str, str]], path: str) -> None:
    """Drop ``path`` and everything under it, and any file sitting where a parent dir must go."""
    leaves.pop(path, None)
    prefix = path + "/"
    for key in [k for k in leaves if k.startswith(prefix)]:
        del leaves[key]
    parts = path.split("/")
    for depth in range(1, len(parts)):
        leaves.pop("/".join(parts[:depth]), None)


# -- commits ----------------------------------------------------------------------------------


PERSON = {"name": req(str), "email": req(str), "date": opt(str)}


def _person(raw: Any, field: str) -> Person:
    body = check_object(raw, PERSON, where=f"properties/{field}")
    if not body["name"].strip() or not body["email"].strip():
        raise invalid_request(f"For 'properties/{field}', name and email must not be blank.")
    if "date" in body:
        try:
            when = datetime.fromisoformat(body["date"])
        except ValueError:
            raise invalid_request(f"For 'properties/{field}/date', {body['date']!r} is not a timestamp.") from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        offset = int(when.utcoffset().total_seconds() // 60)  # type: ignore[union-attr]
        sign = "+" if offset >= 0 else "-"
        tz = f"{sign}{abs(offset) // 60:02d}{abs(offset) % 60:02d}"
        return Person(body["name"], body["email"], int(when.timestamp()), tz)
    return Person.now(body["name"], body["email"])


@router.route("POST", "/repos/{owner}/{repo}/git/commits", locked=False)
def create_commit(ctx: Ctx, owner: str, repo: str) -> Response:
    found = repo_of(ctx, owner, repo)
    need(ctx, found, "write")
    require_not_empty(found)
    store = found.store
    body = check_object(ctx.body, {"message": req(str), "tree": req(str), "parents": opt(list),
                                   "author": opt(dict), "committer": opt(dict), "signature": opt(str)})
    parents = body.get("parents", [])
    if not all(isinstance(p, str) for p in parents):
        raise invalid_request("For 'properties/parents', every item must be a string.")
    if store.object_type(body["tree"]) != "tree":
        raise unprocessable("Tree SHA does not exist")
    for p in parents:
        if store.object_type(p) != "commit":
            raise unprocessable("Parent SHA does not exist or is not a commit object")
    author_given, committer_given = "author" in body, "committer" in body
    me = ctx.user
    if author_given:
        author = _person(body["author"], "author")
    else:
        author = Person.now(me.name or me.login, me.email or me.noreply_email)
    if committer_given:
        committer = _person(body["committer"], "committer")
    elif author_given:
        committer = author
    else:
        # Left to GitHub, the committer is GitHub itself and the commit is signed.
        committer = Person.now("GitHub", "noreply@github.com")
    sha = store.commit_tree(body["tree"], parents, body["message"], author, committer)
    verified = not author_given and not committer_given
    # The same content at the same second yields the same SHA; keep the first record.
    ctx.state.commit_meta.setdefault(sha, CommitMeta(author_given, committer_given, verified))
    return Response(201, shapes.git_commit(ctx.urls, found, store.read_commit(sha), ctx.state.commit_meta[sha]))


@router.route("GET", "/repos/{owner}/{repo}/git/commits/{sha}", locked=False)
def get_git_commit(ctx: Ctx, owner: str, repo: str, sha: str) -> Response:
    found = _holding(ctx, owner, repo, sha, "commit")
    c = found.store.read_commit(sha)
    return Response(200, shapes.git_commit(ctx.urls, found, c, ctx.state.commit_meta.get(sha)))


# -- refs ---------------------------------------------------------------------------------------


def _full_ref(ref: str) -> str:
    """A ref from the URL, with or without its ``refs/`` prefix, as a full name."""
    return "refs/" + ref.removeprefix("refs/")


def _check_writable(full: str) -> None:
    if full.startswith("refs/pull/"):
        raise unprocessable("Reference cannot be updated", DOC_REFS)


def _matching(ctx: Ctx, found: Repo, prefix: str) -> list[dict[str, Any]]:
    refs = found.store.list_refs_typed()
    return [shapes.ref(ctx.urls, found, name, sha, typ) for name, (sha, typ) in sorted(refs.items())
            if name.startswith("refs/" + prefix)]


@router.route("GET", "/repos/{owner}/{repo}/git/ref/{ref:path}", locked=False)
def get_ref(ctx: Ctx, owner: str, repo: str, ref: str) -> Response:
    found = repo_of(ctx, owner, repo)
    require_not_empty(found)
    full = _full_ref(ref)
    refs = found.store.list_refs_typed()
    if full not in refs:
        raise not_found()
    sha, typ = refs[full]
    return Response(200, shapes.ref(ctx.urls, found, full, sha, typ))


@router.route("GET", "/repos/{owner}/{repo}/git/refs", locked=False)
def list_refs(ctx: Ctx, owner: str, repo: str) -> Response:
    found = repo_of(ctx, owner, repo)
    require_not_empty(found)
    page, headers = ctx.paginate(_matching(ctx, found, ""), found)
    return Response(200, page, headers)


@router.route("GET", "/repos/{owner}/{repo}/git/refs/{ref:path}", locked=False)
def get_refs_legacy(ctx: Ctx, owner: str, repo: str, ref: str) -> Response:
    """The older plural form: one object on an exact match, else the list of prefix matches."""
    found = repo_of(ctx, owner, repo)
    require_not_empty(found)
    full = "refs/" + ref
    refs = found.store.list_refs_typed()
    if full in refs:
        sha, typ = refs[full]
        return Response(200, shapes.ref(ctx.urls, found, full, sha, typ))
    matches = _matching(ctx, found, ref)
    if not matches:
        raise not_found()
    return Response(200, matches)


@router.route("GET", "/repos/{owner}/{repo}/git/matching-refs/", locked=False)
@router.route("GET", "/repos/{owner}/{repo}/git/matching-refs/{ref:path}", locked=False)
def matching_refs(ctx: Ctx, owner: str, repo: str, ref: str = "") -> Response:
    found = repo_of(ctx, owner, repo)
    require_not_empty(found)
    page, headers = ctx.paginate(_matching(ctx, found, ref), found)
    return Response(200, page, headers)


_VALID_REF = re.compile(r"^refs/[^/]+/.+")


def _check_ref_name(found: Repo, ref: str) -> None:
    if not _VALID_REF.match(ref):
        raise unprocessable("Reference name must contain at least three slash-separated components.", DOC_REFS)
    if found.store.git("check-ref-format", ref, check=False).returncode != 0:
        raise unprocessable(f"{ref} is not a valid ref name.", DOC_REFS)


@router.route("POST", "/repos/{owner}/{repo}/git/refs", locked=False)
def create_ref(ctx: Ctx, owner: str, repo: str) -> Response:
    found = repo_of(ctx, owner, repo)
    need(ctx, found, "write")
    require_not_empty(found)
    body = check_object(ctx.body, {"ref": req(str), "sha": req(str), "key": opt(str)})
    ref, sha = body["ref"], body["sha"]
    _check_ref_name(found, ref)
    _check_writable(ref)
    typ = found.store.object_type(sha)
    if typ is None:
        raise unprocessable("Object does not exist", DOC_REFS)
    if ref in found.store.list_refs():
        raise unprocessable("Reference already exists", DOC_REFS)
    try:
        found.store.update_ref(ref, sha, None)
    except RefConflict as exc:
        # Either created concurrently, or a directory/file clash such as a/b vs a.
        if ref in found.store.list_refs():
            raise unprocessable("Reference already exists", DOC_REFS) from exc
        raise unprocessable("Reference update failed", DOC_REFS) from exc
    return Response(201, shapes.ref(ctx.urls, found, ref, sha, typ))


@router.route("PATCH", "/repos/{owner}/{repo}/git/refs/{ref:path}", locked=False)
def update_ref(ctx: Ctx, owner: str, repo: str, ref: str) -> Response:
    found = repo_of(ctx, owner, repo)
    need(ctx, found, "write")
    require_not_empty(found)
    body = check_object(ctx.body, {"sha": req(str), "force": opt(bool)})
    full = _full_ref(ref)
    _check_writable(full)
    new, force = body["sha"], body.get("force", False)
    store = found.store
    typ = store.object_type(new)
    if typ is None:
        raise unprocessable("Object does not exist", DOC_REFS)
    # Compare-and-swap loop: read, check fast-forward, swap only if unchanged.
    for _ in range(20):
        old = store.ref_sha(full)
        if old is None:
            raise unprocessable("Reference does not exist", DOC_REFS)
        if not force and old != new and (typ != "commit" or not store.is_ancestor(old, new)):
            raise unprocessable("Update is not a fast forward", DOC_REFS)
        try:
            store.update_ref(full, new, old)
        except RefConflict:
            continue  # someone moved the ref in between; decide again against its new value
        return Response(200, shapes.ref(ctx.urls, found, full, new, typ))
    raise ApiError(409, "Reference update failed: too much contention")


@router.route("DELETE", "/repos/{owner}/{repo}/git/refs/{ref:path}", locked=False)
def delete_ref(ctx: Ctx, owner: str, repo: str, ref: str) -> Response:
    found = repo_of(ctx, owner, repo)
    need(ctx, found, "write")
    require_not_empty(found)
    full = _full_ref(ref)
    _check_writable(full)
    old = found.store.ref_sha(full)
    if old is None:
        raise unprocessable("Reference does not exist", DOC_REFS)
    try:
        found.store.delete_ref(full, old)
    except RefConflict:
        raise unprocessable("Reference does not exist", DOC_REFS) from None
    if full.startswith("refs/heads/"):
        ctx.state.branch_deleted(found, full[len("refs/heads/"):])
    return Response(204)
