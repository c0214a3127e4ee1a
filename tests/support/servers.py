"""Throwaway PostgreSQL and Redis servers for the test suite.

Plain Python (pytest is imported lazily, only by :func:`require_service`), so the
context managers can be used from conftest fixtures, scripts or a REPL::

    with postgres_server(tmp_path) as db_url:       # SQLAlchemy URL
        other_url = create_database(db_url, "seed_check")
    with redis_server(tmp_path) as redis_url:        # redis://127.0.0.1:PORT/0
        ...

Every server listens on 127.0.0.1 on a free port, keeps all its files in a fresh
directory under ``base_dir`` (default: ``server_root()``, outside pytest's temporary
folders) and is stopped and removed on exit. ``postgres_cluster`` yields a cluster a
test may stop and start again; ``redis_server(port=...)`` brings Redis back on a port.

Why a test server once died under load: see ``server_root``. The suite's cluster used
to live in pytest's numbered temporary folder; the run's client errors ("server closed
the connection unexpectedly", then "Connection refused" for every later test, with no
OOM kill in the kernel log and no leaked shared memory) are exactly what PostgreSQL does
when its data directory is deleted under it. Stopping a cluster by hand with SIGTERM or
SIGKILL shows different errors ("terminating connection due to administrator command",
"... unexpected postmaster exit"). The servers now live outside pytest's folders, start
with generous timeouts, allow PG_MAX_CONNECTIONS connections, stop with ``-m fast``
at the end, and a server that died in use fails the session with its log.

The binaries come from the Debian packages ``postgresql`` and ``redis-server``;
``scripts/test`` installs them when they are missing.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

__all__ = [
    "REQUIRE_SERVICES_ENV",
    "PostgresCluster",
    "ServerDied",
    "ServerStartError",
    "ServiceUnavailable",
    "create_database",
    "find_free_port",
    "libpq_url",
    "postgres_available",
    "postgres_bin_dir",
    "postgres_cluster",
    "postgres_server",
    "redis_available",
    "redis_server",
    "redis_server_binary",
    "require_service",
    "server_root",
    "services_required",
    "unavailable_reason",
]

REQUIRE_SERVICES_ENV = "GRIDAPP_TEST_REQUIRE_SERVICES"

PG_DATABASE = "gridapp_test"
PG_SUPERUSER = "postgres"
PG_OS_USER = "postgres"  # the OS account created by Debian's postgresql package
PG_MAX_CONNECTIONS = 300  # fifty grab processes, real workers and the suite's own pools at once

START_TIMEOUT = 180.0  # seconds; generous, for a 2-core machine that several test runs share
STOP_TIMEOUT = 60.0
PORT_ATTEMPTS = 3  # retries when the free port got taken between probe and bind

_TRUE = {"1", "true", "yes", "on"}


class ServiceUnavailable(RuntimeError):
    """A server binary is not installed on this machine."""


class ServerStartError(RuntimeError):
    """A server binary exists but the server did not come up."""


class ServerDied(RuntimeError):
    """A server stopped while the tests were using it (its log says why)."""


class _PortInUse(ServerStartError):
    pass


# --------------------------------------------------------------------------- #
# Discovery and the skip-or-fail policy
# --------------------------------------------------------------------------- #


def _version_key(path: str) -> tuple:
    version = Path(path).parent.name  # /usr/lib/postgresql/<version>/bin
    return tuple(int(p) if p.isdigit() else -1 for p in re.split(r"[.\-]", version))


def postgres_bin_dir() -> Path | None:
    """Directory holding initdb and pg_ctl: the highest /usr/lib/postgresql/*/bin, else PATH."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    for directory in candidates:
        if all(os.access(os.path.join(directory, b), os.X_OK) for b in ("initdb", "pg_ctl", "postgres")):
            return Path(directory)
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl:
        directory = Path(pg_ctl).resolve().parent  # /usr/local/bin/pg_ctl may be a symlink
        if (directory / "initdb").exists():
            return directory
        if shutil.which("initdb"):
            return Path(shutil.which("initdb")).resolve().parent
    return None


def redis_server_binary() -> Path | None:
    found = shutil.which("redis-server")
    if found:
        return Path(found)
    for candidate in ("/usr/bin/redis-server", "/usr/sbin/redis-server", "/usr/local/bin/redis-server"):
        if os.access(candidate, os.X_OK):
            return Path(candidate)
    return None


def postgres_available() -> bool:
    """True when the PostgreSQL server binaries are installed (and usable by this user)."""
    return unavailable_reason("postgres") is None


def redis_available() -> bool:
    """True when redis-server is installed."""
    return unavailable_reason("redis") is None


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _postgres_os_uid() -> int | None:
    try:
        import pwd

        return pwd.getpwnam(PG_OS_USER).pw_uid
    except (ImportError, KeyError):
        return None


def unavailable_reason(what: str) -> str | None:
    """Why service ``what`` ("postgres" or "redis") can't be started here, or None if it can."""
    what = _normalise(what)
    if what == "postgres":
        if postgres_bin_dir() is None:
            return (
                "PostgreSQL server binaries (initdb, pg_ctl) not found in /usr/lib/postgresql/*/bin "
                "or on PATH: install the Debian package 'postgresql' (apt-get install postgresql), "
                "or run scripts/test, which installs it"
            )
        if _is_root():
            if _postgres_os_uid() is None:
                return (
                    f"running as root but there is no '{PG_OS_USER}' OS user to run PostgreSQL as "
                    "(PostgreSQL refuses to run as root); the Debian package 'postgresql' creates it"
                )
            if shutil.which("runuser") is None:
                return "running as root but 'runuser' (package util-linux) is missing"
        return None
    if what == "chromium":
        if shutil.which("chromium") is None:
            return "chromium not found: install the Debian package 'chromium' (apt-get install chromium), or run scripts/test"
        return None
    if redis_server_binary() is None:
        return (
            "redis-server not found on PATH: install the Debian package 'redis-server' "
            "(apt-get install redis-server), or run scripts/test, which installs it"
        )
    return None


