"""Where software installed from distribution packages writes its logs, with sources.

One table (``SOFTWARE``) says, per distribution family, which packages
install a program that writes log files, where those files are, which stream
each belongs on, which configuration file names them, and whether a symlink
to ``/dev/stdout`` or ``/dev/stderr`` can work at all. A second table
(``LINKED_BY_BASE``) names the official images that already send these logs
to the container's streams, so images built on them are not flagged.

Every entry cites the packaging file it was read from. Paths differ between
families (Debian's Apache writes ``/var/log/apache2/error.log``, Fedora's
``/var/log/httpd/error_log``), so the family comes from the package manager
that installed the package: ``apt-get``/``apt`` (Debian, Ubuntu), ``apk``
(Alpine), ``dnf``/``yum``/``microdnf`` (Fedora, RHEL and their rebuilds).

No parsing here: plain data, importable by docs and tests.
"""
from __future__ import annotations

import re

from modcon.lazyregex import lazy_compile
from modcon.named_tuple import NamedTuple

STDOUT = 'stdout'
STDERR = 'stderr'

# The package managers whose installs are read, and the family each implies.
INSTALLERS = {
    'apt-get': ('debian', ('install',)),
    'apt': ('debian', ('install',)),
    'aptitude': ('debian', ('install',)),
    'apk': ('alpine', ('add',)),
    'dnf': ('redhat', ('install',)),
    'yum': ('redhat', ('install',)),
    'microdnf': ('redhat', ('install',)),
    'tdnf': ('redhat', ('install',)),
}


class LogFile(NamedTuple):
    """A log file a package's default configuration writes."""

    path: str
    stream: str  # where its link points: STDOUT (access, ordinary) or STDERR (errors)
    role: str  # 'access', 'error' or 'log': how messages describe it
    config: str = ''  # the configuration file that names it; copying over it replaces it
    unlinkable: str = ''  # why a link cannot work (empty: it can)


class Software(NamedTuple):
    """A program that distribution packages install, as one family ships it."""

    name: str  # how messages name it: 'nginx'
    family: str  # 'debian', 'alpine' or 'redhat'
    packages: re.Pattern[str]  # package names that install it; group 'v' is a version
    files: tuple[LogFile, ...]  # '{v}' in a path is the package's version
    programs: tuple[str, ...]  # program names its server runs as (prefixes of argv[0])
    log_dir: str  # the folder the package creates for its logs ('{v}' as above)
    note: str = ''  # something to know when ``files`` is empty
    source: str = ''


_SALSA = 'https://salsa.debian.org'
_APORTS = 'https://gitlab.alpinelinux.org/alpine/aports/-/blob/master'
_FEDORA = 'https://src.fedoraproject.org/rpms'
_PHP_FPM_STDOUT = ('php-fpm closes its stdout at start-up, so its logs go to stderr '
                   '(https://bugs.php.net/bug.php?id=73886)')

