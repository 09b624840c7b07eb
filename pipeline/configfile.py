"""Reading a config file: YAML with the line of every key and list entry, and `Problem`s.

PyYAML composes a document into nodes that carry their source marks; the data is constructed from
those same nodes (safe constructors only), and each path to a value remembers its first line, so
every problem can name its file and line (`pipeline.config` checks what the files say).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

# PyYAML's C loader (libyaml) where present: the same nodes and line marks, about 10x faster on
# a 1,000-source file (issue 15: 555 ms with the Python loader, 57 ms with this one).
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# A location inside a document: mapping keys and list indexes, as strings ("sources", "3", "id").
YamlPath = tuple[str, ...]


@dataclass
class MarkedYaml:
    """A YAML document's data and the 1-based line where each key or list entry starts."""

    data: Any
    lines: dict[YamlPath, int] = field(default_factory=dict)
    # Keys given twice in one mapping (YAML keeps the last silently): (path, line of the repeat).
    repeated: list[tuple[YamlPath, int]] = field(default_factory=list)

    def line(self, *path: object) -> int | None:
        """The line of `path`, else of its nearest enclosing key or entry (None: no such place)."""
        parts = tuple(str(p) for p in path)
        while parts:
            if parts in self.lines:
                return self.lines[parts]
            parts = parts[:-1]
        return self.lines.get(())

    def value(self, *path: str) -> Any:
        """The data at `path` (keys and list indexes as strings); None when there is none."""
        node = self.data
        for part in path:
            if isinstance(node, dict):
                node = node.get(part)
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return None
        return node


@dataclass(frozen=True)
class Problem:
    """One configuration problem: where it is (file, line, entry, field) and what is wrong."""

    file: str
    entry: str
    field: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return ": ".join(p for p in (where, self.entry, self.field, self.message) if p)


class ConfigError(Exception):
    """The configuration has problems; ``problems`` lists them all."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for a close choice, else ""."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


class YamlSyntaxError(ValueError):
    """The text is not valid YAML; ``line`` is where the parser stopped (1-based), if known."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def load_marked(text: str) -> MarkedYaml:
    """Parse one YAML document (safe types only); raises `YamlSyntaxError` with the line."""
    loader = YAML_LOADER(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise YamlSyntaxError(what or "not valid YAML", mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(str(exc), None) from None
    finally:
        loader.dispose()
    marked = MarkedYaml(data)
    if node is not None:
        _index(node, (), marked)
    return marked


def read_marked(path: Path) -> MarkedYaml:
    """`load_marked` of a UTF-8 file (`OSError` when it cannot be read)."""
    return load_marked(path.read_text(encoding="utf-8"))


def read_config(path: Path, problems: list[Problem]) -> MarkedYaml | None:
    """The file's YAML with line marks; None (and a problem) when missing or not YAML.

    Keys given twice in one mapping are reported too (YAML keeps the last one silently).
    """
    try:
        doc = read_marked(path)
    except FileNotFoundError:
        problems.append(Problem(str(path), "", "", "file not found"))
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(str(path), "", "", f"cannot be read: {exc}"))
        return None
    except YamlSyntaxError as exc:
        problems.append(Problem(str(path), "", "", f"not valid YAML: {exc}", exc.line))
        return None
    for where, line in doc.repeated:
        entry = doc.value(*where[:-1])
        ident = entry.get("id") if isinstance(entry, dict) else None
        name = ident if isinstance(ident, str) and ident.strip() else ".".join(where[:-1])
        problems.append(
            Problem(str(path), name, where[-1], "given twice (the last one wins)", line)
        )
    return doc


def _index(node: Node, path: YamlPath, marked: MarkedYaml) -> None:
    marked.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, MappingNode):
        pairs: Sequence[tuple[Node, Node]] = node.value
        seen: set[str] = set()
        for key, value in pairs:
            if not isinstance(key, ScalarNode):
                continue
            child = (*path, str(key.value))
            if key.value in seen and key.value != "<<":
                marked.repeated.append((child, key.start_mark.line + 1))
            seen.add(key.value)
            marked.lines.setdefault(
                child, key.start_mark.line + 1
            )  # the key's line, not its value's
            _index(value, child, marked)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            _index(item, (*path, str(index)), marked)
