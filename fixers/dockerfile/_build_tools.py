"""Compilers, headers and SDK images: what a build needs and a running container does not.

``installed_build_tools(run)`` names the build packages a ``RUN`` installs
with apt, apk, dnf/yum or zypper and does not remove again in the same
``RUN`` (``apt-get purge``, ``apk del`` of the packages or of their
``--virtual`` group, the official images' ``apt-mark auto`` + ``purge
--auto-remove`` pattern). ``sdk_image(name)`` tells whether a base image is a
toolchain image (``golang``, ``rust``, ``maven``, a JDK, the .NET SDK).
"""
from __future__ import annotations

from modcon.lazyregex import lazy_compile
from modcon.readers.dockerfile.image_names import split
from modcon.readers.shell.simple_commands import Command
from modcon.readers.shell.simple_commands import Script
from modcon.readers.shell.simple_commands import subcommand

_EXACT = frozenset((
    'build-essential', 'build-base', 'alpine-sdk', 'gcc', 'g++', 'clang', 'llvm', 'make',
    'cmake', 'autoconf', 'automake', 'libtool', 'pkg-config', 'pkgconf', 'pkgconfig',
    'musl-dev', 'linux-headers', 'gfortran', 'ninja-build', 'meson', 'golang', 'rustc',
    'cargo', 'gcc-c++', 'kernel-headers', 'binutils', 'bison', 'flex', 'swig',
))
_PATTERN = lazy_compile(r'^(gcc|g\+\+|clang|cpp)-[\d.]+$|-(dev|devel)(:[a-z0-9]+)?$')
_INSTALL = {'apt-get': ('install',), 'apt': ('install',), 'apk': ('add',),
            'yum': ('install', 'groupinstall'), 'dnf': ('install', 'groupinstall'),
            'microdnf': ('install',), 'zypper': ('install', 'in')}
_REMOVE = {'apt-get': ('purge', 'remove', 'autoremove'), 'apt': ('purge', 'remove', 'autoremove'),
           'apk': ('del',), 'yum': ('remove', 'erase', 'autoremove'),
           'dnf': ('remove', 'erase', 'autoremove'), 'microdnf': ('remove',),
           'zypper': ('remove', 'rm')}
_WITH_VALUE = frozenset(('-o', '--option', '-t', '--target-release', '-X', '--repository',
                         '--virtual', '--setopt', '--installroot', '--releasever'))
# JDK tags of the Java images (`eclipse-temurin:21-jdk`, `openjdk:17-jdk-slim`).
_JDK_TAG = lazy_compile(r'(^|-)jdk($|-)')
_SDK_IMAGES = frozenset(('golang', 'rust', 'gcc', 'maven', 'gradle', 'mcr.microsoft.com/dotnet/sdk',
                         'swift', 'haskell', 'clojure', 'elixir', 'buildpack-deps'))


def is_build_package(name: str) -> bool:
    if name in _EXACT:
        return True
    # Only names the pattern can match go to it: most packages never compile it.
    return ('-dev' in name or name.startswith(('gcc-', 'g++-', 'clang-', 'cpp-'))) and \
        bool(_PATTERN.search(name))


def _packages(command: Command, after: int) -> list[str]:
    names = []
    skip = False
    for word in command.args[after:]:
        value = word.plain
        if skip:
            skip = False
            continue
        if value is None:
            continue
        if value.startswith('-'):
            skip = value in _WITH_VALUE
            continue
        names.append(value.split('=', 1)[0])
    return names


def _virtual(command: Command) -> str | None:
    values = [w.value for w in command.args]
    for i, value in enumerate(values):
        if value in ('--virtual', '-t') and i + 1 < len(values):
            return values[i + 1]
        if value is not None and value.startswith('--virtual='):
            return value.split('=', 1)[1]
    return None


def may_install_build_tools(text: str) -> bool:
    """Whether a script of ``text`` can hold what ``installed_build_tools`` finds, before
    it is read: a package manager of ``_INSTALL`` (apt-get, microdnf, ... each contains
    one of these names) and its install word."""
    return any(k in text for k in ('install', 'add')) and \
        any(k in text for k in ('apt', 'apk', 'yum', 'dnf', 'zypper'))


def installed_build_tools(script: Script) -> list[tuple[Command, list[str]]]:
    """The installs in ``script`` that add build packages kept in the layer."""
    installs: list[tuple[Command, list[str], str | None]] = []
    removed: set[str] = set()
    auto_marked = False
    for command in script.commands:
        name = command.name or ''
        if name == 'apt-mark':
            values = [w.value for w in command.args]
            if values[:1] == ['auto']:
                auto_marked = True
            continue
        found = subcommand(command, _WITH_VALUE)
        if found is None:
            continue
        index, sub = found
        if sub in _INSTALL.get(name, ()):
            tools = [p for p in _packages(command, index + 1) if is_build_package(p)]
            if sub == 'groupinstall' or any(
                    (w.value or '').lower() == 'development tools' for w in command.args):
                tools.append('Development Tools')
            if tools:
                installs.append((command, tools, _virtual(command)))
        elif sub in _REMOVE.get(name, ()):
            values = [w.value or '' for w in command.args]
            if auto_marked and (sub == 'autoremove' or '--auto-remove' in values or
                                '--autoremove' in values):
                removed.add('*')
            removed.update(_packages(command, index + 1))
    kept = []
    for command, tools, virtual in installs:
        if '*' in removed or (virtual is not None and virtual in removed):
            continue
        left = [t for t in tools if t not in removed]
        if left:
            kept.append((command, left))
    return kept


def sdk_image(image: str) -> bool:
    """Whether ``image`` is a toolchain image meant for building, not for running."""
    repository, tag, _ = split(image)
    repository = repository.lower()
    for prefix in ('docker.io/library/', 'library/', 'docker.io/'):
        repository = repository.removeprefix(prefix)
    if repository in _SDK_IMAGES:
        return True
    if repository in ('openjdk', 'eclipse-temurin', 'amazoncorretto', 'ibm-semeru-runtimes',
                      'sapmachine'):
        return tag is not None and bool(_JDK_TAG.search(tag.lower()))
    return False
