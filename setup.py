"""Build hook: ship ``config/*.yaml`` inside the package (``pipeline/packaged_config``).

Everything else is in pyproject.toml. This file also keeps ``scrapyd-deploy`` from writing a
setup.py of its own: it builds the Scrapyd egg with ``python setup.py bdist_egg`` from here, so
the egg has our metadata and the ``scrapy`` settings entry point (see the README, Deployment).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

CONFIG = Path(__file__).resolve().parent / "config"


class BuildWithConfig(build_py):
    """build_py, then copy the project's config files into the built package."""

    def run(self) -> None:
        """Build the modules, then add ``pipeline/packaged_config/*.yaml``."""
        super().run()
        target = Path(self.build_lib) / "pipeline" / "packaged_config"
        target.mkdir(parents=True, exist_ok=True)
        for path in sorted(CONFIG.glob("*.yaml")):
            shutil.copyfile(path, target / path.name)


setup(cmdclass={"build_py": BuildWithConfig})
