"""Write the prebuilt-image variant of action.yml (``prebuilt/action.yml``).

``action.yml`` builds the image from the ``Dockerfile`` on every run, as
GitHub does for ``image: Dockerfile``. The release workflow publishes that
image and, for the release tag, writes this variant that pulls it by digest
instead: the same inputs and outputs, only ``runs.image`` differs. Run as
``python -m modcon.action.prebuilt IMAGE-REFERENCE``.
"""
from __future__ import annotations

import re
import sys

_IMAGE = re.compile(r'^(  image:) Dockerfile$', re.MULTILINE)
HEADER = ('# Generated from action.yml by `python -m modcon.action.prebuilt`: the same action,\n'
          '# running the published image instead of building the Dockerfile on every run.\n')


def prebuilt(action_yml: str, image: str) -> str:
    if not re.fullmatch(r'[a-z0-9][a-z0-9./_-]*(:[\w.-]+)?(@sha256:[0-9a-f]{64})?', image):
        raise ValueError(f'not an image reference: {image!r}')
    text, count = _IMAGE.subn(rf'\1 docker://{image}', action_yml)
    if count != 1:
        raise ValueError('action.yml has no `image: Dockerfile` line')
    return HEADER + text


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print('usage: python -m modcon.action.prebuilt IMAGE-REFERENCE < action.yml', file=sys.stderr)
        return 2
    sys.stdout.write(prebuilt(sys.stdin.read(), argv[1]))
    return 0


if __name__ == '__main__':
    raise SystemExit(main(sys.argv))