SOFTWARE: tuple[Software, ...] = (
    # -- nginx ---------------------------------------------------------------
    Software(
        'nginx', 'debian',
        lazy_compile(r'nginx(-(light|full|extras|core))?'),
        (LogFile('/var/log/nginx/access.log', STDOUT, 'access', '/etc/nginx/nginx.conf'),
         LogFile('/var/log/nginx/error.log', STDERR, 'error', '/etc/nginx/nginx.conf')),
        ('nginx',), '/var/log/nginx',
        # debian/conf/nginx.conf: `error_log /var/log/nginx/error.log;` and
        # `access_log /var/log/nginx/access.log;` (also in Ubuntu's package).
        source=f'{_SALSA}/nginx-team/nginx/-/blob/main/debian/conf/nginx.conf',
    ),
    Software(
        'nginx', 'alpine',
        lazy_compile(r'nginx'),
        (LogFile('/var/log/nginx/access.log', STDOUT, 'access', '/etc/nginx/nginx.conf'),
         LogFile('/var/log/nginx/error.log', STDERR, 'error', '/etc/nginx/nginx.conf')),
        ('nginx',), '/var/log/nginx',
        # main/nginx/nginx.conf: `error_log /var/log/nginx/error.log warn;`,
        # `access_log /var/log/nginx/access.log main;`.
        source=f'{_APORTS}/main/nginx/nginx.conf',
    ),
    Software(
        'nginx', 'redhat',
        lazy_compile(r'nginx(-core)?'),
        (LogFile('/var/log/nginx/access.log', STDOUT, 'access', '/etc/nginx/nginx.conf'),
         LogFile('/var/log/nginx/error.log', STDERR, 'error', '/etc/nginx/nginx.conf')),
        ('nginx',), '/var/log/nginx',
        source=f'{_FEDORA}/nginx/blob/rawhide/f/nginx.conf',
    ),
    # -- Apache httpd --------------------------------------------------------
    Software(
        'Apache httpd', 'debian',
        lazy_compile(r'apache2'),
        # envvars: APACHE_LOG_DIR=/var/log/apache2; apache2.conf: ErrorLog
        # ${APACHE_LOG_DIR}/error.log; sites-available/000-default.conf:
        # CustomLog ${APACHE_LOG_DIR}/access.log combined; conf-available/
        # other-vhosts-access-log.conf (enabled by default).
        (LogFile('/var/log/apache2/access.log', STDOUT, 'access',
                 '/etc/apache2/sites-available/000-default.conf'),
         LogFile('/var/log/apache2/error.log', STDERR, 'error', '/etc/apache2/apache2.conf'),
         LogFile('/var/log/apache2/other_vhosts_access.log', STDOUT, 'access',
                 '/etc/apache2/conf-available/other-vhosts-access-log.conf')),
        ('apache2', 'apache2ctl', 'apachectl', 'apache2-foreground'), '/var/log/apache2',
        source=f'{_SALSA}/apache-team/apache2/-/tree/master/debian/config',
    ),
    Software(
        'Apache httpd', 'alpine',
        lazy_compile(r'apache2'),
        # conf/0005-httpd.conf-ErrorLog-CustomLog-TransferLog.patch: ErrorLog
        # logs/error.log, CustomLog logs/access.log combined; ServerRoot is
        # /var/www and the APKBUILD links /var/www/logs -> /var/log/apache2.
        (LogFile('/var/log/apache2/access.log', STDOUT, 'access', '/etc/apache2/httpd.conf'),
         LogFile('/var/log/apache2/error.log', STDERR, 'error', '/etc/apache2/httpd.conf')),
        ('httpd', 'apachectl'), '/var/log/apache2',
        source=f'{_APORTS}/main/apache2/conf/0005-httpd.conf-ErrorLog-CustomLog-TransferLog.patch',
    ),
    Software(
        'Apache httpd', 'redhat',
        lazy_compile(r'httpd'),
        # httpd.conf: ErrorLog "logs/error_log", CustomLog "logs/access_log"
        # combined; /etc/httpd/logs -> ../../var/log/httpd.
        (LogFile('/var/log/httpd/access_log', STDOUT, 'access', '/etc/httpd/conf/httpd.conf'),
         LogFile('/var/log/httpd/error_log', STDERR, 'error', '/etc/httpd/conf/httpd.conf')),
        ('httpd', 'apachectl'), '/var/log/httpd',
        source=f'{_FEDORA}/httpd/blob/rawhide/f/httpd.conf',
    ),
    # -- PHP-FPM -------------------------------------------------------------
    Software(
        'PHP-FPM', 'debian',
        lazy_compile(r'php(?P<v>\d+\.\d+)-fpm'),
        # /etc/php/8.2/fpm/php-fpm.conf as shipped: `error_log =
        # /var/log/php8.2-fpm.log` (one file per PHP version).
        (LogFile('/var/log/php{v}-fpm.log', STDERR, 'error', '/etc/php/{v}/fpm/php-fpm.conf'),),
        ('php-fpm',), '/var/log',
        note=_PHP_FPM_STDOUT,
        source=f'{_SALSA}/php-team/php/-/tree/master/debian',
    ),
    Software(
        'PHP-FPM', 'alpine',
        lazy_compile(r'php(?P<v>\d+)-fpm'),
        # The fpm subpackage creates /var/log/php82 and rotates
        # /var/log/php82/*.log (php82-fpm.logrotate).
        (LogFile('/var/log/php{v}/error.log', STDERR, 'error', '/etc/php{v}/php-fpm.conf'),),
        ('php-fpm',), '/var/log/php{v}',
        note=_PHP_FPM_STDOUT,
        source=f'{_APORTS}/community/php82/php82-fpm.logrotate',
    ),
    Software(
        'PHP-FPM', 'redhat',
        lazy_compile(r'php-fpm'),
        # php-fpm.conf: error_log = /var/log/php-fpm/error.log; www.conf:
        # php_admin_value[error_log] = /var/log/php-fpm/www-error.log.
        (LogFile('/var/log/php-fpm/error.log', STDERR, 'error', '/etc/php-fpm.conf'),
         LogFile('/var/log/php-fpm/www-error.log', STDERR, 'error', '/etc/php-fpm.d/www.conf')),
        ('php-fpm',), '/var/log/php-fpm',
        note=_PHP_FPM_STDOUT,
        source=f'{_FEDORA}/php/blob/rawhide/f/php-fpm.conf',
    ),
    # -- supervisor: rotates its own log, so a link breaks it ---------------
    *(Software(
        'supervisord', family,
        lazy_compile(r'supervisor'),
        (LogFile(path, STDOUT, 'log', config,
                 unlinkable='supervisord rotates its own log (logfile_maxbytes, 50MB by '
                            'default) and fails to seek a stream; set `logfile=/dev/stdout` '
                            'and `logfile_maxbytes=0` in its configuration'),),
        ('supervisord',), posixpath_dir,
        source=source,
    ) for family, path, config, posixpath_dir, source in (
        ('debian', '/var/log/supervisor/supervisord.log', '/etc/supervisor/supervisord.conf',
         '/var/log/supervisor',
         f'{_SALSA}/python-team/packages/supervisor/-/blob/master/debian/supervisord.conf'),
        ('alpine', '/var/log/supervisord.log', '/etc/supervisord.conf', '/var/log',
         f'{_APORTS}/main/supervisor/APKBUILD'),
        ('redhat', '/var/log/supervisor/supervisord.log', '/etc/supervisord.conf',
         '/var/log/supervisor', f'{_FEDORA}/supervisor/blob/rawhide/f/supervisord.conf'),
    )),
    # -- squid: access.log is written by a helper whose stdout is a pipe ----
    *(Software(
        'squid', family,
        lazy_compile(r'squid'),
        (LogFile('/var/log/squid/access.log', STDOUT, 'access', '/etc/squid/squid.conf',
                 unlinkable='squid writes access.log through its `daemon:` log helper, whose '
                            'stdout is a pipe to squid, not the container\'s; set '
                            '`access_log stdio:/dev/stdout` in squid.conf'),
         LogFile('/var/log/squid/cache.log', STDERR, 'error', '/etc/squid/squid.conf')),
        ('squid',), '/var/log/squid',
        # squid.conf.documented: `access_log daemon:/var/log/squid/access.log
        # squid` and `cache_log /var/log/squid/cache.log` (Debian, Alpine).
        source='https://www.squid-cache.org/Doc/config/access_log/',
    ) for family in ('debian', 'alpine', 'redhat')),
    # -- haproxy: syslog only ------------------------------------------------
    *(Software(
        'HAProxy', family,
        lazy_compile(r'haproxy'),
        (),
        ('haproxy',), '',
        note='logs to syslog (`log /dev/log local0`): no file to link; use '
             '`log stdout format raw local0` in haproxy.cfg',
        source=f'{_SALSA}/haproxy-team/haproxy/-/blob/master/debian/haproxy.cfg',
    ) for family in ('debian', 'alpine', 'redhat')),
)

