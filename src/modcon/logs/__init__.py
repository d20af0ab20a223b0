"""Where containers write log files: package defaults, configuration files, code."""
