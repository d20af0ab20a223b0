"""modcon's rules, one module per rule, grouped by the kind of file they read.

This folder is installed as ``modcon.fixers``; rule modules are named
``mcNNN_<rule_name>.py`` and register themselves with ``@rule``. A helper
that only some rules need is a private module beside them
(``dockerfile/_exec_form.py``); one that rules of several kinds share sits
here (``_python_log_files.py``).
"""
