r"""Undoing what PDF extraction and OCR do to words, before the rules see a text.

Agenda PDFs reach the classifier with words broken in ways no rule should have to spell out:

* typographic ligatures (``ﬁ``, ``ﬂ``, ``ﬃ``: "Identiﬁcation", "Oﬃce"), which `fold` would
  otherwise turn into one ``?`` and so split the word;
* invisible characters inside words: soft hyphens (U+00AD, Word's optional breaks) and
  zero-width spaces and joiners;
* words hyphenated across a line break ("Wel-\ncoming", "im-\nmigration"), which the agenda
  splitter keeps as they are, and the same break after lines were joined ("Wel- coming").

`views` gives the texts the rules are matched on, each with a map from its offsets back to the
original's, so evidence still quotes the original text (``text[start:end]``). The first view
only repairs ligatures and invisible characters. When a line-break hyphen sits between letters,
two more views have the break mended, one with the words joined ("Welcoming") and one with the
hyphen kept ("asylum-seekers"): all are matched, since only a dictionary could tell
"Wel-\ncoming" (one word) from "asylum-\nseekers" (a compound).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

# Latin ligatures (Unicode "Alphabetic Presentation Forms") and what they stand for.
LIGATURES = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
    "\u0132": "IJ",
    "\u0133": "ij",
}
# Characters that are not there for a reader: soft hyphen, zero-width space/joiners, word
# joiner, byte-order mark.
INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_REPAIR_RE = re.compile(f"[{''.join(LIGATURES)}{INVISIBLE}]")
# A hyphen ending a line between two letters, or a hyphen and spaces before a lower-case
# letter (the same break once lines were joined with a space).
_BREAK_RE = re.compile(r"(?<=[^\W\d_])-(?:[ \t]*\r?\n[ \t]*(?=[^\W\d_])|[ \t]+(?=[^\W\d_A-Z]))")

# A text to match and, when it differs from the original, the original offset of each of its
# characters (one more entry for the end of the text).
View = tuple[str, list[int] | None]


def is_plain(text: str) -> bool:
    """Whether `views` of `text` is the text alone (ASCII without a hyphen before a break)."""
    return text.isascii() and not _may_break(text)


def views(text: str) -> list[View]:
    """The texts to match for `text`: repaired, and with line-break hyphens joined or kept."""
    if text.isascii():
        if not _may_break(text) or _BREAK_RE.search(text) is None:
            return [(text, None)]
        first: View = (text, None)
    else:
        first = _edit(text, _REPAIR_RE, lambda found: LIGATURES.get(found, ""))
        if not _may_break(first[0]) or _BREAK_RE.search(first[0]) is None:
            return [first]
    repaired, offsets = first
    out = [first]
    for mend in ("", "-"):  # one word broken ("Wel-coming"), or a compound ("asylum-seekers")
        mended, inner = _edit(repaired, _BREAK_RE, _always(mend))
        if offsets is not None and inner is not None:
            inner = [offsets[i] for i in inner]
        out.append((mended, inner if inner is not None else offsets))
    return out


def _always(new: str) -> Callable[[str], str]:
    """A replacement for `_edit` that puts `new` wherever the pattern matched."""
    return lambda _: new


def _may_break(text: str) -> bool:
    """Whether `text` has a hyphen before a space or line end (cheap test before `_BREAK_RE`)."""
    return "- " in text or "-\n" in text or "-\r" in text or "-\t" in text


def _edit(text: str, pattern: re.Pattern[str], replace: Callable[[str], str]) -> View:
    """`text` with each match of `pattern` replaced, and the offset map (None if unchanged)."""
    parts: list[str] = []
    offsets: list[int] = []
    at = 0
    for found in pattern.finditer(text):
        parts.append(text[at : found.start()])
        offsets.extend(range(at, found.start()))
        new = replace(found.group())
        parts.append(new)
        offsets.extend([found.start()] * len(new))
        at = found.end()
    if not parts:
        return text, None
    parts.append(text[at:])
    offsets.extend(range(at, len(text) + 1))
    return "".join(parts), offsets
