"""Finds the platform spiders: every `AgendaSpider` subclass with a ``platform`` in ``spiders/``."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

import spiders
from spiders.base import AgendaSpider

# Modules in spiders/ that hold no platform spider.
NOT_PLATFORM_MODULES = {"base", "loader", "registry", "settings"}


@cache
def platform_spiders() -> dict[str, type[AgendaSpider]]:
    """Platform name → spider class, from the modules in ``spiders/``."""
    found: dict[str, type[AgendaSpider]] = {}
    for info in pkgutil.iter_modules(spiders.__path__):
        if info.name in NOT_PLATFORM_MODULES or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"spiders.{info.name}")
        for obj in vars(module).values():
            if (
                isinstance(obj, type)
                and issubclass(obj, AgendaSpider)
                and obj.platform
                and obj.__module__ == module.__name__
            ):
                if obj.platform in found and found[obj.platform] is not obj:
                    raise RuntimeError(f"two spiders for platform {obj.platform!r}")
                found[obj.platform] = obj
    return found