# Debian and Ubuntu releases and the PHP version their `php-fpm` package
# installs (https://packages.debian.org/php-fpm, https://packages.ubuntu.com/php-fpm).
DEBIAN_PHP = {
    'bullseye': '7.4', '11': '7.4', 'bookworm': '8.2', '12': '8.2', 'trixie': '8.4',
    '13': '8.4', 'focal': '7.4', '20.04': '7.4', 'jammy': '8.1', '22.04': '8.1',
    'noble': '8.3', '24.04': '8.3',
}

# Packages that mean something in the image reads or rotates log files.
LOG_READERS = lazy_compile(r'logrotate|filebeat|fluent-?bit|td-agent|promtail|vector')
CRON_PACKAGES = lazy_compile(r'cron|cronie|cronie-anacron|dcron|bcron|systemd-cron')


class LinkedBase(NamedTuple):
    """An official image that sends its server's logs to the streams itself."""

    paths: dict[str, str]  # log file -> stream it already reaches
    dirs: tuple[str, ...]  # log folders the image has
    how: str
    source: str
    runs: tuple[str, ...] = ()  # programs its default command starts


LINKED_BY_BASE: dict[str, LinkedBase] = {
    'nginx': LinkedBase(
        {'/var/log/nginx/access.log': STDOUT, '/var/log/nginx/error.log': STDERR},
        ('/var/log/nginx',),
        'links access.log to /dev/stdout and error.log to /dev/stderr',
        'https://github.com/nginx/docker-nginx/blob/master/mainline/debian/Dockerfile',
        ('nginx',),
    ),
    'nginxinc/nginx-unprivileged': LinkedBase(
        {'/var/log/nginx/access.log': STDOUT, '/var/log/nginx/error.log': STDERR},
        ('/var/log/nginx',),
        'links access.log to /dev/stdout and error.log to /dev/stderr',
        'https://github.com/nginx/docker-nginx-unprivileged',
        ('nginx',),
    ),
    'httpd': LinkedBase(
        {}, ('/usr/local/apache2/logs',),
        'configures `ErrorLog /proc/self/fd/2` and `CustomLog /proc/self/fd/1`',
        'https://github.com/docker-library/httpd/blob/master/2.4/Dockerfile',
        ('httpd', 'httpd-foreground'),
    ),
    # The -apache variants link Debian's Apache logs; the -fpm variants set
    # `error_log = /proc/self/fd/2` and `access.log = /proc/self/fd/2`.
    'php': LinkedBase(
        {'/var/log/apache2/error.log': STDERR, '/var/log/apache2/access.log': STDOUT,
         '/var/log/apache2/other_vhosts_access.log': STDOUT},
        ('/var/log/apache2',),
        'links Apache\'s logs (-apache) or configures php-fpm to log to stderr (-fpm)',
        'https://github.com/docker-library/php/blob/master/8.2/bookworm/apache/Dockerfile',
        ('apache2-foreground', 'php-fpm'),
    ),
    'wordpress': LinkedBase(
        {'/var/log/apache2/error.log': STDERR, '/var/log/apache2/access.log': STDOUT,
         '/var/log/apache2/other_vhosts_access.log': STDOUT},
        ('/var/log/apache2',), 'is built on the php image',
        'https://github.com/docker-library/wordpress',
        ('apache2-foreground', 'php-fpm'),
    ),
}


def software_for(family: str, package: str) -> tuple[Software, dict[str, str]] | None:
    """The software ``package`` installs on ``family``, and the version it names."""
    for software in SOFTWARE:
        if software.family != family:
            continue
        match = software.packages.fullmatch(package)
        if match is not None:
            return software, {k: v for k, v in match.groupdict().items() if v}
    return None
