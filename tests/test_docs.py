"""The reference docs stay reachable from the code: citations, spider names, paths, links, sources.

Code cites ``docs/platforms.md §4.7`` and ``ilga.md §10``; these tests read every such citation in
the repository and check it lands on a numbered heading of the doc in ``docs/``, that every spider
class is named in a "Read by" line, that paths and links the docs give exist, and that §7's table of
Illinois jurisdictions names only sources configured in ``config/sources.yaml``.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

import spiders
from pipeline.configfile import YAML_LOADER
from spiders.base import AgendaSpider

ROOT = Path(__file__).resolve().parent.parent
DOCS = {"platforms.md": ROOT / "docs" / "platforms.md", "ilga.md": ROOT / "docs" / "ilga.md"}
# Where citations live. Text files only; this module is left out (its examples are not citations).
SCANNED = (
    "spiders",
    "pipeline",
    "config",
    "tests",
    "docs",
    "benchmarks",
    "README.md",
    "scheduler.py",
)
TEXT_SUFFIXES = {".py", ".md", ".yaml", ".yml", ".html", ".txt", ".json", ".xml", ".cfg", ".toml"}

REF = r"\d+(?:\.\d+)*"
# "## 3. Rules …", "### 3.2 Time zones …" → "3", "3.2".
HEADING_RE = re.compile(rf"^#{{1,6}}\s+({REF})\.?\s", re.MULTILINE)
# "§4.7", "§ 3.2–3.3" (a range), not "RFC 5545 §3.1".
SECTION_RE = re.compile(rf"(?<!RFC )(?<!RFC \d{{4}} )§\s*({REF})(?:\s*[–-]\s*({REF}))?")
# Any Markdown file name: the nearest one before a "§" says which document the "§" is in.
MD_NAME_RE = re.compile(r"[\w.-]+\.md\b")
# Text allowed between a doc name and a "§" of the same citation ("platforms.md §4.5, §3.2–3.3").
SAME_CITATION_RE = re.compile(
    rf"^[`'\")\]]*(?:\s*(?:,|/|and)?\s*§?\s*{REF}(?:\s*[–-]\s*{REF})?)*\s*(?:,|/|and)?\s*$"
)
# "platforms.md 4.1:" (a section number without the sign).
BARE_NUMBER_RE = re.compile(r"^[`'\")\]]*\s+(\d+\.\d+(?:\.\d+)*)\b")
# "Read by: spiders/legistar.py (`LegistarApiSpider`)".
READ_BY_RE = re.compile(r"^Read by: spiders/(\w+)\.py \(`(\w+)`\)", re.MULTILINE)
# A repository path the docs name in backticks.
REPO_PATH_RE = re.compile(r"`((?:spiders|pipeline|tests|config|docs|benchmarks)/[\w./-]+)`")
# A Markdown link target and its anchor: "[§4.7](platforms.md#47-civicclerk)".
MD_LINK_RE = re.compile(r"\]\(([^)\s#]*)(?:#([^)\s]*))?\)")
# Characters GitHub drops when it turns a heading into an anchor.
ANCHOR_DROP_RE = re.compile(r"[^\w\- ]")


@dataclass(frozen=True)
class Citation:
    """One "§" reference to a doc section, with where it was found."""

    doc: str
    section: str
    where: str


def headings(doc: str) -> list[str]:
    """Section numbers of `doc`'s headings, in order."""
    return HEADING_RE.findall(DOCS[doc].read_text(encoding="utf-8"))


def _expand(first: str, last: str | None) -> list[str]:
    """["3.2", "3.3", "3.4"] from a range "3.2–3.4"; the ends alone when they do not share a parent."""
    if not last:
        return [first]
    head, _, a = first.rpartition(".")
    head_b, _, b = last.rpartition(".")
    if head == head_b and a.isdigit() and b.isdigit() and int(a) <= int(b):
        return [f"{head}.{n}" if head else str(n) for n in range(int(a), int(b) + 1)]
    return [first, last]


