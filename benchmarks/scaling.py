"""How ``modcon check`` time grows with the size of one Dockerfile.

    python benchmarks/scaling.py [--max-lines 40000]

For each shape of line (RUN, ENV, quoted ENV, COPY, WORKDIR, COPY+pip, a stage with
a CMD), a Dockerfile of
n such lines is checked in this process for n doubling up to ``--max-lines``
(all under the 1 MiB input cap). Prints seconds and microseconds per line;
linear time shows as a flat per-line column, quadratic time as one that
doubles with n. Issue 13 measured 174 s for 40,000 RUN lines and 38 s for
60,000 ENV lines before ``stages.shell()`` and ``resolve._Image`` were made
linear.
"""
from __future__ import annotations

import argparse
import time

from modcon.engine.check import check_source
from modcon.engine.config import Config
from modcon.engine.files import MAX_BYTES
from modcon.source import SourceFile

SHAPES = {
    'RUN': 'RUN echo {i} && true\n',
    'ENV': 'ENV V{i}=x{i}\n',
    'ENV quoted': 'ENV V{i}="x {i}"\n',
    'COPY': 'COPY a{i} /b/\n',
    'WORKDIR': 'WORKDIR /w{i}\n',
    # Each RUN asks for the files copied and the variables set before it (MC163, MC182).
    'COPY+pip': 'COPY r{i}.txt .\nRUN pip install flask\n',
    # A finding per stage (MC101), each looking up its instruction and pragmas.
    'stage+CMD': 'FROM alpine:3 AS s{i}\nCMD app {i}\n',
}


def dockerfile(line: str, n: int) -> str:
    return 'FROM python:3.12-slim\n' + ''.join(line.format(i=i) for i in range(n)) + \
        'CMD python app.py\n'


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--max-lines', type=int, default=40000)
    parser.add_argument('--min-lines', type=int, default=2500)
    parser.add_argument('--shape', action='append', choices=list(SHAPES),
                        help='only this shape (repeatable; default: all)')
    args = parser.parse_args()
    check_source(SourceFile('Dockerfile', dockerfile(SHAPES['RUN'], 10)), 'dockerfile', Config())
    print('| lines | shape | KiB | seconds | µs per line |')
    print('| ---: | --- | ---: | ---: | ---: |')
    for shape, line in SHAPES.items():
        if args.shape and shape not in args.shape:
            continue
        n = args.min_lines
        while n <= args.max_lines:
            text = dockerfile(line, n)
            if len(text.encode()) > MAX_BYTES:
                break
            start = time.perf_counter()
            check_source(SourceFile('Dockerfile', text), 'dockerfile', Config())
            took = time.perf_counter() - start
            print(f'| {n} | {shape} | {len(text) // 1024} | {took:.2f} | {took / n * 1e6:.0f} |',
                  flush=True)
            n *= 2


if __name__ == '__main__':
    main()
