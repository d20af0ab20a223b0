"""Real git repositories behind the fake GitHub, driven only through git plumbing.

Every object the fake API hands out (blob, tree, commit, ref) is a real git
object in a bare repository, written with ``hash-object``, ``mktree``,
``commit-tree`` and ``update-ref``. That way a test can inspect what the bot
produced with ordinary git (``git -C <bare> show <sha>``, ``git clone``) and a
SHA from the API is the SHA git computes, not an invented token.

Forks share one object store with their parent (the fork's ``objects``
directory is a symlink to the parent's), which is how GitHub stores a fork
network: refs are per repository, objects are shared, so a pull request from a
fork can be diffed in the base repository without copying anything.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ZERO_SHA = "0" * 40
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
_FULL_SHA = re.compile(r"[0-9a-f]{40}")
_SHORT_SHA = re.compile(r"[0-9a-f]{7,39}")
_PERSON = re.compile(r"^(?P<name>.*) <(?P<email>[^>]*)> (?P<epoch>-?\d+) (?P<tz>[+-]\d{4})$")

# Modes GitHub's tree API accepts, and the object type each one must point at.
MODE_TYPES: dict[str, str] = {
    "100644": "blob",
    "100755": "blob",
    "120000": "blob",
    "040000": "tree",
    "160000": "commit",
}


class GitError(RuntimeError):
    """A git command failed in a way the caller did not anticipate."""


class RefConflict(Exception):
    """A compare-and-swap ref update lost: the ref no longer had the expected value."""


@dataclass(frozen=True)
class Person:
    """An author or committer line of a commit object."""

    name: str
    email: str
    epoch: int
    tz: str = "+0000"

    @classmethod
    def now(cls, name: str, email: str) -> Person:
        return cls(name, email, int(datetime.now(UTC).timestamp()))

    @classmethod
    def parse(cls, line: str) -> Person:
        m = _PERSON.match(line)
        if not m:
            raise GitError(f"unparseable ident line: {line!r}")
        return cls(m["name"], m["email"], int(m["epoch"]), m["tz"])

    def iso(self) -> str:
        """The date as GitHub prints it: UTC with a trailing Z."""
        return datetime.fromtimestamp(self.epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def git_date(self) -> str:
        return f"@{self.epoch} {self.tz}"


@dataclass(frozen=True)
class CommitObject:
    """A parsed commit object."""

    sha: str
    tree: str
    parents: tuple[str, ...]
    author: Person
    committer: Person
    message: str
    signed: bool = False


@dataclass(frozen=True)
class TreeEntry:
    """One line of ``git ls-tree -l``."""

    mode: str
    type: str
    sha: str
    path: str
    size: int | None


@dataclass(frozen=True)
class RawChange:
    """One entry of ``git diff --raw``: what happened to which path."""

    status: str  # A, D, M, R, C, T
    old_mode: str
    new_mode: str
    old_sha: str
    new_sha: str
    path: str
    old_path: str | None


def _clean_env() -> dict[str, str]:
    """The environment for git children: no inherited repository or user config.

    A developer's GIT_DIR / GIT_INDEX_FILE (set by hooks, say) or global config
    (signing, hooks, default branch) must not leak into the fake's repositories.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    env["GIT_CONFIG_GLOBAL"] = os.devnull
    env["GIT_TERMINAL_PROMPT"] = "0"
    env.setdefault("LC_ALL", "C")
    return env


_ENV = _clean_env()


