"""A throwaway PostgreSQL server for the tests: Debian's binaries, a cluster in a temp dir.

`PgServer` runs ``initdb`` and ``pg_ctl`` from ``/usr/lib/postgresql/<version>/bin`` (or from
``PATH``) as the current user, or as ``postgres`` when run as root (PostgreSQL refuses root),
listening on a unix socket in the cluster's dir only (no TCP port). `fresh_url` hands each test
its own schema, so tests never see each other's rows and need no database of their own.

``AGENDA_WATCH_TEST_PG_URL`` points the tests at a server that is already running instead.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path
from urllib.parse import quote

ENV_URL = "AGENDA_WATCH_TEST_PG_URL"
DATABASE = "postgres"
LOCALE = ("--locale=C.UTF-8", "--locale-provider=icu", "--icu-locale=en-US")


def pg_bin() -> Path | None:
    """The dir holding Debian's ``initdb`` and ``pg_ctl`` (newest version), if installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def _version(path: str) -> int:
    part = Path(path).parent.parent.name
    return int(part) if part.isdigit() else 0


class PgServer:
    """A PostgreSQL cluster in a temp dir, started on `start` and removed on `stop`."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="aw-pg-"))
        self.data = self.dir / "data"
        self.user: str | None = "postgres" if os.geteuid() == 0 else None

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise RuntimeError(f"{args[0]} failed: {done.stderr.strip() or done.stdout.strip()}")

    def start(self) -> str:
        """Create and start the cluster; returns its base URL (trust auth, unix socket)."""
        if self.user:
            shutil.chown(self.dir, self.user)
        # ICU en-US, as a production server would sort (not C): the ledger must not depend on it.
        self._run(
            "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", *LOCALE
        )
        options = f"-k {self.dir} -c listen_addresses='' -c fsync=off -c max_connections=60"
        log = str(self.dir / "server.log")  # not our pipes: the server outlives pg_ctl
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", log, "-o", options, "-w", "-t", "60", "start"
        )
        return f"postgresql://postgres@/{DATABASE}?host={quote(str(self.dir))}"

    def stop(self) -> None:
        """Stop the server and delete the cluster."""
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def fresh_url(base: str) -> str:
    """`base` with a new, empty schema first on the search path (created here)."""
    import psycopg  # the tests' own dependency on it, as in pipeline.store.ledger.postgres

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
