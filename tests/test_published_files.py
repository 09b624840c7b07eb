"""Published files are readable by others (issue 11 item 7): modes follow the umask.

The site written by ``site --out`` is served by ``python -m http.server`` running as another user
(``nobody``), as a web server would, and its page and feeds answer 200.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.store.files import write_atomic
from tests.test_upcoming import write_stored_meetings


@contextmanager
def umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def modes(root: Path) -> dict[str, int]:
    return {
        str(p.relative_to(root)): stat.S_IMODE(p.stat().st_mode)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def build_site(data: Path, out: Path) -> None:
    result = CliRunner().invoke(
        main, ["--data-dir", str(data), "site", "--out", str(out), "--from", "2026-10-26"]
    )
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_published_files_follow_the_umask(tmp_path: Path, mask: int, expected: int) -> None:
    with umask(mask):
        write_stored_meetings(tmp_path / "data")
        build_site(tmp_path / "data", tmp_path / "public")
    site = modes(tmp_path / "public")
    assert {"index.html", "upcoming.json", "calendar/all.ics"} <= set(site)
    assert "calendar/by-source/oak_park.ics" in site
    assert set(site.values()) == {expected}, site
    stored = modes(tmp_path / "data" / "meetings")
    assert stored and set(stored.values()) == {expected}, stored


def test_write_atomic_replaces_with_the_umask_or_keeps_the_mode(tmp_path: Path) -> None:
    path = tmp_path / "feed.ics"
    with umask(0o022):
        path.write_bytes(b"old")
        path.chmod(0o600)  # as the old code left every published file
        write_atomic(path, b"new")
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
        path.chmod(0o640)
        write_atomic(path, b"newer", keep_mode=True)
        assert stat.S_IMODE(path.stat().st_mode) == 0o640 and path.read_bytes() == b"newer"
    assert [p.name for p in tmp_path.iterdir()] == ["feed.ics"]  # no temporary file left


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _python_for(user: pwd.struct_passwd) -> str:
    """A Python interpreter `user` can run (this one may live under a private home)."""
    candidates = [os.path.realpath(sys.executable), shutil.which("python3", path="/usr/bin:/bin")]
    for candidate in filter(None, candidates):
        try:
            probe = subprocess.run(
                [candidate, "-c", "import http.server"],
                user=user.pw_uid,
                group=user.pw_gid,
                extra_groups=[],
                cwd="/",
                capture_output=True,
                check=False,
            )
        except PermissionError:  # under a home only its owner may enter
            continue
        if probe.returncode == 0:
            return candidate
    pytest.fail(f"no Python interpreter here can be run by {user.pw_name}: {candidates}")


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_site_is_served_by_another_user() -> None:
    if os.geteuid() != 0:
        pytest.skip("starting http.server as another user (nobody) needs root; CI runs as root")
    nobody = pwd.getpwnam("nobody")
    # Under /tmp (world-traversable), not pytest's tmp_path (0700 directories).
    root = Path(tempfile.mkdtemp(prefix="aw-site-", dir="/tmp"))
    try:
        root.chmod(0o755)
        with umask(0o022):
            write_stored_meetings(root / "data")
            build_site(root / "data", root / "public")
        out = root / "public"
        private = out / "private.txt"
        private.write_text("not for the web server")
        private.chmod(0o600)  # control: proves the server really is another user
        port = _free_port()
        server = subprocess.Popen(
            [_python_for(nobody), "-m", "http.server", str(port), "--bind", "127.0.0.1"],
            user=nobody.pw_uid,
            group=nobody.pw_gid,
            extra_groups=[],
            cwd=out,
            env={"PATH": "/usr/bin:/bin"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 15
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    assert time.monotonic() < deadline, "http.server did not start"
                    assert server.poll() is None, "http.server exited"
                    time.sleep(0.1)
            assert _get(f"{base}/index.html") == 200
            assert _get(f"{base}/calendar/all.ics") == 200
            assert _get(f"{base}/calendar/by-source/oak_park.ics") == 200
            assert _get(f"{base}/upcoming.json") == 200
            assert _get(f"{base}/private.txt") == 404  # unreadable to nobody
        finally:
            server.terminate()
            server.wait(10)
    finally:
        shutil.rmtree(root, ignore_errors=True)
