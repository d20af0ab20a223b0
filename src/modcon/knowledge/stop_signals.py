"""The stop signal of the final image: which STOPSIGNAL is in effect, and what it means.

Docker and Kubernetes' runtimes send the image's ``STOPSIGNAL`` (SIGTERM if
there is none) on ``docker stop`` and pod deletion, then SIGKILL after the
grace period. Names are normalised the way Docker parses them
(``moby/sys/signal``): ``SIGQUIT``, ``QUIT``, ``quit`` and ``3`` are all
SIGQUIT.
"""
from __future__ import annotations

from modcon.knowledge import images
from modcon.readers.dockerfile.syntax import Instruction

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from modcon.entrypoints.dockerfile_document import DockerfileDocument

# Linux numbers (x86 and arm share these) for the signals the rules talk about.
NUMBERS = {'1': 'SIGHUP', '2': 'SIGINT', '3': 'SIGQUIT', '9': 'SIGKILL', '15': 'SIGTERM',
           '19': 'SIGSTOP', '10': 'SIGUSR1', '12': 'SIGUSR2', '28': 'SIGWINCH'}
# Official images whose config already sets STOPSIGNAL SIGQUIT (nginx graceful stop).
SIGQUIT_IMAGES = frozenset(('nginx', 'nginxinc/nginx-unprivileged', 'openresty/openresty',
                            'bitnami/nginx'))


def normalize(value: str) -> str | None:
    """``SIGKILL`` for ``9``, ``kill``, ``SIGKILL``; None for a variable or nonsense."""
    word = value.strip().upper()
    if not word or '$' in word:
        return None
    if word.isdigit():
        return NUMBERS.get(word, f'signal {word}')
    if not word.startswith('SIG'):
        word = 'SIG' + word
    return word if word[3:].replace('+', '').replace('-', '').isalnum() else None


def stop_signal(document: DockerfileDocument) -> Instruction | None:
    """The STOPSIGNAL instruction in effect in the final image, if this file sets one."""
    for stage in reversed(document.stages.final_lineage):
        for ins in reversed(stage.instructions):
            if ins.name == 'STOPSIGNAL':
                return ins
    return None


def base_sets_sigquit(document: DockerfileDocument) -> bool:
    """Whether the final image's base is one that sets STOPSIGNAL SIGQUIT itself."""
    stages = document.stages
    return images.repository(stages.root_image(stages.final)) in SIGQUIT_IMAGES
