"""Text that leaves the tool: one CSV writer and one terminal sanitiser.

Every CSV the tool writes (layer exports, ``build``'s layer tables, check reports) goes through
:func:`frame_csv` or :func:`rows_csv`, which defuse cells a spreadsheet would run as a formula.
Everything the command line prints goes through :func:`for_terminal`, which escapes control
characters (ESC/OSC/BEL sequences, carriage returns, C1 controls, bidirectional overrides) and
degrades to ASCII what the stream cannot encode.

Examples
--------
>>> defuse("=HYPERLINK(\\"http://x\\")")
'\\'=HYPERLINK("http://x")'
>>> defuse("-1.5")
'-1.5'
>>> for_terminal("\\x1b]0;title\\x07name", encoding="utf-8")
'\\\\u001b]0;title\\\\u0007name'
>>> for_terminal("NHS Milton Keynes and Northampton\\u2026", encoding="latin-1")
'NHS Milton Keynes and Northampton...'
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from collections.abc import Iterable
from typing import Any

import pandas as pd

# -------------------------------------------------------------------------------------- CSV

#: First characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r", "\n")


def _is_number(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def defuse(value: Any) -> Any:
    """Return ``value`` safe for a spreadsheet: text starting with ``= + - @``, tab or CR gets a ``'``.

    Numbers (and text that reads as a number, such as ``-1.5``) are left alone; so is anything
    that is not text. A carriage return inside text becomes a line feed: the CSV writer quotes a
    cell holding a line feed, but not one holding only a CR, which readers take for the end of a
    row (so ``x\r=cmd`` would start a new row with a formula).
    """
    if not isinstance(value, str) or not value:
        return value
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    lead = value.lstrip(" ")[:1]
    if lead and lead in FORMULA_LEAD and not _is_number(value):
        return "'" + value
    return value


def rows_csv(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    """CSV text (``\\n`` line ends) of a header and rows; every text cell goes through :func:`defuse`.

    ``None`` is written as an empty cell, anything else as ``str(value)``.
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([defuse(str(h)) for h in header])
    for row in rows:
        w.writerow(["" if v is None else defuse(v if isinstance(v, str) else str(v)) for v in row])
    return buf.getvalue()


def frame_csv(df: pd.DataFrame) -> str:
    """CSV text of a table as pandas writes it (no index, ``\\n`` line ends), text cells defused."""
    out = pd.DataFrame(df).copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c].dtype):
            out[c] = out[c].map(defuse)
    out.columns = [defuse(str(c)) for c in out.columns]
    return out.to_csv(index=False, lineterminator="\n")


# ---------------------------------------------------------------------------------- terminal

#: Format characters that reorder or hide text on screen: bidi embeddings, overrides and isolates,
#: marks, zero-width characters, line/paragraph separators and the byte-order mark.
_INVISIBLE = set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A)) | {
    0x061C, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2028, 0x2029, 0x2060, 0xFEFF}

#: ASCII stand-ins for characters the tool itself prints, where the stream cannot encode them.
_ASCII = {
    "\u2026": "...", "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2018": "'", "\u2019": "'",
    "\u201c": '"', "\u201d": '"', "\u00d7": "x", "\u00b2": "2", "\u00b3": "3", "\u2264": "<=",
    "\u2265": ">=", "\u2192": "->", "\u00a0": " ", "\u00a3": "GBP", "\u00b0": " deg", "\u00b5": "u",
}


def _escape(ch: str) -> str:
    cp = ord(ch)
    return f"\\u{cp:04x}" if cp <= 0xFFFF else f"\\U{cp:08x}"


def _unsafe(ch: str, keep: str) -> bool:
    if ch in keep:
        return False
    cp = ord(ch)
    return cp < 0x20 or 0x7F <= cp <= 0x9F or cp in _INVISIBLE or unicodedata.category(ch) in ("Cc", "Cs", "Co")


def escape_controls(text: str, keep: str = "\n\t") -> str:
    """Replace every control or invisible formatting character by a visible ``\\uXXXX`` escape.

    ESC (so every ANSI/OSC sequence), BEL, CR, backspace, DEL, C1 controls, bidirectional
    overrides and zero-width characters are escaped; the characters in ``keep`` (newline and tab
    by default) pass.
    """
    if text.isprintable() and not any(ord(c) in _INVISIBLE for c in text):
        return text
    return "".join(_escape(c) if _unsafe(c, keep) else c for c in text)


def _can_encode(ch: str, encoding: str) -> bool:
    try:
        ch.encode(encoding)
        return True
    except (UnicodeEncodeError, LookupError):
        return False


def degrade(text: str, encoding: str) -> str:
    """Return ``text`` with every character ``encoding`` cannot hold replaced by an ASCII stand-in.

    Known punctuation gets its usual stand-in (``…`` -> ``...``), accented letters lose their accent
    (``ô`` -> ``o``), anything else becomes a ``\\uXXXX`` escape.
    """
    try:
        text.encode(encoding)
        return text
    except UnicodeEncodeError:
        pass
    except LookupError:
        encoding = "ascii"
    out = []
    for ch in text:
        if _can_encode(ch, encoding):
            out.append(ch)
            continue
        sub = _ASCII.get(ch)
        if sub is None:
            base = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode("ascii")
            sub = base if base and base.isprintable() else _escape(ch)
        out.append(sub if _can_encode(sub, encoding) else "?")
    return "".join(out)


def stream_encoding(stream: Any) -> str:
    """The encoding of a text stream (``utf-8`` when it does not say)."""
    enc = getattr(stream, "encoding", None) or "utf-8"
    try:
        return codecs.lookup(enc).name
    except LookupError:
        return "ascii"


def for_terminal(text: str, stream: Any = None, encoding: str | None = None, keep: str = "\n\t") -> str:
    """Text safe to print: controls escaped (:func:`escape_controls`), then fitted to the stream's encoding."""
    enc = encoding or stream_encoding(stream)
    return degrade(escape_controls(str(text), keep=keep), enc)


def ellipsis(encoding: str) -> str:
    """The character that marks a cut name: ``…`` where the encoding has it, else ``...``."""
    return "\u2026" if _can_encode("\u2026", encoding) else "..."


def cut(text: str, width: int, encoding: str = "utf-8") -> str:
    """One table cell: whitespace collapsed, controls escaped, fitted to ``encoding``, at most ``width`` long."""
    s = for_terminal(" ".join(str(text).split()), encoding=encoding, keep="")
    if len(s) <= width:
        return s
    mark = ellipsis(encoding)
    return s[: max(width - len(mark), 0)] + mark
