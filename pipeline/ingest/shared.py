"""What every crawl in a process shares, loaded or opened once rather than once per source.

A crawl process may run hundreds of sources. Each used to compile ``topics.yaml`` and open two
ledger connections of its own; here the compiled classifier is kept per file version and the
ledger connection per path, for the life of the process (`close_all` at its end). Everything is
used from the reactor thread only.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.classify.classifier import Classifier
from pipeline.store.ledger import Ledger
from pipeline.text.pdfworker import close_shared

_CLASSIFIERS: dict[Path, tuple[tuple[int, int], Classifier]] = {}
_LEDGERS: dict[Path | str, Ledger] = {}


def classifier(path: Path) -> Classifier:
    """The compiled rules of `path`; compiled again only when the file changes."""
    resolved = path.resolve()
    stat = resolved.stat()
    version = (stat.st_mtime_ns, stat.st_size)
    held = _CLASSIFIERS.get(resolved)
    if held is None or held[0] != version:
        held = _CLASSIFIERS[resolved] = (version, Classifier.from_yaml(resolved))
    return held[1]


def ledger(path: Path | str) -> Ledger:
    """The process's connection to the ledger at `path` (a file, or a PostgreSQL URL)."""
    resolved = path if isinstance(path, str) else path.resolve()
    if resolved not in _LEDGERS:
        _LEDGERS[resolved] = Ledger(resolved)
    return _LEDGERS[resolved]


def close_all() -> None:
    """Close the shared ledger connections and stop the shared PDF worker."""
    for connection in _LEDGERS.values():
        connection.close()
    _LEDGERS.clear()
    close_shared()
