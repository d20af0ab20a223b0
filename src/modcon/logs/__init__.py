"""Where containers write log files: package defaults, configuration files, code.

The log-stream rules (property 1c: MC131-MC133, MC230) share these modules:

* ``knowledge``: per distribution, where packaged software logs, with sources;
  and the official base images that already send their logs to the streams;
* ``commands``: the simple commands of a shell script (tree-sitter);
* ``configs``: log files named in nginx, Apache, gunicorn, supervisord and
  crontab files;
* ``python_logs``: where a Python program's ``logging`` writes (stdlib ``ast``);
* ``image``: what the final image installs, links, creates and copies;
* ``targets``: the log files a container writes, gathered from all of these;
* ``links``: where the linking ``RUN`` goes and what it says;
* ``pitfalls``: logs a link cannot serve (supervisord, squid, cron, ...).
"""
