"""MC144: a labelled image without the OCI labels that say what it is and where its code is."""
from __future__ import annotations

from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.fixers.dockerfile._insert_line import insert_after
from modcon.model import Fix
from modcon.model import FixAvailability
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Severity
from modcon.properties import Property
from modcon.readers.dockerfile.syntax import Instruction
from modcon.registry import rule

SOURCE = 'org.opencontainers.image.source'
DESCRIPTION = 'org.opencontainers.image.description'
# Keys people use for the same facts; the message names the OCI key to use instead.
LEGACY = {
    'org.label-schema.vcs-url': SOURCE,
    'org.label-schema.url': SOURCE,
    'vcs-url': SOURCE,
    'source': SOURCE,
    'repository': SOURCE,
    'org.label-schema.description': DESCRIPTION,
    'description': DESCRIPTION,
}


def label_keys(ins: Instruction) -> list[str]:
    """The keys a LABEL instruction sets (``k=v ...`` or the old ``k v`` form)."""
    text = ins.args.text
    if not any(c in text for c in '"\'\\'):  # no quoting: blanks separate the words
        plain = text.split()
        if plain and '=' not in plain[0]:
            return plain[:1]
        return [w.split('=', 1)[0] for w in plain if '=' in w]
    words: list[str] = []
    word: list[str] = []
    quote = ''
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == '\\' and quote == '"' and i + 1 < len(text):
                word.append(text[i + 1])
                i += 2
                continue
            if ch == quote:
                quote = ''
            else:
                word.append(ch)
        elif ch in '"\'':
            quote = ch
        elif ch == '\\' and i + 1 < len(text):
            word.append(text[i + 1])
            i += 1
        elif ch.isspace():
            if word:
                words.append(''.join(word))
                word = []
        else:
            word.append(ch)
        i += 1
    if word:
        words.append(''.join(word))
    if words and '=' not in words[0]:
        return [words[0]]
    return [w.split('=', 1)[0] for w in words if '=' in w]


def label_value(ins: Instruction, key: str) -> str | None:
    """The value of ``key`` in a ``k=v`` LABEL, as written (quotes kept), or None."""
    import re

    value = r'("(?:[^"\\]|\\.)*"|\'[^\']*\'|[^\s"\']\S*)'  # as written, quotes kept
    match = re.search(rf'(?:^|\s)(["\']?){re.escape(key)}\1={value}', ins.args.text,
                      re.IGNORECASE)
    return match[2] if match else None


@rule(
    code='MC144',
    name='oci-labels-missing',
    kind=Kind.DOCKERFILE,
    property=Property.EXPLICIT_INTERFACES,
    severity=Severity.INFO,
    fixable=FixAvailability.SOMETIMES,
    aliases=(),
    reads=('LABEL', 'MAINTAINER'),
)
def oci_labels_missing(document: DockerfileDocument) -> Iterator[Hit]:
    """## What it does
    Finds Dockerfiles that label their final image (`LABEL`, or the
    deprecated `MAINTAINER`) but set neither or only one of
    `org.opencontainers.image.source` and `org.opencontainers.image.description`,
    and names the OCI keys to use for legacy ones (`org.label-schema.vcs-url`,
    `description`, ...).

    ## Why is this bad?
    An image is used far from the repository that builds it. The OCI
    annotations are the standard place for "what is this, and where is its
    code": `docker image inspect` shows them, GitHub's registry links a
    package to its repository through `source`, and Docker Hub, Renovate
    and vulnerability scanners read them. Labels under private or retired
    schemes are read by nobody. A module container says what it is.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    LABEL maintainer="team@example.com" version="1.4.2"
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    LABEL org.opencontainers.image.source="https://github.com/example/invoice-renderer" \
          org.opencontainers.image.description="Renders invoices to PDF over HTTP" \
          maintainer="team@example.com" version="1.4.2"
    ```

    ## Fix safety
    Where a legacy key already holds the value (`org.label-schema.vcs-url`,
    `org.label-schema.description`, `description`, ...), a new `LABEL` line
    after the last one sets the OCI key to the same value, written the same
    way. Safe: labels are metadata, and the old ones stay for whoever reads
    them. Otherwise no fix: the values (the repository URL, a one-line
    description) are not in the files. Labels set only in earlier build stages do not reach the
    final image and do not count; labels inherited from the base image
    describe the base, not this image, and do not count either.

    Dockerfiles without any label are not reported: their labels usually
    come from the build (`docker/metadata-action`, `docker build --label`,
    bake files), which modcon cannot see, and a finding on every such file
    would be noise.
    """
    if not any(ins.name in ('LABEL', 'MAINTAINER') for ins in document.instructions):
        return  # the common case; labels set by the build are not ours to see
    labels: list[Instruction] = []
    keys: set[str] = set()
    for stage in document.stages.final_lineage:
        for ins in stage.instructions:
            if ins.name == 'LABEL':
                labels.append(ins)
                keys.update(k.lower() for k in label_keys(ins))
            elif ins.name == 'MAINTAINER':
                labels.append(ins)
                keys.add('maintainer')
    if not labels:
        return
    missing = [k for k in (SOURCE, DESCRIPTION) if k not in keys]
    if not missing:
        return
    legacy = sorted(f'`{k}` → `{LEGACY[k]}`' for k in keys
                    if k in LEGACY and LEGACY[k] in missing)
    hint = f'; use the OCI key instead of {", ".join(legacy)}' if legacy else ''
    last = labels[-1]
    names = ' and '.join(f'`{k}`' for k in missing)
    yield Hit(last.start, last.end,
              f'the image is labelled but has no {names}: `docker image inspect`, registries '
              f'and scanners cannot tell what it is or where its code lives{hint}',
              _fix(document, labels, missing, last) if legacy else None)


def _fix(document: DockerfileDocument, labels: list[Instruction], missing: list[str],
         last: Instruction) -> Fix | None:
    """Copy the values of legacy keys to the missing OCI keys, in a new LABEL line."""
    found: dict[str, tuple[int, str]] = {}  # OCI key -> (preference, value as written)
    for ins in labels:  # in build order: a later LABEL overrides an earlier one
        if ins.name != 'LABEL':
            continue
        for old, new in LEGACY.items():
            value = label_value(ins, old) if new in missing else None
            if value is None:
                continue
            preference = 1 if old.startswith('org.') else 0  # a schema key over a bare one
            if new not in found or preference >= found[new][0]:
                found[new] = (preference, value)
    if not found:
        return None
    values = {key: value for key, (_preference, value) in found.items()}
    line = 'LABEL ' + ' '.join(f'{k}={values[k]}' for k in missing if k in values)
    return Fix.safe(f'Copy the legacy values to the OCI keys: `{line}`',
                    insert_after(document, last, line))
