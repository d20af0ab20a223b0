"""Repository, user, rate-limit, collaborator, label and contents endpoints."""

from __future__ import annotations

import posixpath
import time

from .. import shapes
from ..errors import ApiError, not_found, validation_failed
from ..gitstore import TreeEntry
from ..routes import Ctx, Response, need, repo_of, router
from ..schema import check_object, opt, req
from ..state import Label


@router.route("GET", "/user")
def get_user(ctx: Ctx) -> Response:
    return Response(200, shapes.full_user(ctx.urls, ctx.user))


@router.route("GET", "/users/{login}")
def get_named_user(ctx: Ctx, login: str) -> Response:
    found = ctx.state.user(login)
    if found is None:
        raise not_found()
    return Response(200, shapes.full_user(ctx.urls, found))


@router.route("GET", "/rate_limit")
def rate_limit(ctx: Ctx) -> Response:
    reset = int(time.time()) + 3600
    core = {"limit": 5000, "used": 0, "remaining": 5000, "reset": reset}
    resources = {name: dict(core, resource=name) for name in ("core", "search", "graphql", "integration_manifest")}
    return Response(200, {"resources": resources, "rate": dict(core, resource="core")})


@router.route("GET", "/repos/{owner}/{repo}")
def get_repo(ctx: Ctx, owner: str, repo: str) -> Response:
    found = repo_of(ctx, owner, repo)
    return Response(200, shapes.repository(ctx.urls, ctx.state, found, ctx.user))


@router.route("GET", "/repos/{owner}/{repo}/collaborators/{username}/permission")
def collaborator_permission(ctx: Ctx, owner: str, repo: str, username: str) -> Response:
    found = repo_of(ctx, owner, repo)
    target = ctx.state.user(username)
    if target is None:
        raise not_found()
    return Response(200, shapes.collaborator_permission(ctx.urls, target, ctx.state.role(found, target)))


# -- labels ------------------------------------------------------------------------------------

LABEL_SPEC = {"name": req(str), "color": opt(str), "description": opt(str)}


@router.route("GET", "/repos/{owner}/{repo}/labels")
def list_labels(ctx: Ctx, owner: str, repo: str) -> Response:
    found = repo_of(ctx, owner, repo)
    page, headers = ctx.paginate(list(found.labels.values()), found)
    return Response(200, [shapes.label(ctx.urls, found, lb) for lb in page], headers)


@router.route("GET", "/repos/{owner}/{repo}/labels/{name}")
def get_label(ctx: Ctx, owner: str, repo: str, name: str) -> Response:
    found = repo_of(ctx, owner, repo)
    return Response(200, shapes.label(ctx.urls, found, ctx.state.label(found, name)))


@router.route("POST", "/repos/{owner}/{repo}/labels")
def create_label(ctx: Ctx, owner: str, repo: str) -> Response:
    found = repo_of(ctx, owner, repo)
    need(ctx, found, "write")
    body = check_object(ctx.body, LABEL_SPEC)
    name = body["name"].strip()
    color = body.get("color", "ededed").lstrip("#")
    if not name:
        raise validation_failed({"resource": "Label", "code": "missing_field", "field": "name"})
    if len(color) != 6 or any(c not in "0123456789abcdefABCDEF" for c in color):
        raise validation_failed({"resource": "Label", "code": "invalid", "field": "color"})
    if name.lower() in found.labels:
        raise validation_failed({"resource": "Label", "code": "already_exists", "field": "name"},
                                doc="https://docs.github.com/rest/issues/labels#create-a-label")
    lb = Label(ctx.state.next_id("label"), name, color.lower(), body.get("description"))
    found.labels[name.lower()] = lb
    return Response(201, shapes.label(ctx.urls, found, lb))


# -- contents ------------------------------------------------------------------------------------


@router.route("GET", "/repos/{owner}/{repo}/contents")
@router.route("GET", "/repos/{owner}/{repo}/contents/{path:path}")
def get_contents(ctx: Ctx, owner: str, repo: str, path: str = "") -> Response:
    found = repo_of(ctx, owner, repo)
    store = found.store
    if store.is_empty():
        raise ApiError(404, "This repository is empty.")
    ref = ctx.arg("ref") or found.default_branch
    sha = store.resolve(ref)
    if sha is None:
        raise ApiError(404, f"No commit found for the ref {ref}")
    tree = store.read_commit(sha).tree
    path = path.strip("/")
    if not path:
        return Response(200, [shapes.content_entry(ctx.urls, found, e, ref) for e in store.ls_tree(tree)])
    entry = store.entry_at(tree, path)
    if entry is None:
        raise not_found()
    if entry.type == "tree":
        children = [TreeEntry(c.mode, c.type, c.sha, f"{path}/{c.path}", c.size) for c in store.ls_tree(entry.sha)]
        return Response(200, [shapes.content_entry(ctx.urls, found, c, ref) for c in children])
    if entry.type == "blob" and entry.mode != "120000":
        return Response(200, shapes.content_file(ctx.urls, found, path, entry.sha, store.read_blob(entry.sha), ref))
    if entry.mode == "120000":
        # As GitHub documents: a link whose target is a regular file of the repository
        # is answered with that file's content, under the target's own path.
        target = store.read_blob(entry.sha).decode("utf-8", errors="replace")
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
        linked = None if target.startswith("/") or resolved.startswith("..") else \
            store.entry_at(tree, resolved)
        if linked is not None and linked.type == "blob" and linked.mode != "120000":
            return Response(200, shapes.content_file(ctx.urls, found, resolved, linked.sha,
                                                      store.read_blob(linked.sha), ref))
    out = shapes.content_entry(ctx.urls, found, entry, ref)
    if entry.mode == "120000":
        out["target"] = target
    return Response(200, out)