def _normalise(what: str) -> str:
    key = what.strip().lower()
    if key in {"postgres", "postgresql", "pg"}:
        return "postgres"
    if key in {"redis", "redis-server"}:
        return "redis"
    if key in {"chromium", "browser"}:
        return "chromium"
    raise ValueError(f"unknown service {what!r}; expected 'postgres', 'redis' or 'chromium'")


def services_required() -> bool:
    """True when missing services must fail the run (CI, or GRIDAPP_TEST_REQUIRE_SERVICES=1)."""
    return (
        os.environ.get(REQUIRE_SERVICES_ENV, "").strip().lower() in _TRUE
        or os.environ.get("CI", "").strip().lower() in _TRUE
    )


def require_service(*what: str) -> None:
    """Call from a test or fixture before using a service: ``require_service("postgres", "redis")``.

    If a service's binaries are missing, the test fails with the reason when
    services are required (CI=true or GRIDAPP_TEST_REQUIRE_SERVICES=1), else it
    is skipped with the reason.
    """
    import pytest

    reasons = [r for r in (unavailable_reason(w) for w in what) if r]
    if not reasons:
        return
    message = "; ".join(reasons)
    if services_required():
        pytest.fail(
            f"{message} [services are required here: {REQUIRE_SERVICES_ENV}=1 or CI=true]", pytrace=False
        )
    pytest.skip(message)


# --------------------------------------------------------------------------- #
# Small helpers
# --------------------------------------------------------------------------- #


def find_free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago (bind to port 0 and let the kernel choose)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def libpq_url(url: str) -> str:
    """Turn a SQLAlchemy URL (postgresql+psycopg://...) into one psycopg/libpq accepts."""
    return re.sub(r"^postgresql\+\w+://", "postgresql://", url)


def _url_with_database(url: str, database: str) -> str:
    base, _, _ = url.partition("?")
    head, _, _ = base.rpartition("/")
    return f"{head}/{database}"


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _make_traversable(path: Path) -> None:
    """Let another OS user (postgres) reach ``path``: add o+x where an ancestor lacks it.

    Only search permission is added, never read, so nothing becomes listable.
    (pytest's basetemp /tmp/pytest-of-root/... is 0700.)
    """
    for directory in [path, *path.parents]:
        if directory == directory.parent:
            break
        mode = directory.stat().st_mode
        if not mode & stat.S_IXOTH:
            os.chmod(directory, stat.S_IMODE(mode) | stat.S_IXOTH)


def _run(cmd: list[str], *, timeout: float, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        cmd,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )


# --------------------------------------------------------------------------- #
# PostgreSQL
# --------------------------------------------------------------------------- #


def server_root() -> Path:
    """Where the servers keep their files: beside pytest's temporary folders, never inside them.

    A cluster inside a folder someone else may clean (pytest's numbered basetemp, which
    `--basetemp` wipes at start and other sessions prune) dies when its data directory goes:
    the postmaster re-reads postmaster.pid once a minute and shuts down at once when it has
    gone ("performing immediate shutdown because data directory lock file is invalid").
    """
    root = Path(tempfile.gettempdir()) / "gridapp-test-servers"
    root.mkdir(mode=0o755, exist_ok=True)
    return root


def _base(base_dir: Path | str | None) -> Path:
    if base_dir is None:
        return server_root()
    Path(base_dir).mkdir(parents=True, exist_ok=True)
    return Path(base_dir)


