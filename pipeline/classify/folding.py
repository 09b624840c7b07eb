"""Folding text to ASCII for the rules, and the RE2 options the rules are compiled with.

`fold` maps each character to one ASCII character (so offsets into the folded text are offsets
into the original): Latin letters lose their marks ("inmigración" -> "inmigracion", "NIÑOS" ->
"NINOS"), typographic quotes, dashes and spaces become ASCII ones, and anything else outside
ASCII becomes "?". Rules are folded the same way, so a rule may be written with or without
accents and matches text written either way.
"""

from __future__ import annotations

import functools
import unicodedata

import re2

# A word character as RE2 and Python's `re` both read it in folded (ASCII) text.
WORD_CHARS = "0-9A-Za-z_"
# Largest RE2 program (instructions) a rule may compile to. The rules shipped stay under 300;
# repeats nested inside repeats multiply ({1,30} inside {1,30}: 900 copies) and make a
# pattern whose automaton is too large to run quickly even in linear time.
MAX_PROGRAM_SIZE = 2000


def _fold_table() -> dict[int, str]:
    """One ASCII character for each Latin letter with a mark, and for typographic punctuation."""
    table: dict[int, str] = {}
    for code in range(0x80, 0x250):
        base = "".join(
            c for c in unicodedata.normalize("NFKD", chr(code)) if not unicodedata.combining(c)
        )
        if len(base) == 1 and base.isascii():
            table[code] = base
    table.update({ord(c): "'" for c in "\u2018\u2019\u201a\u201b\u2032\u00b4"})
    table.update({ord(c): '"' for c in "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"})
    table.update({ord(c): "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"})
    spaces = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    table.update({ord(c): " " for c in spaces + "\u202f\u205f\u3000"})
    table.update({ord(c): "\n" for c in "\u2028\u2029\u0085"})
    table.update({ord("ß"): "s", ord("æ"): "a", ord("Æ"): "A", ord("ø"): "o", ord("Ø"): "O"})
    table.update({ord("œ"): "o", ord("Œ"): "O", ord("đ"): "d", ord("ł"): "l", ord("Ł"): "L"})
    table.update({ord("ı"): "i", ord("\u00aa"): "a", ord("\u00ba"): "o"})
    return table


_FOLD = _fold_table()


def fold(text: str) -> str:
    """`text` in ASCII, one character for each of its characters (see the module docstring)."""
    if text.isascii():
        return text
    return text.translate(_FOLD).encode("ascii", "replace").decode("ascii")


def re2_options() -> re2.Options:
    """Case-insensitive RE2 options (rules opt out with ``(?-i:...)``); errors raised, not logged."""
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    return options


@functools.lru_cache(maxsize=8192)  # a pure function of the text; configs are re-checked often
def re2_refusal(source: str) -> str | None:
    """Why RE2 refuses the folded `source` (as the matcher compiles it), or None if it accepts."""
    folded = fold(source)
    try:  # alone first: wrapped, "[bad" would close at the wrapper's "]" and pass
        re2.compile(folded, re2_options())
        size = re2.compile(f"({folded})(?:[^{WORD_CHARS}]|$)", re2_options()).programsize
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        return reason.decode() if isinstance(reason, bytes) else str(reason)
    if size > MAX_PROGRAM_SIZE:
        return (
            f"too complex: {size} instructions, more than {MAX_PROGRAM_SIZE} (a repeat inside "
            "a repeat multiplies the pattern; bound the inner one or drop it)"
        )
    return None
