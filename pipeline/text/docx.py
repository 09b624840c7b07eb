"""Text of a .docx agenda (CivicPlus serves some behind PDF-looking links), list numbers included.

The document is a zip of XML parts. Word's automatic list numbers are not in the text, so they
are rebuilt from ``word/numbering.xml`` ("1.", "a.") for the splitter. Guards: total
uncompressed size is capped, each part is read with a cap (zip headers can lie), and each part is
decoded and parsed by defusedxml (`pipeline.text.safexml`), which refuses a DTD or entity in any
encoding (OOXML never has one).
"""

from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree

from pipeline.text.safexml import XmlRefused, decode_xml, parse_strict

DOCX_MAX_UNCOMPRESSED = 50 * 2**20  # zip-bomb guard for .docx: total uncompressed bytes
DOCX_MAX_PART = 20 * 2**20  # largest single XML part read from a .docx

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
ZIP_MAGIC = b"PK\x03\x04"


def looks_like_docx(data: bytes) -> bool:
    """True when `data` is a zip holding ``word/document.xml`` (whatever the URL or type says)."""
    if not data.startswith(ZIP_MAGIC):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return "word/document.xml" in zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _read_part(zf: zipfile.ZipFile, name: str) -> bytes | None:
    """One XML part, read with a hard cap (the zip header's size may lie)."""
    if name not in zf.namelist():
        return None
    with zf.open(name) as fh:
        data = fh.read(DOCX_MAX_PART + 1)
    if len(data) > DOCX_MAX_PART:
        raise ValueError(f"docx part {name} larger than {DOCX_MAX_PART} bytes")
    return data


def _parse_part(name: str, data: bytes) -> ElementTree.Element:
    """A part's root element; ValueError (`XmlRefused`) for a DTD, an entity or bad XML."""
    try:
        return parse_strict(decode_xml(data, fallback="utf-8"))
    except XmlRefused as exc:
        raise XmlRefused(f"docx part {name}: {exc}") from None


def docx_text(data: bytes) -> str:
    """Paragraph text of a .docx, one paragraph per line, list numbers rendered ("1.", "a.").

    Word's automatic numbering is not in the text, so numbering.xml is read to print it, which the
    splitter needs. Raises ValueError for a bad or oversized file (total uncompressed size above
    `DOCX_MAX_UNCOMPRESSED`, or one part above `DOCX_MAX_PART`).
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ValueError(f"not a docx: {exc}") from exc
    with zf:
        total = sum(info.file_size for info in zf.infolist())
        if total > DOCX_MAX_UNCOMPRESSED:
            raise ValueError(f"docx too large: {total} bytes uncompressed")
        document = _read_part(zf, "word/document.xml")
        if document is None:
            raise ValueError("not a docx: no word/document.xml")
        numbering = _read_part(zf, "word/numbering.xml")
    root = _parse_part("word/document.xml", document)
    formats = _numbering_formats(_parse_part("word/numbering.xml", numbering)) if numbering else {}
    counters: dict[str, list[int]] = {}
    lines: list[str] = []
    for para in root.iter(f"{_W}p"):
        text = "".join(_run_text(el) for el in para.iter())
        prefix = _list_number(para, formats, counters)
        if text.strip():
            lines.append(f"{prefix} {text.strip()}" if prefix else text.strip())
    return "\n".join(lines)


def _run_text(el: ElementTree.Element) -> str:
    if el.tag == f"{_W}t":
        return el.text or ""
    if el.tag == f"{_W}tab":
        return "\t"
    if el.tag in (f"{_W}br", f"{_W}cr"):
        return " "
    return ""


def _numbering_formats(root: ElementTree.Element) -> dict[str, dict[int, tuple[str, str, int]]]:
    """Map each numId to its levels (numFmt, lvlText, start), from word/numbering.xml."""
    abstract: dict[str, dict[int, tuple[str, str, int]]] = {}
    for node in root.iter(f"{_W}abstractNum"):
        levels: dict[int, tuple[str, str, int]] = {}
        for lvl in node.iter(f"{_W}lvl"):
            fmt, text, start = (lvl.find(f"{_W}{tag}") for tag in ("numFmt", "lvlText", "start"))
            levels[int(lvl.get(f"{_W}ilvl", "0"))] = (
                fmt.get(f"{_W}val", "decimal") if fmt is not None else "decimal",
                text.get(f"{_W}val", "") if text is not None else "",
                int(start.get(f"{_W}val", "1")) if start is not None else 1,
            )
        abstract[node.get(f"{_W}abstractNumId", "")] = levels
    out: dict[str, dict[int, tuple[str, str, int]]] = {}
    for num in root.iter(f"{_W}num"):
        ref = num.find(f"{_W}abstractNumId")
        if ref is not None:
            out[num.get(f"{_W}numId", "")] = abstract.get(ref.get(f"{_W}val", ""), {})
    return out


def _list_number(
    para: ElementTree.Element,
    formats: dict[str, dict[int, tuple[str, str, int]]],
    counters: dict[str, list[int]],
) -> str:
    """The number Word would print before a list paragraph ("3.", "b.", "IV."), else ""."""
    num_pr = para.find(f"{_W}pPr/{_W}numPr")
    if num_pr is None:
        return ""
    num_id_el, ilvl_el = num_pr.find(f"{_W}numId"), num_pr.find(f"{_W}ilvl")
    num_id = num_id_el.get(f"{_W}val", "") if num_id_el is not None else ""
    ilvl = int(ilvl_el.get(f"{_W}val", "0")) if ilvl_el is not None else 0
    levels = formats.get(num_id)
    if not levels or ilvl not in levels or not 0 <= ilvl < 9:
        return ""
    count = counters.setdefault(num_id, [0] * 9)
    count[ilvl] = count[ilvl] + 1 if count[ilvl] else levels[ilvl][2]
    for deeper in range(ilvl + 1, 9):
        count[deeper] = 0
    text = levels[ilvl][1]
    for lvl in range(ilvl + 1):
        fmt = levels.get(lvl, ("decimal", "", 1))[0]
        text = text.replace(f"%{lvl + 1}", _format_number(count[lvl] or 1, fmt))
    return text.strip()


def _format_number(value: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (value - 1) % 26)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman"):
        roman = ""
        for size, sym in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"),
                          (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"),
                          (4, "IV"), (1, "I")):  # fmt: skip
            count, value = divmod(value, size)
            roman += sym * count
        return roman.lower() if fmt == "lowerRoman" else roman
    if fmt in ("bullet", "none"):
        return ""
    return str(value)
