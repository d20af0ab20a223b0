"""The marked regions fixes stay out of: snippet markers in any language, `fmt: off` in Python.

One reader serves every fixer that inserts code: MC301 (shell) and MC401
(JavaScript) by offset, MC201 (Python) by line.
"""
from __future__ import annotations

from modcon.regions import LineRegion
from modcon.regions import Region
from modcon.regions import enclosing
from modcon.regions import marked_regions
from modcon.regions import python_regions
from modcon.regions import region_around
from modcon.source import SourceFile

SHELL = ('#!/bin/sh\n'
         '# [START run_entrypoint]\n'
         'set -e\n'
         'gunicorn app:app\n'
         '# [END run_entrypoint]\n'
         'echo done\n')


def test_a_region_runs_from_its_start_line_to_the_line_after_its_end() -> None:
    start = SHELL.index('# [START')
    after = SHELL.index('echo done')
    assert marked_regions(SHELL) == [Region('run_entrypoint', start, after)]


def test_markers_count_in_any_comment_syntax() -> None:
    js = '// [START server]\napp.listen(3000)\n/* [END server] */\n'
    assert [r.name for r in marked_regions(js)] == ['server']
    assert marked_regions(js)[0].end == len(js)


def test_a_start_without_its_end_marks_nothing() -> None:
    assert marked_regions('# [START a]\nx\n# [END b]\n') == []


def test_regions_come_in_the_order_of_their_start_markers() -> None:
    text = '# [START outer]\n# [START inner]\nx\n# [END inner]\n# [END outer]\n'
    assert [r.name for r in marked_regions(text)] == ['outer', 'inner']


def test_an_end_on_the_last_line_without_a_newline_ends_at_the_end_of_the_file() -> None:
    text = '# [START a]\nx\n# [END a]'
    assert marked_regions(text) == [Region('a', 0, len(text))]


def test_an_edit_at_a_region_edge_is_outside_it() -> None:
    region = marked_regions(SHELL)[0]
    assert enclosing(region.start, [region]) is None
    assert enclosing(region.end, [region]) is None
    assert enclosing(region.start + 1, [region]) == region
    assert enclosing(region.end - 1, [region]) == region


def test_the_outermost_enclosing_region_is_the_one_an_edit_must_leave() -> None:
    text = '# [START outer]\n# [START inner]\nx\n# [END inner]\ny\n# [END outer]\n'
    regions = marked_regions(text)
    assert enclosing(text.index('x'), regions).name == 'outer'  # type: ignore[union-attr]


PYTHON = ('import os\n'           # 1
          '# [START service]\n'   # 2
          'import server\n'       # 3
          'server.run()\n'        # 4
          '# [END service]\n'     # 5
          '# fmt: off\n'          # 6
          'TABLE = [1,2]\n'       # 7
          '# fmt: on\n'           # 8
          'print(os.name)\n')     # 9


def test_python_regions_are_lines_of_snippets_and_formatter_switches() -> None:
    assert python_regions(SourceFile('app.py', PYTHON)) == [
        LineRegion(2, 5, '[START service]'), LineRegion(6, 8, 'fmt: off')]


def test_a_python_marker_is_a_comment_not_a_string() -> None:
    text = 'x = "[START a]"\ny = 1\nz = "[END a]"\n'
    assert python_regions(SourceFile('app.py', text)) == []
    assert [r.name for r in marked_regions(text)] == ['a']  # in any syntax it counts


def test_a_python_marker_stays_on_one_line() -> None:
    text = 'x = 1  # [START\na]\ny = 2\n# [END a]\n'
    assert python_regions(SourceFile('app.py', text)) == []
    assert [r.name for r in marked_regions(text)] == ['a']  # in any syntax it may wrap


def test_fmt_off_never_switched_on_runs_to_the_last_line() -> None:
    text = 'import os\n# fmt: off\nx = [1,2]\n'
    source = SourceFile('app.py', text)
    assert python_regions(source) == [LineRegion(2, len(source.line_starts), 'fmt: off')]
    assert region_around(python_regions(source), len(source.line_starts)) is not None


def test_only_the_outermost_python_regions_are_kept() -> None:
    text = '# [START outer]\n# fmt: off\nx = 1\n# fmt: on\n# [END outer]\n'
    assert python_regions(SourceFile('app.py', text)) == [LineRegion(1, 5, '[START outer]')]


def test_lines_inserted_before_a_region_first_line_or_after_its_last_are_outside() -> None:
    regions = python_regions(SourceFile('app.py', PYTHON))
    assert region_around(regions, 2) is None  # before `# [START service]`
    assert region_around(regions, 3) == LineRegion(2, 5, '[START service]')
    assert region_around(regions, 5) == LineRegion(2, 5, '[START service]')
    assert region_around(regions, 6) is None  # after `# [END service]`, before `# fmt: off`
    assert region_around(regions, 9) is None


def test_a_file_without_markers_has_no_regions() -> None:
    assert python_regions(SourceFile('app.py', 'import os\n# a comment\n')) == []


def test_two_markers_of_the_same_lines_are_one_region() -> None:
    # Each used to count as inside the other, and both were dropped: nothing was protected.
    text = 'x = 1\n# [START run]  # fmt: off\nserve()\n# [END run]  # fmt: on\n'
    regions = python_regions(SourceFile('app.py', text))
    assert regions == [LineRegion(2, 4, '[START run]')]
    assert region_around(regions, 3) == regions[0]


def test_crossing_python_regions_are_one_span() -> None:
    # Moving an edit out of one must not put it into the other.
    text = ('# [START a]\nsetup()\n# [START b]\n# [END a]\nserve()\n# [END b]\n'
            'done()\n')
    regions = python_regions(SourceFile('app.py', text))
    assert regions == [LineRegion(1, 6, '[START a]')]
    assert region_around(regions, 5) == regions[0]
    assert region_around(regions, 7) is None and region_around(regions, 1) is None