def citations(text: str, where: str, own_doc: str | None = None) -> list[Citation]:
    """Citations of platforms.md / ilga.md sections in `text`.

    A "§" belongs to the nearest Markdown file named before it; in one of the docs themselves, a
    "§" that is not part of another doc's citation refers to that doc. Sections of other files
    (PROVENANCE.md, RFCs) are ignored.
    """
    names = list(MD_NAME_RE.finditer(text))
    found: list[Citation] = []
    for match in SECTION_RE.finditer(text):
        before = [n for n in names if n.end() <= match.start()]
        named = before[-1] if before else None
        doc = named.group(0).rsplit("/", 1)[-1] if named else None
        gap = text[named.end() : match.start()] if named else ""
        if own_doc is not None and (
            named is None or len(gap) > 80 or not SAME_CITATION_RE.match(gap)
        ):
            doc = own_doc
        if doc not in DOCS:
            continue
        line = text.count("\n", 0, match.start()) + 1
        for section in _expand(match.group(1), match.group(2)):
            found.append(Citation(doc, section, f"{where}:{line}"))
    for named in names:
        doc = named.group(0).rsplit("/", 1)[-1]
        bare = BARE_NUMBER_RE.match(text[named.end() : named.end() + 20])
        if doc in DOCS and bare:
            line = text.count("\n", 0, named.start()) + 1
            found.append(Citation(doc, bare.group(1), f"{where}:{line}"))
    return found


def scanned_files() -> list[Path]:
    """Text files of the repository where citations can live (not .venv, data or this file)."""
    files: list[Path] = []
    for entry in SCANNED:
        path = ROOT / entry
        candidates = [path] if path.is_file() else sorted(path.rglob("*"))
        files += [
            p
            for p in candidates
            if p.is_file() and p.suffix in TEXT_SUFFIXES and p != Path(__file__).resolve()
        ]
    return files


def all_citations() -> list[Citation]:
    found: list[Citation] = []
    for path in scanned_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        if ".md" not in text and "§" not in text:
            continue
        own = path.name if path in DOCS.values() else None
        found += citations(text, str(path.relative_to(ROOT)), own)
    return found


def spider_classes() -> dict[str, type[AgendaSpider]]:
    """Every spider class of ``spiders/`` (platforms and variants such as ``mode: web``).

    Modules named ``_…`` hold shared helpers, not spiders (the registry skips them too).
    """
    classes: dict[str, type[AgendaSpider]] = {}
    for info in pkgutil.iter_modules(spiders.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"spiders.{info.name}")
        for obj in vars(module).values():
            if (
                isinstance(obj, type)
                and issubclass(obj, AgendaSpider)
                and obj is not AgendaSpider
                and obj.__module__ == module.__name__
            ):
                classes[obj.__name__] = obj
    return classes


# --- the citation reader itself -------------------------------------------------------------------


def test_citation_reader_finds_each_form() -> None:
    text = (
        "Facts (docs/platforms.md §4.7, §3.2–3.4): …\n"
        "see ``shared/docs/ilga.md``): bulk (§10), ilga.md §5/§10 and platforms.md 4.1: the grid\n"
        "RFC 5545 §3.8.7.2 and PROVENANCE.md §7 are not ours.\n"
    )
    got = {(c.doc, c.section, c.where) for c in citations(text, "x.py")}
    assert got == {
        ("platforms.md", "4.7", "x.py:1"),
        ("platforms.md", "3.2", "x.py:1"),
        ("platforms.md", "3.3", "x.py:1"),
        ("platforms.md", "3.4", "x.py:1"),
        ("ilga.md", "10", "x.py:2"),
        ("ilga.md", "5", "x.py:2"),
        ("platforms.md", "4.1", "x.py:2"),
    }


def test_citation_reader_in_a_doc_refers_to_itself_unless_another_doc_is_named() -> None:
    text = "Time zones (§3.2); hearings are in [ilga.md §8](ilga.md); cancellations §3.3."
    got = {(c.doc, c.section) for c in citations(text, "docs/platforms.md", "platforms.md")}
    assert got == {("platforms.md", "3.2"), ("ilga.md", "8"), ("platforms.md", "3.3")}


# --- citations resolve ------------------------------------------------------------------------------


def test_docs_number_each_section_once() -> None:
    for doc in DOCS:
        numbers = headings(doc)
        assert len(numbers) > 10, f"{doc}: numbered headings not found"
        assert len(numbers) == len(set(numbers)), f"{doc}: a section number is used twice"


def test_every_section_citation_resolves_to_a_heading() -> None:
    found = all_citations()
    # The spiders and config cite platforms.md in many places; an empty scan means a broken reader.
    cited_from = {c.where.split(":")[0] for c in found}
    assert len(found) > 60
    for expected in ("spiders/civicclerk.py", "spiders/legistar.py", "config/sources.yaml"):
        assert expected in cited_from
    known = {doc: set(headings(doc)) for doc in DOCS}
    dangling = sorted(
        f"{c.where}: {c.doc} §{c.section}" for c in found if c.section not in known[c.doc]
    )
    assert not dangling, "citations that lead nowhere:\n" + "\n".join(dangling)


# --- spiders are documented ---------------------------------------------------------------------------


