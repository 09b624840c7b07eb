"""Shared fixtures, and the ``engine``/``browser`` markers that split the fast loop from the rest.

``pytest -m "not engine and not browser" -n auto`` is the everyday loop (see README): it leaves out
every test that starts the Scrapy engine or a crawl process (marked ``engine`` here, found by
what the test calls) and the headless-Chromium page test (``browser``).
"""

from __future__ import annotations

import gc
import inspect
import os
import shutil
import subprocess
from collections.abc import Generator, Iterator
from pathlib import Path
from types import CodeType, ModuleType

import pytest
from hypothesis import settings as hypothesis_settings

from pipeline.demo import RECORDINGS, replay_hosts, write_demo_config
from pipeline.replay import ReplayServer
from pipeline.settings import Settings
from tests.fakeslack import FakeSlackServer
from tests.pgserver import ENV_URL, PgServer, fresh_url, pg_bin

ROOT = Path(__file__).resolve().parent.parent
# The classifier's rules: what the classification tests measure (the only file of config/ read).
TOPICS = ROOT / "config" / "topics.yaml"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The tests' sources.yaml and watchlist.yaml (tests/fixtures/config/README.md says why).
FIXTURE_CONFIG = FIXTURES / "config"


def copy_fixture_config(dest: Path) -> Path:
    """A config dir at `dest`: the fixture sources and watchlist, and the topic rules."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("sources.yaml", "watchlist.yaml"):
        shutil.copyfile(FIXTURE_CONFIG / name, dest / name)
    shutil.copyfile(TOPICS, dest / "topics.yaml")
    return dest


# The fast loop runs each property test on a handful of examples (it still runs them all);
# the full suite and CI search as far as each test asks. Set by `pytest_configure`, read by
# `examples` when the test modules are imported.
QUICK_ENV = "AGENDA_WATCH_QUICK_TESTS"
QUICK_EXAMPLES = 10
hypothesis_settings.register_profile("quick", max_examples=QUICK_EXAMPLES, deadline=None)


def pytest_configure(config: pytest.Config) -> None:
    """The fast loop (a ``-m`` that leaves ``engine`` out) loads the "quick" hypothesis profile."""
    if "not engine" in (config.option.markexpr or "") or os.environ.get(QUICK_ENV):
        os.environ[QUICK_ENV] = "1"
        hypothesis_settings.load_profile("quick")


def examples(n: int, quick: int = QUICK_EXAMPLES) -> int:
    """`n` hypothesis examples; in the fast loop at most `quick` (a slow example: fewer)."""
    return min(n, quick) if os.environ.get(QUICK_ENV) else n


@pytest.fixture(scope="session")
def config_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's config dir (`copy_fixture_config`); tests that change it copy it first."""
    return copy_fixture_config(tmp_path_factory.mktemp("config"))


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, config_dir: Path) -> None:
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_WEBHOOK_URL",
        "SLACK_CHANNEL",
        "SLACK_API_URL",
        "SLACK_OPS_CHANNEL",
        "AGENDA_WATCH_REPLAY_HOSTS",
        "AGENDA_WATCH_LEDGER_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AGENDA_WATCH_DOWNLOAD_DELAY", "0")
    # Never the deployment's config/: every process a test starts inherits this.
    monkeypatch.setenv("AGENDA_WATCH_CONFIG_DIR", str(config_dir))


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    with ReplayServer(RECORDINGS) as server:
        yield server


@pytest.fixture
def recordings_copy(tmp_path: Path) -> Path:
    """A writable copy of the demo recordings, for tests that change a page between crawls."""
    dest = tmp_path / "recordings"
    shutil.copytree(RECORDINGS, dest)
    return dest


