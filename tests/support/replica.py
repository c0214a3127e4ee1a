"""A PostgreSQL primary with a streaming replica made by pg_basebackup, for the replica test and bench/scaleout.py.

Both are throwaway clusters of tests/support/servers.py (run as the postgres OS user with runuser when we
are root). The primary is set up for replication (wal_level replica, WAL senders) and may listen on
more addresses than 127.0.0.1 and let a subnet in; the replica is `pg_basebackup -R -X stream` of it,
a hot standby on its own port that replays the primary's WAL as it streams in.
"""
from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator

import psycopg

from tests.support import servers


def _primary(base_dir, listen: str, clients: str | None) -> servers.PostgresCluster:
    cluster = servers.PostgresCluster(base_dir)
    cluster.init()
    with open(cluster.data / "postgresql.conf", "a", encoding="utf-8") as conf:
        conf.write(
            "\n# --- a primary with a streaming replica (tests/support/replica.py) ---\n"
            f"listen_addresses = '{listen}'\nwal_level = replica\nmax_wal_senders = 5\nwal_keep_size = '256MB'\n"
            "hot_standby = on\n"
        )
    if clients:
        with open(cluster.data / "pg_hba.conf", "a", encoding="utf-8") as hba:
            hba.write(f"host all all {clients} trust\nhost replication all {clients} trust\n")
    return cluster


def _replica_of(primary: servers.PostgresCluster, base_dir) -> servers.PostgresCluster:
    replica = servers.PostgresCluster(base_dir)
    replica.sockets.mkdir()
    if replica._as_pg:
        for path in (replica.root, replica.sockets):
            os.chown(path, servers._postgres_os_uid(), -1)
    copied = replica._pg(
        str(replica.bindir / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port), "-U", servers.PG_SUPERUSER,
        "-D", str(replica.data), "-R", "-X", "stream", "-c", "fast", timeout=servers.START_TIMEOUT,
    )  # fmt: skip
    if copied.returncode:
        raise servers.ServerStartError(f"pg_basebackup failed:\n{copied.stdout}")
    with open(replica.data / "postgresql.conf", "a", encoding="utf-8") as conf:
        conf.write(f"unix_socket_directories = '{replica.sockets}'\n")
    return replica


@contextlib.contextmanager
def primary_and_replica(base_dir=None, *, listen: str = "127.0.0.1", clients: str | None = None
                        ) -> Iterator[tuple[servers.PostgresCluster, servers.PostgresCluster]]:  # fmt: skip
    """Started primary and replica (each stopped and removed on exit); `listen` and `clients` widen the primary."""
    with contextlib.ExitStack() as stack:
        primary = _primary(base_dir, listen, clients)
        stack.callback(primary.remove)
        primary.start()
        stack.callback(primary.stop)
        replica = _replica_of(primary, base_dir)
        stack.callback(replica.remove)
        replica.start()
        stack.callback(replica.stop)
        yield primary, replica


def database_on(cluster: servers.PostgresCluster, database: str, host: str = "127.0.0.1") -> str:
    return f"postgresql+psycopg://{servers.PG_SUPERUSER}@{host}:{cluster.port}/{database}"


def wait_for_replay(primary_url: str, replica_url: str, timeout: float = 60) -> None:
    """Until the replica has replayed everything the primary had written when this was called."""
    with psycopg.connect(servers.libpq_url(primary_url), autocommit=True) as conn:
        written = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
    deadline = time.monotonic() + timeout
    with psycopg.connect(servers.libpq_url(replica_url.rsplit("/", 1)[0] + "/postgres"), autocommit=True) as conn:
        while time.monotonic() < deadline:
            if conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (written,)).fetchone()[0]:
                return
            time.sleep(0.1)
    raise AssertionError(f"the replica did not replay up to {written} within {timeout} s")
