"""modcon's rules, one module per rule, grouped by the kind of file they read.

This folder is installed as ``modcon.fixers``; rule modules are named
``mcNNN_<rule_name>.py`` and register themselves with ``@rule``.
"""