def make_settings(tmp_path: Path, base_url: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    data = tmp_path / "data"
    config = tmp_path / "config"
    write_demo_config(config, TOPICS)
    monkeypatch.setenv("AGENDA_WATCH_DATA_DIR", str(data))
    monkeypatch.setenv("AGENDA_WATCH_CONFIG_DIR", str(config))
    monkeypatch.setenv("AGENDA_WATCH_REPLAY_HOSTS", replay_hosts(base_url))
    return Settings()


@pytest.fixture
def demo_env(tmp_path: Path, replay: ReplayServer, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings whose sources are the demo recordings served by a local replay server."""
    return make_settings(tmp_path, replay.base_url, monkeypatch)


@pytest.fixture
def slack() -> Iterator[FakeSlackServer]:
    with FakeSlackServer() as server:
        yield server


# Names whose use starts the heavy machinery: a crawl (crawl worker processes, the Scrapy
# engine), any other child process (a CLI run as a user would, the PDF worker, OCR's engine,
# a pty), or a real wait on a clock.
ENGINE_CALLS = frozenset(
    {
        "crawl_one",
        "crawl_many",
        "crawl_recorded",
        "crawl_and_deliver",
        "BatchCrawl",
        "subprocess",
        "Popen",
        "pty",
        "multiprocessing",
        "ProcessPoolExecutor",
        "PdfExtractor",
        "shared_extractor",
        "extract_pdf_text",
        "sleep",
    }
)
# Fixtures that stand for the same (tesseract: OCR runs in the PDF worker; pg_server: a
# PostgreSQL cluster).
ENGINE_FIXTURES = frozenset({"tesseract", "chromium", "pg_server"})


def _starts_engine(code: CodeType, module: ModuleType | None, seen: set[CodeType]) -> bool:
    """True when `code` uses one of `ENGINE_CALLS`, itself or through test helpers it calls.

    Helpers are the functions it names that the test modules define (its own module's, or
    imported from another ``tests`` module), followed with their own module's names.
    """
    if code in seen:
        return False
    seen.add(code)
    if ENGINE_CALLS & set(code.co_names):
        return True
    if any(_starts_engine(c, module, seen) for c in code.co_consts if isinstance(c, CodeType)):
        return True
    for name in code.co_names:
        obj = getattr(module, name, None) if module is not None else None
        if inspect.isfunction(obj) and obj.__module__.split(".")[0] == "tests":
            if _starts_engine(obj.__code__, inspect.getmodule(obj), seen):
                return True
    return False


def _utf8_safe(value: object) -> object:
    """`value` with every string writable as UTF-8 (a lone surrogate becomes ``\\ud800``)."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {k: _utf8_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_utf8_safe(v) for v in value)
    return value


@pytest.hookimpl(wrapper=True)
def pytest_report_to_serializable(report: pytest.TestReport) -> Generator[None, object, object]:
    """Reports that pytest-xdist can send: hostile test values hold lone surrogates.

    A failing property test's message or captured output may quote one; execnet refuses strings
    that are not UTF-8 and the whole run would stop with an internal error instead of the failure.
    """
    data = yield
    return _utf8_safe(data)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Freeze what imports and collection made: the collector then skips it for the whole run.

    Those objects (modules, parsed tables, test items) live until the end anyway; left to the
    collector, every full collection walks them again and pytest's own collections at exit
    take about 0.4 s each, per process.
    """
    gc.collect()
    gc.freeze()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``engine`` every test whose body, helpers or fixtures start a crawl."""
    for item in items:
        if not isinstance(item, pytest.Function) or item.get_closest_marker("engine"):
            continue
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "postgresql" in callspec.params.values():
            item.add_marker(pytest.mark.engine)  # a PostgreSQL server: its SQLite twin stays fast
            continue
        module = inspect.getmodule(item.function)
        codes = [item.function.__code__]
        for defs in item._fixtureinfo.name2fixturedefs.values():
            func = getattr(defs[-1], "func", None)
            if inspect.isfunction(func):
                codes.append(func.__code__)
        seen: set[CodeType] = set()
        if ENGINE_FIXTURES & set(item.fixturenames) or any(
            _starts_engine(code, module, seen) for code in codes
        ):
            item.add_marker(pytest.mark.engine)


CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
MAC_CHROME = "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"


@pytest.fixture
def chromium() -> str:
    """A headless-capable Chromium; skips the test when there is none, except under CI."""
    found = next((p for n in CHROMIUM_NAMES if (p := shutil.which(n))), None)
    if found is None and Path(MAC_CHROME).exists():
        found = MAC_CHROME
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(
                "CI must run the browser test, but no Chromium was found (.ci/run installs it)"
            )
        pytest.skip("no Chromium here (Debian: apt-get install chromium); CI runs this test")
    return found


@pytest.fixture(scope="session")
def tesseract() -> str:
    """Debian's tesseract (OCR); skips the test when there is none, except under CI."""
    found = shutil.which("tesseract")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the OCR tests, but tesseract is missing (.ci/run installs it)")
        pytest.skip("no tesseract here (Debian: apt-get install tesseract-ocr); CI runs this test")
    return found


# --- the ledger on both backends ------------------------------------------------------------

LEDGER_BACKENDS = ("sqlite", "postgresql")


def _no_postgresql(reason: str) -> None:
    """Under CI the PostgreSQL variants must run: fail; elsewhere skip, saying why."""
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the PostgreSQL ledger tests, but {reason} (.ci/run installs it)")
    pytest.skip(f"{reason}; CI runs the PostgreSQL variants")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The base URL of a PostgreSQL server: ``AGENDA_WATCH_TEST_PG_URL``, or a throwaway
    cluster of Debian's ``postgresql`` package started for the session (`tests.pgserver`)."""
    if os.environ.get(ENV_URL):
        yield os.environ[ENV_URL]
        return
    try:
        import psycopg  # noqa: F401 - only to know it is there
    except ImportError:
        _no_postgresql("psycopg is not installed")
    bindir = pg_bin()
    if bindir is None:
        _no_postgresql("no PostgreSQL server here (Debian: apt-get install postgresql)")
    assert bindir is not None
    server = PgServer(bindir)
    try:
        url = server.start()
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        server.stop()
        _no_postgresql(f"the PostgreSQL server did not start ({exc})")
    try:
        yield url
    finally:
        server.stop()


@pytest.fixture(params=LEDGER_BACKENDS)
def ledger_where(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where a test's own ledger is: a SQLite file, or an empty schema on the PostgreSQL server."""
    if request.param == "sqlite":
        return tmp_path / "l.sqlite3"
    return fresh_url(request.getfixturevalue("pg_server"))


@pytest.fixture(params=LEDGER_BACKENDS)
def ledger_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The ledger every process of the test uses, through the environment: the SQLite file in
    the data dir, or ``AGENDA_WATCH_LEDGER_URL`` naming an empty schema on the PostgreSQL server."""
    if request.param == "postgresql":
        monkeypatch.setenv(
            "AGENDA_WATCH_LEDGER_URL", fresh_url(request.getfixturevalue("pg_server"))
        )
    return str(request.param)