def run_git(
    args: list[str],
    *,
    git_dir: Path | None = None,
    input: bytes | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run git with a clean environment; raise GitError on failure when ``check``."""
    cmd = ["git", "-c", "gc.auto=0", "-c", "core.quotePath=false"]
    if git_dir is not None:
        cmd += ["--git-dir", str(git_dir)]
    cmd += args
    full_env = dict(_ENV)
    if env:
        full_env.update(env)
    proc = subprocess.run(cmd, input=input, capture_output=True, env=full_env, cwd=cwd)
    if check and proc.returncode != 0:
        raise GitError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode(errors='replace').strip()}")
    return proc


def is_full_sha(value: str) -> bool:
    return bool(_FULL_SHA.fullmatch(value))


class GitStore:
    """One bare repository: object writes, reads, and ref compare-and-swap."""

    def __init__(self, git_dir: Path) -> None:
        self.git_dir = Path(git_dir)

    # -- creation -----------------------------------------------------------------

    @classmethod
    def init_bare(cls, git_dir: Path, default_branch: str) -> GitStore:
        run_git(["init", "--bare", "--quiet", f"--initial-branch={default_branch}", str(git_dir)])
        return cls(git_dir)

    @classmethod
    def init_fork(cls, parent: GitStore, git_dir: Path, default_branch: str) -> GitStore:
        """A bare repository whose object store *is* the parent's (one fork network)."""
        store = cls.init_bare(git_dir, default_branch)
        objects = store.git_dir / "objects"
        # Replace the fresh, empty object directory by a link to the network's store.
        shutil.rmtree(objects)
        objects.symlink_to((parent.git_dir / "objects").resolve(), target_is_directory=True)
        return store

    def git(self, *args: str, input: bytes | None = None, env: Mapping[str, str] | None = None,
            check: bool = True) -> subprocess.CompletedProcess[bytes]:
        return run_git(list(args), git_dir=self.git_dir, input=input, env=env, check=check)

    def set_head(self, branch: str) -> None:
        self.git("symbolic-ref", "HEAD", f"refs/heads/{branch}")

    # -- objects --------------------------------------------------------------------

    def write_blob(self, data: bytes) -> str:
        return self.git("hash-object", "-w", "--no-filters", "--stdin", input=data).stdout.decode().strip()

    def write_blobs(self, datas: list[bytes]) -> list[str]:
        """Write many blobs with one git process (seeding a repository must stay fast)."""
        if len(datas) <= 1:
            return [self.write_blob(d) for d in datas]
        with tempfile.TemporaryDirectory(prefix="fakegh-blobs-") as tmp:
            paths = []
            for i, data in enumerate(datas):
                p = Path(tmp) / str(i)
                p.write_bytes(data)
                paths.append(str(p))
            out = self.git("hash-object", "-w", "--no-filters", "--stdin-paths",
                           input="\n".join(paths).encode() + b"\n").stdout.decode().split()
        if len(out) != len(datas):
            raise GitError("hash-object returned a wrong number of SHAs")
        return out

    def object_type(self, sha: str) -> str | None:
        """``blob``/``tree``/``commit``/``tag`` for an existing full SHA, else None."""
        if not is_full_sha(sha):
            return None
        proc = self.git("cat-file", "-t", sha, check=False)
        return proc.stdout.decode().strip() if proc.returncode == 0 else None

    def read_blob(self, sha: str) -> bytes:
        return self.git("cat-file", "blob", sha).stdout

    def ls_tree(self, tree: str, *, recursive: bool = False) -> list[TreeEntry]:
        """Entries of a tree; recursive lists subtrees too (like GitHub's ?recursive=1)."""
        args = ["ls-tree", "-l", "-z", "--full-tree"]
        if recursive:
            args += ["-r", "-t"]
        out = self.git(*args, tree).stdout.decode("utf-8", errors="surrogateescape")
        entries = []
        for rec in out.split("\0"):
            if not rec:
                continue
            meta, path = rec.split("\t", 1)
            mode, typ, sha, size = meta.split()
            entries.append(TreeEntry(mode, typ, sha, path, None if size == "-" else int(size)))
        return entries

    def entry_at(self, tree: str, path: str) -> TreeEntry | None:
        """The tree entry at ``path`` (file, directory or submodule), or None."""
        out = self.git("ls-tree", "-l", "-z", "--full-tree", tree, "--", path).stdout.decode(
            "utf-8", errors="surrogateescape")
        for rec in out.split("\0"):
            if rec:
                meta, found = rec.split("\t", 1)
                if found == path:
                    mode, typ, sha, size = meta.split()
                    return TreeEntry(mode, typ, sha, found, None if size == "-" else int(size))
        return None

    def flatten(self, tree: str) -> dict[str, tuple[str, str]]:
        """Every non-tree leaf under ``tree`` as ``{path: (mode, sha)}``."""
        return {e.path: (e.mode, e.sha) for e in self.ls_tree(tree, recursive=True) if e.type != "tree"}

    def write_tree(self, leaves: Mapping[str, tuple[str, str]]) -> str:
        """Build nested trees with ``git mktree``, deepest directories first."""
        dirs: dict[str, dict[str, tuple[str, str, str]]] = {"": {}}
        for path, (mode, sha) in leaves.items():
            parts = path.split("/")
            for depth in range(1, len(parts)):
                dirs.setdefault("/".join(parts[:depth]), {})
            parent = "/".join(parts[:-1])
            dirs[parent][parts[-1]] = (mode, MODE_TYPES.get(mode, "blob"), sha)
        for d in sorted(dirs, key=lambda p: p.count("/") + (1 if p else 0), reverse=True):
            if not d:
                continue
            sha = self._mktree(dirs[d])
            parent, _, name = d.rpartition("/")
            dirs[parent][name] = ("040000", "tree", sha)
        return self._mktree(dirs[""])

    def _mktree(self, entries: Mapping[str, tuple[str, str, str]]) -> str:
        data = b"".join(
            f"{mode} {typ} {sha}\t{name}".encode("utf-8", errors="surrogateescape") + b"\0"
            for name, (mode, typ, sha) in entries.items()
        )
        return self.git("mktree", "-z", input=data).stdout.decode().strip()

    def commit_tree(self, tree: str, parents: Iterable[str], message: str, author: Person,
                    committer: Person) -> str:
        args = ["commit-tree", tree]
        for p in parents:
            args += ["-p", p]
        args += ["-F", "-"]
        env = {
            "GIT_AUTHOR_NAME": author.name,
            "GIT_AUTHOR_EMAIL": author.email,
            "GIT_AUTHOR_DATE": author.git_date(),
            "GIT_COMMITTER_NAME": committer.name,
            "GIT_COMMITTER_EMAIL": committer.email,
            "GIT_COMMITTER_DATE": committer.git_date(),
        }
        # commit-tree stores the message verbatim; no cleanup, like GitHub's API.
        return self.git(*args, input=message.encode(), env=env).stdout.decode().strip()

    def read_commit(self, sha: str) -> CommitObject:
        return self.read_commits([sha])[0]

    def read_commits(self, shas: list[str]) -> list[CommitObject]:
        """Parse many commits with one ``cat-file --batch`` process."""
        if not shas:
            return []
        out = self.git("cat-file", "--batch", input=("\n".join(shas) + "\n").encode()).stdout
        commits, pos = [], 0
        for sha in shas:
            nl = out.index(b"\n", pos)
            header = out[pos:nl].decode().split()
            if len(header) != 3 or header[1] != "commit":
                raise GitError(f"{sha} is not a commit ({' '.join(header)})")
            size = int(header[2])
            body = out[nl + 1: nl + 1 + size]
            pos = nl + 1 + size + 1
            commits.append(_parse_commit(header[0], body))
        return commits

    # -- refs -------------------------------------------------------------------------

    def list_refs(self) -> dict[str, str]:
        out = self.git("for-each-ref", "--format=%(refname) %(objectname)").stdout.decode()
        refs = {}
        for line in out.splitlines():
            name, sha = line.rsplit(" ", 1)
            refs[name] = sha
        return refs

    def list_refs_typed(self) -> dict[str, tuple[str, str]]:
        """Every ref with the type of the object it points at (commit, or tag for annotated tags)."""
        out = self.git("for-each-ref", "--format=%(refname) %(objectname) %(objecttype)").stdout.decode()
        refs = {}
        for line in out.splitlines():
            name, sha, typ = line.rsplit(" ", 2)
            refs[name] = (sha, typ)
        return refs

    def ref_sha(self, ref: str) -> str | None:
        return self.list_refs().get(ref)

    def is_empty(self) -> bool:
        return not self.list_refs()

    def update_ref(self, ref: str, new: str, old: str | None) -> None:
        """Compare-and-swap: set ``ref`` to ``new`` only if it still is ``old``.

        ``old=None`` means the ref must not exist yet. git takes the ref lock and
        checks the old value itself, so two racing updates cannot both win.
        """
        proc = self.git("update-ref", "-m", "fakegithub", ref, new, old or ZERO_SHA, check=False)
        if proc.returncode != 0:
            raise RefConflict(proc.stderr.decode(errors="replace").strip())

    def delete_ref(self, ref: str, old: str) -> None:
        proc = self.git("update-ref", "-d", ref, old, check=False)
        if proc.returncode != 0:
            raise RefConflict(proc.stderr.decode(errors="replace").strip())

    def resolve(self, rev: str) -> str | None:
        """A branch, tag, full ref or (short) SHA to a commit SHA, like GitHub's ``{ref}``."""
        if not rev or rev.startswith("-"):
            return None
        refs = self.list_refs()
        for candidate in (f"refs/heads/{rev}", f"refs/tags/{rev}", rev if rev.startswith("refs/") else None):
            if candidate and candidate in refs:
                return self._peel(refs[candidate])
        if _FULL_SHA.fullmatch(rev):
            return rev if self.object_type(rev) == "commit" else None
        if _SHORT_SHA.fullmatch(rev):
            return self._peel(rev)
        return None

    def _peel(self, rev: str) -> str | None:
        proc = self.git("rev-parse", "--verify", "-q", f"{rev}^{{commit}}", check=False)
        return proc.stdout.decode().strip() if proc.returncode == 0 else None

    # -- history --------------------------------------------------------------------

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        return self.git("merge-base", "--is-ancestor", ancestor, descendant, check=False).returncode == 0

    def merge_base(self, a: str, b: str) -> str | None:
        proc = self.git("merge-base", a, b, check=False)
        return proc.stdout.decode().strip() if proc.returncode == 0 else None

    def rev_list(self, tip: str, *, exclude: str | None = None, path: str | None = None,
                 reverse: bool = False) -> list[str]:
        """Commit SHAs reachable from ``tip`` (minus ``exclude``), newest first unless reversed."""
        args = ["rev-list"]
        if reverse:
            args.append("--reverse")
        args.append(tip)
        if exclude:
            args.append(f"^{exclude}")
        if path:
            args += ["--", path]
        return self.git(*args).stdout.decode().split()

    def raw_diff(self, old: str, new: str) -> list[RawChange]:
        out = self.git("diff", "--raw", "-z", "-M", "--no-abbrev", old, new).stdout.decode(
            "utf-8", errors="surrogateescape")
        fields = out.split("\0")
        changes, i = [], 0
        while i < len(fields) and fields[i]:
            meta = fields[i].lstrip(":").split()
            status = meta[4][0]
            if status in "RC":
                changes.append(RawChange(status, meta[0], meta[1], meta[2], meta[3], fields[i + 2], fields[i + 1]))
                i += 3
            else:
                changes.append(RawChange(status, meta[0], meta[1], meta[2], meta[3], fields[i + 1], None))
                i += 2
        return changes

    def patch_text(self, old: str, new: str) -> str:
        return self.git("diff", "-M", "--no-color", "--no-ext-diff", "--no-textconv", "-U3", old, new).stdout.decode(
            "utf-8", errors="replace")


def _parse_commit(sha: str, body: bytes) -> CommitObject:
    head, _, message = body.partition(b"\n\n")
    tree, parents, author, committer, signed = "", [], None, None, False
    for line in head.decode("utf-8", errors="replace").split("\n"):
        if line.startswith(" "):
            continue  # continuation of a multi-line header such as gpgsig
        key, _, value = line.partition(" ")
        if key == "tree":
            tree = value
        elif key == "parent":
            parents.append(value)
        elif key == "author":
            author = Person.parse(value)
        elif key == "committer":
            committer = Person.parse(value)
        elif key == "gpgsig":
            signed = True
    if author is None or committer is None:
        raise GitError(f"commit {sha} lacks author or committer")
    return CommitObject(sha, tree, tuple(parents), author, committer, message.decode("utf-8", errors="replace"), signed)

