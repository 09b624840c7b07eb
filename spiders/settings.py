"""Scrapy settings for agenda-watch: conservative and polite by default.

Tunables are built here from `pipeline.settings.Settings` (read once, from the environment the
crawl runner hands the process); spiders and pipeline stages read them from the crawler's
settings, never from the environment.
"""

from __future__ import annotations

from pipeline.deploy import config_dir_for
from pipeline.redact import install_log_redaction
from pipeline.settings import load_settings

# Every crawl process imports this module first (``scrapy crawl`` and any crawl runner alike):
# from here on no log record or uncaught exception of it carries a secret (pipeline/redact.py).
install_log_redaction()
_APP = load_settings()

BOT_NAME = "agenda-watch"
SPIDER_LOADER_CLASS = "spiders.loader.SourceSpiderLoader"
SPIDER_MODULES: list[str] = []
NEWSPIDER_MODULE = "spiders"

USER_AGENT = _APP.user_agent
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = _APP.download_delay_s
DOWNLOAD_TIMEOUT = 60
# Agenda PDFs are rarely above a few MB; a packet can be big, a runaway response must not be.
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024
RETRY_TIMES = 2
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = _APP.log_level
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

ITEM_PIPELINES = {
    "pipeline.ingest.stages.ValidateMeeting": 100,
    "pipeline.ingest.stages.ExtractText": 200,
    "pipeline.ingest.followups.ReadCommentWindow": 250,
    "pipeline.ingest.stages.ClassifyItems": 300,
    "pipeline.ingest.followups.FetchRollCalls": 350,
    "pipeline.ingest.followups.ReadMinutes": 360,
    "pipeline.ingest.stages.StoreMeeting": 400,
}
SPIDER_MIDDLEWARES = {
    "pipeline.ingest.stages.ImplausibleDates": 900,  # next to the callbacks' output
}
# Per-job settings (scrapy crawl -s, Scrapyd's schedule.json) move the data dir's derived dirs.
ADDONS = {"pipeline.deploy.JobDirs": 0}
EXTENSIONS = {
    # First: puts the redacting filter on the log handlers Scrapy has just set up.
    "pipeline.redact.LogRedaction": 0,
    "pipeline.ingest.stages.RunRecorder": 500,
    # Scrapy's LogCount hangs a counter per crawler on the root logger: with many sources in one
    # process each would count the others' errors. SourceLogCount charges each line to its source.
    "scrapy.extensions.logcount.LogCount": None,
    "pipeline.ingest.sourcelog.SourceLogCount": 0,
}
# Scrapy 2.19 starts an HTTP server per crawler that runs Python sent to it: not for a crawler
# of hostile pages, and one port per source when many share a process.
REMOTE_CONTROL_ENABLED = False
DOWNLOADER_MIDDLEWARES = {
    # Demo and tests: public sites answered by a local replay (loaded only when hosts are listed).
    "pipeline.ingest.replayhosts.ReplayHostsMiddleware": 50,
    # One request at a time per host across every source and crawl process, DOWNLOAD_DELAY apart
    # (Scrapy's own slots are per crawler). After the HTTP cache (900): cached answers never wait.
    "pipeline.ingest.hostgate.HostGateMiddleware": 960,
    # Scrapy's decompression, with a page that outgrows DOWNLOAD_MAXSIZE counted as an error.
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "pipeline.ingest.sizecap.SizeCappedDecompression": 590,
}
AGENDA_WATCH_REPLAY_HOSTS = _APP.replay_hosts
# Each source's log file (pipeline.ingest.sourcelog) rotates at this size, keeping this many.
AGENDA_WATCH_LOG_MAX_BYTES = _APP.log_max_bytes
AGENDA_WATCH_LOG_BACKUPS = _APP.log_backups
AGENDA_WATCH_HOST_LOCK_DIR = str(_APP.data_dir.resolve() / "hostlocks")

# Where the data and the config are (`pipeline.settings.Paths.from_scrapy` reads these).
AGENDA_WATCH_DATA_DIR = str(_APP.data_dir.resolve())
# With no sources.yaml there (a Scrapyd node's working dir), the config shipped in the package.
AGENDA_WATCH_CONFIG_DIR = str(config_dir_for(_APP.config_dir.resolve()))
# The ledger: a postgresql:// URL shared by several machines, or "" for the SQLite file in the
# data dir (a secret: Scrapy's settings log is redacted, pipeline/redact.py).
AGENDA_WATCH_LEDGER_URL = _APP.ledger_url.get_secret_value() if _APP.ledger_url else ""
# Where health alerts from the crawl go (pipeline.ingest.stages.RunRecorder): not secrets.
AGENDA_WATCH_OPS_CHANNEL = _APP.slack_ops_channel or _APP.slack_channel or ""
# The ledger's id of this crawl; the crawl runner sets it (-s) so it can find the run's record.
AGENDA_WATCH_RUN_ID = ""
# "Today" for the crawl window ("" = the source's real today).
AGENDA_WATCH_TODAY = _APP.today.isoformat() if _APP.today else ""

# PDF extraction limits (per document); the worker delay is a test-only fault injection.
AGENDA_WATCH_PDF_TIMEOUT = _APP.pdf_timeout_s
AGENDA_WATCH_PDF_MAX_PAGES = 200
AGENDA_WATCH_PDF_WORKER_DELAY = _APP.pdf_worker_delay_s
# OCR of pages without a text layer, in the PDF worker (pipeline.text.ocr.OcrOptions).
AGENDA_WATCH_OCR = _APP.ocr
AGENDA_WATCH_OCR_ENGINE = _APP.ocr_engine
AGENDA_WATCH_OCR_LANGUAGE = _APP.ocr_language
AGENDA_WATCH_OCR_MAX_PAGES = _APP.ocr_max_pages
AGENDA_WATCH_OCR_PAGE_TIMEOUT = _APP.ocr_page_timeout_s
AGENDA_WATCH_OCR_DPI = _APP.ocr_dpi

# Legistar Web API page size ($top); the API returns at most 1000 records per response.
AGENDA_WATCH_LEGISTAR_PAGE_SIZE = _APP.legistar_page_size

# HTTP cache used only for conditional requests: every page is asked for again, with
# If-None-Match / If-Modified-Since when the site gave an ETag or Last-Modified, so an unchanged
# agenda costs a 304 instead of a download; pages without validators are not stored at all
# (pipeline/ingest/cachepolicy.py says why RFC2616Policy's freshness rules are wrong for us).
# Not every platform sends these headers (CivicPlus does not, platforms.md §4.5).
HTTPCACHE_ENABLED = _APP.http_cache
HTTPCACHE_POLICY = "pipeline.ingest.cachepolicy.RevalidatePolicy"
HTTPCACHE_STORAGE = "scrapy.extensions.httpcache.FilesystemCacheStorage"
HTTPCACHE_DIR = str(_APP.data_dir.resolve() / "httpcache")
HTTPCACHE_IGNORE_HTTP_CODES = [401, 403, 404, 429, 500, 502, 503, 504]
HTTPCACHE_GZIP = True
