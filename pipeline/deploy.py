"""What a crawl started without our CLI needs (a Scrapyd job): shipped config, per-job dirs.

- The package ships the project's ``config/*.yaml`` as ``pipeline/packaged_config`` (setup.py
  copies them into the build, so the egg ``scrapyd-deploy`` uploads and any wheel carry them).
  A crawl whose config dir has no ``sources.yaml`` (Scrapyd's working dir has no ``config/``)
  reads the shipped one (`config_dir_for`). Inside a zipped egg the files are not on disk:
  they are copied once to a directory named after their content.
- Per-job settings (``scrapy crawl -s AGENDA_WATCH_DATA_DIR=…``, Scrapyd's
  ``schedule.json -d setting=…``) outrank the project settings built from the environment;
  `JobDirs`, a Scrapy add-on, moves the dirs derived from the data dir (HTTP cache, host
  locks) along with it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

from pipeline.ingest.hostgate import LOCK_DIR_SETTING

logger = logging.getLogger(__name__)

PACKAGED_CONFIG = "packaged_config"  # under the pipeline package (see setup.py)
CONFIG_FILES = ("sources.yaml", "topics.yaml", "watchlist.yaml")
# Settings derived from the data dir: (setting, sub-directory of the data dir).
DATA_DIR_SETTINGS = (("HTTPCACHE_DIR", "httpcache"), (LOCK_DIR_SETTING, "hostlocks"))


def packaged_config() -> Path | None:
    """The config shipped with the code, as a directory on disk (None when not shipped)."""
    root = resources.files("pipeline").joinpath(PACKAGED_CONFIG)
    files = [root.joinpath(n) for n in CONFIG_FILES]
    if not files[0].is_file():
        return None
    if isinstance(root, Path):  # installed as files (a wheel, an unzipped egg)
        return root
    return _copied(files)


def _copied(files: list[Traversable]) -> Path:
    """The shipped files copied to a temp dir named after their content (zipped egg)."""
    blobs = {f.name: f.read_bytes() for f in files if f.is_file()}
    digest = hashlib.sha256(b"".join(n.encode() + b"\0" + b for n, b in sorted(blobs.items())))
    dest = Path(tempfile.gettempdir()) / f"agenda-watch-config-{digest.hexdigest()[:16]}"
    if not (dest / CONFIG_FILES[0]).is_file():
        dest.mkdir(parents=True, exist_ok=True)
        for name, blob in blobs.items():
            part = dest / f".{name}.{os.getpid()}"
            part.write_bytes(blob)
            part.replace(dest / name)  # whole files only, whoever copies at the same time
    return dest


def config_dir_for(configured: Path) -> Path:
    """`configured` if it holds a ``sources.yaml``, else the shipped config if there is one."""
    if (configured / CONFIG_FILES[0]).is_file():
        return configured
    shipped = packaged_config()
    if shipped is None:
        return configured  # check-config and the spider loader say what is missing
    logger.info("no %s in %s: using the config shipped with the code", CONFIG_FILES[0], configured)
    return shipped


class JobDirs:
    """Scrapy add-on: a per-job data dir moves the dirs derived from it.

    The project settings derive the HTTP cache and host-lock dirs from the environment's data
    dir; when a job sets ``AGENDA_WATCH_DATA_DIR`` above project priority, they follow it
    (unless the job set them too).
    """

    def update_settings(self, settings: BaseSettings) -> None:
        """Scrapy calls this with the crawler's settings before they are frozen."""
        project = SETTINGS_PRIORITIES["project"]
        if (settings.getpriority("AGENDA_WATCH_DATA_DIR") or 0) <= project:
            return
        data_dir = Path(settings["AGENDA_WATCH_DATA_DIR"])
        for name, sub in DATA_DIR_SETTINGS:
            if (settings.getpriority(name) or 0) <= project:
                settings.set(name, str(data_dir / sub), priority="cmdline")
