"""Throwaway PostgreSQL and Redis servers for the test suite.

Plain Python (pytest is imported lazily, only by :func:`require_service`), so the
context managers can be used from conftest fixtures, scripts or a REPL::

    with postgres_server(tmp_path) as db_url:       # SQLAlchemy URL
        other_url = create_database(db_url, "seed_check")
    with redis_server(tmp_path) as redis_url:        # redis://127.0.0.1:PORT/0
        ...

Every server listens on 127.0.0.1 on a free port, keeps all its files in a fresh
temporary directory under ``base_dir`` and is stopped and removed on exit.

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
    "ServerStartError",
    "ServiceUnavailable",
    "create_database",
    "find_free_port",
    "libpq_url",
    "postgres_available",
    "postgres_bin_dir",
    "postgres_server",
    "redis_available",
    "redis_server",
    "redis_server_binary",
    "require_service",
    "services_required",
    "unavailable_reason",
]

REQUIRE_SERVICES_ENV = "GRIDAPP_TEST_REQUIRE_SERVICES"

PG_DATABASE = "gridapp_test"
PG_SUPERUSER = "postgres"
PG_OS_USER = "postgres"  # the OS account created by Debian's postgresql package
PG_MAX_CONNECTIONS = 200

START_TIMEOUT = 60.0  # seconds; a cold start on a busy 2-core CI box stays far below
STOP_TIMEOUT = 20.0
PORT_ATTEMPTS = 3  # retries when the free port got taken between probe and bind

_TRUE = {"1", "true", "yes", "on"}


class ServiceUnavailable(RuntimeError):
    """A server binary is not installed on this machine."""


class ServerStartError(RuntimeError):
    """A server binary exists but the server did not come up."""


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


@contextlib.contextmanager
def postgres_server(base_dir: Path | str, *, database: str = PG_DATABASE) -> Iterator[str]:
    """Run a throwaway PostgreSQL cluster; yield ``postgresql+psycopg://postgres@127.0.0.1:PORT/gridapp_test``.

    The cluster is tuned for tests (fsync, synchronous_commit and full_page_writes
    off, max_connections=200, trust auth) and is stopped with ``pg_ctl stop -m
    immediate`` and deleted on exit.
    """
    reason = unavailable_reason("postgres")
    if reason:
        raise ServiceUnavailable(reason)
    bindir = postgres_bin_dir()
    assert bindir is not None

    base_dir = Path(base_dir)
    base_dir.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="pg-", dir=base_dir))
    data = root / "data"
    sockets = root / "sock"
    log = root / "postgres.log"

    as_pg: list[str] = []
    if _is_root():
        as_pg = ["runuser", "-u", PG_OS_USER, "--"]
        _make_traversable(root)

    def pg(*args: str, timeout: float) -> subprocess.CompletedProcess:
        return _run([*as_pg, *args], timeout=timeout, cwd=root)

    started = False
    try:
        sockets.mkdir()
        if as_pg:
            uid = _postgres_os_uid()
            for p in (root, sockets):
                os.chown(p, uid, -1)

        result = pg(
            str(bindir / "initdb"),
            "-D", str(data),
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

        with open(data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(
                "\n# --- gridapp test cluster (tests/support/servers.py) ---\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{sockets}'\n"
                f"max_connections = {PG_MAX_CONNECTIONS}\n"
                "fsync = off\n"
                "synchronous_commit = off\n"
                "full_page_writes = off\n"
                "wal_level = minimal\n"
                "max_wal_senders = 0\n"
                "max_wal_size = '1GB'\n"
                "jit = off\n"
                "logging_collector = off\n"
                "log_min_messages = warning\n"
                "log_min_error_statement = panic\n"
            )

        port = 0
        for attempt in range(1, PORT_ATTEMPTS + 1):
            port = find_free_port()
            result = pg(
                str(bindir / "pg_ctl"),
                "-D", str(data),
                "-l", str(log),
                "-o", f"-p {port}",
                "-w", "-t", str(int(START_TIMEOUT)),
                "start",
                timeout=START_TIMEOUT + 10,
            )  # fmt: skip
            if result.returncode == 0:
                started = True
                break
            log_text = _tail(log)
            if "already in use" in log_text and attempt < PORT_ATTEMPTS:
                continue
            raise ServerStartError(
                f"pg_ctl start failed (exit {result.returncode}) on port {port}:\n{result.stdout}\n"
                f"--- {log} ---\n{log_text}"
            )

        url = f"postgresql+psycopg://{PG_SUPERUSER}@127.0.0.1:{port}/postgres"
        _wait_for_postgres(url, log)
        yield create_database(url, database)
    finally:
        if started:
            _stop_postgres(pg, bindir, data)
        shutil.rmtree(root, ignore_errors=True)


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


def _stop_postgres(pg, bindir: Path, data: Path) -> None:
    try:
        result = pg(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop", timeout=STOP_TIMEOUT)
        if result.returncode == 0:
            return
    except subprocess.TimeoutExpired:
        pass
    # pg_ctl failed: kill the postmaster from its pid file so nothing is left behind.
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
def redis_server(base_dir: Path | str) -> Iterator[str]:
    """Run a throwaway redis-server without persistence; yield ``redis://127.0.0.1:PORT/0``."""
    binary = redis_server_binary()
    if binary is None:
        raise ServiceUnavailable(unavailable_reason("redis") or "redis-server missing")

    base_dir = Path(base_dir)
    base_dir.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="redis-", dir=base_dir))
    log = root / "redis.log"
    proc: subprocess.Popen | None = None
    try:
        for attempt in range(1, PORT_ATTEMPTS + 1):
            port = find_free_port()
            try:
                proc = _start_redis(binary, port, root, log)
                break
            except _PortInUse:
                if attempt == PORT_ATTEMPTS:
                    raise
        yield f"redis://127.0.0.1:{port}/0"
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