def test_every_spider_class_is_named_in_a_read_by_line() -> None:
    read_by = [
        (module, name)
        for doc in DOCS.values()
        for module, name in READ_BY_RE.findall(doc.read_text(encoding="utf-8"))
    ]
    classes = spider_classes()
    for module, name in read_by:
        assert name in classes, f"Read by names {name}, which is not a spider class"
        assert classes[name].__module__ == f"spiders.{module}", f"{name} is not in {module}.py"
    undocumented = sorted(set(classes) - {name for _, name in read_by})
    assert not undocumented, f"spider classes without a 'Read by' line: {undocumented}"
    assert {"LegistarApiSpider", "LegistarWebSpider", "IlgaSpider"} <= set(classes)


# --- paths and links lead somewhere ---------------------------------------------------------------


@pytest.mark.parametrize("doc", ["docs/platforms.md", "docs/ilga.md"])
def test_repository_paths_in_a_doc_exist(doc: str) -> None:
    text = (ROOT / doc).read_text(encoding="utf-8")
    paths = REPO_PATH_RE.findall(text)
    assert paths
    missing = sorted({p for p in paths if "{" not in p and not (ROOT / p).exists()})
    assert not missing, f"{doc} names paths that do not exist: {missing}"


def test_readme_and_guide_link_the_platform_reference() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "](docs/platforms.md)" in readme
    assert "](docs/ilga.md)" in readme
    guide = (ROOT / "docs" / "adding-a-municipality.md").read_text(encoding="utf-8")
    assert "](platforms.md" in guide


def anchors(path: Path) -> set[str]:
    """The anchors GitHub gives the headings of a Markdown file ("### 4.7 CivicClerk" → "47-civicclerk")."""
    text = path.read_text(encoding="utf-8")
    titles = re.findall(r"^#{1,6}\s+(.+?)\s*$", text, re.MULTILINE)
    return {ANCHOR_DROP_RE.sub("", title.lower()).replace(" ", "-") for title in titles}


def test_anchor_rule_matches_github() -> None:
    page = ROOT / "docs" / "platforms.md"
    assert "414-municode-meetings-civicplus--municode" in anchors(page)
    assert "31-robotstxt-and-user-agents" in anchors(page)


@pytest.mark.parametrize(
    "doc", ["README.md", "docs/platforms.md", "docs/ilga.md", "docs/adding-a-municipality.md"]
)
def test_relative_links_and_anchors_resolve(doc: str) -> None:
    path = ROOT / doc
    broken: list[str] = []
    for target, anchor in MD_LINK_RE.findall(path.read_text(encoding="utf-8")):
        if "://" in target or target.startswith("mailto:"):
            continue
        linked = (path.parent / target) if target else path
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{target}#{anchor}: no such heading")
    assert not broken, f"{doc} has broken links: {broken}"


# --- §7 and sources.yaml agree ----------------------------------------------------------------------


def _section_text(doc: str, number: str) -> str:
    """The text of section `number` up to the next heading of the same or a higher level."""
    text = DOCS[doc].read_text(encoding="utf-8")
    start = re.search(rf"^(#+)\s+{re.escape(number)}\.?\s.*$", text, re.MULTILINE)
    assert start, f"{doc} has no section {number}"
    level = len(start.group(1))
    end = re.compile(rf"^#{{1,{level}}}\s", re.MULTILINE).search(text, start.end())
    return text[start.end() : end.start() if end else len(text)]


def test_jurisdiction_table_names_configured_sources_and_platforms_are_documented() -> None:
    rows = [
        line for line in _section_text("platforms.md", "7").splitlines() if line.startswith("|")
    ]
    header = [cell.strip() for cell in rows[0].strip("|").split("|")]
    column = header.index("Source id")
    documented: set[str] = set()
    for row in rows[2:]:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert len(cells) == len(header), f"§7 row with {len(cells)} cells: {row[:60]}"
        documented |= set(re.findall(r"`([^`]+)`", cells[column]))
    config = yaml.load(
        (ROOT / "config" / "sources.yaml").read_text(encoding="utf-8"), Loader=YAML_LOADER
    )
    configured = {entry["id"] for entry in config["sources"]}
    assert len(documented) > 30
    assert documented - configured == set(), "§7 names sources that sources.yaml does not have"
    # Every platform a configured source uses has a documented spider.
    read_by = {
        name
        for doc in DOCS.values()
        for _, name in READ_BY_RE.findall(doc.read_text(encoding="utf-8"))
    }
    documented_platforms = {
        cls.platform for name, cls in spider_classes().items() if name in read_by and cls.platform
    }
    used = {entry["platform"] for entry in config["sources"]}
    assert used - documented_platforms == set(), (
        "platforms in sources.yaml without a spider section"
    )