class PostgresCluster:
    """A throwaway PostgreSQL cluster on 127.0.0.1 that a test may stop and start again.

    It keeps its data, port and log across stop/start, so a test can take the database away
    under a running app and bring it back. Tuned for tests: fsync, synchronous_commit and
    full_page_writes off, trust auth, PG_MAX_CONNECTIONS connections.
    """

    def __init__(self, base_dir: Path | str | None = None):
        reason = unavailable_reason("postgres")
        if reason:
            raise ServiceUnavailable(reason)
        self.bindir = postgres_bin_dir()
        assert self.bindir is not None
        self.root = Path(tempfile.mkdtemp(prefix="pg-", dir=_base(base_dir)))
        self.data = self.root / "data"
        self.sockets = self.root / "sock"
        self.log = self.root / "postgres.log"
        self.port = 0
        self._as_pg: list[str] = []
        if _is_root():
            self._as_pg = ["runuser", "-u", PG_OS_USER, "--"]
            _make_traversable(self.root)

    @property
    def url(self) -> str:
        """The maintenance database's SQLAlchemy URL."""
        return f"postgresql+psycopg://{PG_SUPERUSER}@127.0.0.1:{self.port}/postgres"

    def _pg(self, *args: str, timeout: float) -> subprocess.CompletedProcess:
        return _run([*self._as_pg, *args], timeout=timeout, cwd=self.root)

    def init(self) -> None:
        self.sockets.mkdir()
        if self._as_pg:
            uid = _postgres_os_uid()
            for p in (self.root, self.sockets):
                os.chown(p, uid, -1)
        result = self._pg(
            str(self.bindir / "initdb"),
            "-D", str(self.data),
            "-U", PG_SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8" if _has_c_utf8() else "--locale=C",
            "--no-sync",
            "--no-instructions",
            timeout=START_TIMEOUT,
        )  # fmt: skip
        if result.returncode != 0:
            raise ServerStartError(f"initdb failed (exit {result.returncode}):\n{result.stdout}")
        with open(self.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(
                "\n# --- gridapp test cluster (tests/support/servers.py) ---\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.sockets}'\n"
                f"max_connections = {PG_MAX_CONNECTIONS}\n"
                "fsync = off\n"
                "synchronous_commit = off\n"
                "full_page_writes = off\n"
                "wal_level = minimal\n"
                "max_wal_senders = 0\n"
                "max_wal_size = '1GB'\n"
                "jit = off\n"
                "logging_collector = off\n"
                "log_line_prefix = '%m [%p] '\n"
                "log_min_messages = warning\n"  # LOG lines (start, stop, why it shut down) are kept too
                "log_min_error_statement = panic\n"
            )

    def start(self) -> None:
        """Start on the cluster's port (a free one the first time) and wait until it accepts TCP connections."""
        for attempt in range(1, PORT_ATTEMPTS + 1):
            port = self.port or find_free_port()
            result = self._pg(
                str(self.bindir / "pg_ctl"),
                "-D", str(self.data),
                "-l", str(self.log),
                "-o", f"-p {port}",
                "-w", "-t", str(int(START_TIMEOUT)),
                "start",
                timeout=START_TIMEOUT + 10,
            )  # fmt: skip
            if result.returncode == 0:
                self.port = port
                break
            log_text = _tail(self.log)
            if "already in use" in log_text and attempt < PORT_ATTEMPTS and not self.port:
                continue
            raise ServerStartError(
                f"pg_ctl start failed (exit {result.returncode}) on port {port}:\n{result.stdout}\n"
                f"--- {self.log} ---\n{log_text}"
            )
        _wait_for_postgres(self.url, self.log)

    def running(self) -> bool:
        return self._pg(str(self.bindir / "pg_ctl"), "-D", str(self.data), "status", timeout=STOP_TIMEOUT).returncode == 0

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: `fast` ends the sessions cleanly, `immediate` is a crash (it recovers on start)."""
        try:
            result = self._pg(
                str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", str(int(STOP_TIMEOUT)), "stop",
                timeout=STOP_TIMEOUT + 10,
            )
            if result.returncode == 0 or not self.running():
                return
        except subprocess.TimeoutExpired:
            pass
        _kill_postmaster(self.data)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def postgres_cluster(base_dir: Path | str | None = None) -> Iterator[PostgresCluster]:
    """A started PostgresCluster, stopped and removed on exit.

    If the server died while in use, leaving raises ServerDied with the end of its log, so a run
    whose later tests all failed with "Connection refused" says why.
    """
    cluster = PostgresCluster(base_dir)
    started = False
    try:
        cluster.init()
        cluster.start()
        started = True
        yield cluster
        if not cluster.running():
            started = False
            raise ServerDied(f"the test PostgreSQL server on port {cluster.port} died while in use:\n{_tail(cluster.log)}")
    finally:
        if started:
            cluster.stop()
        cluster.remove()


@contextlib.contextmanager
def postgres_server(base_dir: Path | str | None = None, *, database: str = PG_DATABASE) -> Iterator[str]:
    """Run a throwaway PostgreSQL cluster; yield ``postgresql+psycopg://postgres@127.0.0.1:PORT/gridapp_test``."""
    with postgres_cluster(base_dir) as cluster:
        yield create_database(cluster.url, database)


_c_utf8: bool | None = None


def _has_c_utf8() -> bool:
    global _c_utf8
    if _c_utf8 is None:
        try:
            out = subprocess.run(["locale", "-a"], capture_output=True, text=True, timeout=10).stdout
            _c_utf8 = any(line.lower() in {"c.utf8", "c.utf-8"} for line in out.split())
        except (OSError, subprocess.SubprocessError):
            _c_utf8 = False
    return _c_utf8


def _wait_for_postgres(url: str, log: Path) -> None:
    """pg_ctl -w already waited; make sure TCP connections are accepted too."""
    import psycopg

    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            with psycopg.connect(libpq_url(url), connect_timeout=5) as conn:
                conn.execute("SELECT 1")
            return
        except psycopg.OperationalError as exc:
            if time.monotonic() > deadline:
                raise ServerStartError(f"PostgreSQL not accepting connections: {exc}\n{_tail(log)}") from exc
            time.sleep(0.05)


def _kill_postmaster(data: Path) -> None:
    """pg_ctl could not stop it: end the postmaster from its pid file so nothing is left behind."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        pid = int((data / "postmaster.pid").read_text().splitlines()[0])
        os.kill(pid, signal.SIGQUIT)
        deadline = time.monotonic() + STOP_TIMEOUT
        while time.monotonic() < deadline:
            os.kill(pid, 0)
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)


def create_database(admin_url: str, name: str) -> str:
    """Create empty database ``name`` on the server of ``admin_url``; return its SQLAlchemy URL.

    ``admin_url`` may be any URL of the server (e.g. the one postgres_server yielded).
    """
    import psycopg
    from psycopg import sql

    maintenance = _url_with_database(libpq_url(admin_url), "postgres")
    with psycopg.connect(maintenance, autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(sql.Identifier(name)))
    return _url_with_database(admin_url, name)


# --------------------------------------------------------------------------- #
# Redis
# --------------------------------------------------------------------------- #


@contextlib.contextmanager
def redis_server(base_dir: Path | str | None = None, *, port: int | None = None) -> Iterator[str]:
    """Run a throwaway redis-server without persistence; yield ``redis://127.0.0.1:PORT/0``.

    Give `port` to bring a server back where a stopped one was (a test of an outage and recovery).
    """
    binary = redis_server_binary()
    if binary is None:
        raise ServiceUnavailable(unavailable_reason("redis") or "redis-server missing")

    root = Path(tempfile.mkdtemp(prefix="redis-", dir=_base(base_dir)))
    log = root / "redis.log"
    proc: subprocess.Popen | None = None
    try:
        for attempt in range(1, PORT_ATTEMPTS + 1):
            chosen = port or find_free_port()
            try:
                proc = _start_redis(binary, chosen, root, log)
                break
            except _PortInUse:
                if attempt == PORT_ATTEMPTS or port:
                    raise
        yield f"redis://127.0.0.1:{chosen}/0"
    finally:
        if proc is not None:
            _stop_process(proc)
        shutil.rmtree(root, ignore_errors=True)


def _start_redis(binary: Path, port: int, root: Path, log: Path) -> subprocess.Popen:
    cmd = [
        str(binary),
        "--port", str(port),
        "--bind", "127.0.0.1",
        "--save", "",
        "--appendonly", "no",
        "--dir", str(root),
        "--daemonize", "no",
        "--logfile", "",  # log to stdout, which goes to the log file below
        "--loglevel", "warning",
        "--maxclients", "1000",
    ]  # fmt: skip
    with open(log, "ab") as out:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, cwd=root)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        code = proc.poll()
        if code is not None:
            text = _tail(log)
            if "already in use" in text:
                raise _PortInUse(text)
            raise ServerStartError(f"redis-server exited with {code} on port {port}:\n{text}")
        if _redis_ping(port):
            return proc
        if time.monotonic() > deadline:
            _stop_process(proc)
            raise ServerStartError(f"redis-server did not answer PING within {START_TIMEOUT}s:\n{_tail(log)}")
        time.sleep(0.02)


def _redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _stop_process(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=STOP_TIMEOUT)
