"""The one reader of files a user passes: scenarios, apportion tables, advise plans, planner imports.

Every such file goes through :func:`read_user_text` (or :func:`read_user_csv`), which

* reads only a regular file (a folder, device, pipe or socket is refused without blocking on it),
  and at most :data:`MAX_FILE_BYTES`, whatever the file says its size is,
* detects what a file that is not text is (a gzip or ZIP archive, an Excel workbook named ``.csv``,
  UTF-16 text, a SQLite database or GeoPackage, a PDF) and says so, and refuses text that is not
  UTF-8 or holds a NUL byte, naming the line and byte,
* reads a CSV strictly (:func:`read_user_csv`): a header is required, an empty or repeated column
  name is named, a row with the wrong number of fields is named by row and line.

Every failure is one :class:`~commissioning_atlas.AtlasError` (or the subclass the caller asks
for) naming the file, the row and the problem.
"""
from __future__ import annotations

import csv
import io
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from commissioning_atlas._errors import AtlasError

__all__ = ["MAX_FILE_BYTES", "MAX_ROWS", "open_regular", "read_user_bytes", "read_user_csv", "read_user_text",
           "what_it_is"]

#: Largest user file read (bytes): a guard against hostile input.
MAX_FILE_BYTES = 5_000_000
#: Most data rows of a user table (England has 32,844 LSOAs; a table of units has far fewer).
MAX_ROWS = 200_000

#: Leading bytes of files that are not text, and what to tell the user.
_MAGIC = (
    (b"\x1f\x8b", "a gzip archive, not text; unpack it first (gunzip)"),
    (b"BZh", "a bzip2 archive, not text; unpack it first (bunzip2)"),
    (b"\xfd7zXZ\x00", "an xz archive, not text; unpack it first (unxz)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Excel 97-2003 workbook (.xls), not text; save the sheet as CSV (UTF-8)"),
    (b"SQLite format 3\x00", "a SQLite database (a GeoPackage?), not text; give a CSV or YAML file"),
    (b"%PDF", "a PDF document, not text; give a CSV or YAML file"),
    (b"\xff\xfe", "UTF-16 text; save the file as UTF-8"),
    (b"\xfe\xff", "UTF-16 text; save the file as UTF-8"),
)


def what_it_is(data: bytes) -> str | None:
    """What a file that is not UTF-8 text is (from its first bytes), or None if it may be text.

    Examples
    --------
    >>> what_it_is(b"\\x1f\\x8b\\x08\\x00")
    'a gzip archive, not text; unpack it first (gunzip)'
    >>> what_it_is("code,name".encode("utf-16-le")).startswith("UTF-16")
    True
    >>> what_it_is(b"code,name\\n") is None
    True
    """
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        head = data[:65536]
        if b"xl/" in head:
            return "an Excel workbook (.xlsx), not text; save the sheet as CSV (UTF-8)"
        if b"content.xml" in head or b"opendocument" in head:
            return "an OpenDocument spreadsheet (.ods), not text; save the sheet as CSV (UTF-8)"
        return "a ZIP archive, not text; unpack it first"
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return what
    head = data[:200]
    if len(head) >= 4 and head.count(0) * 3 >= len(head) and (head[1::2].count(0) * 2 >= len(head[1::2])
                                                                or head[0::2].count(0) * 2 >= len(head[0::2])):
        return "UTF-16 text (without a byte order mark); save the file as UTF-8"
    return None


def open_regular(path: str | Path, refuse: Callable[[str], BaseException]) -> tuple[BinaryIO, os.stat_result]:
    """Open ``path`` for reading if it is a regular file: ``(file, its stat)``; the caller closes the file.

    The file is opened without blocking (a pipe or FIFO given as a file must not hang the run) and checked
    through its open descriptor (no race with a rename between the check and the read). A folder or any
    other non-regular file raises ``refuse("folder")`` or ``refuse("special")``, the caller's own error
    and words; an :class:`OSError` of opening propagates.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise refuse("folder")
        if not stat.S_ISREG(st.st_mode):
            raise refuse("special")
        return os.fdopen(fd, "rb"), st
    except BaseException:
        os.close(fd)
        raise


def read_user_bytes(path: str | Path, what: str = "file", error: type[AtlasError] = AtlasError,
                    expected: str = "CSV or YAML file") -> bytes:
    """The bytes of a user's file: a regular file of at most :data:`MAX_FILE_BYTES`.

    The reader keeps no record of what it read: a caller that writes outputs lists its inputs in the
    :class:`~commissioning_atlas.io.safe.OutputPolicy` it passes to the writers.

    Parameters
    ----------
    path : str or Path
    what : str
        What the file is, for messages ("proposal file", "data table").
    expected : str
        The kind of file wanted, for messages ("CSV file").
    error : type
        The :class:`AtlasError` subclass raised.
    """
    from commissioning_atlas.io.safe import os_error

    path = Path(path)
    refusals = {"folder": f"is a folder, expected a {expected}",
                "special": f"is not a regular file (a pipe, device or socket); give a {expected}"}
    try:
        f, st = open_regular(path, lambda kind: error(refusals[kind], path=path))
        with f:
            if st.st_size > MAX_FILE_BYTES:
                raise error(f"file too large ({st.st_size:,} bytes; at most {MAX_FILE_BYTES:,})", path=path)
            data = f.read(MAX_FILE_BYTES + 1)  # never more, whatever the size said
    except OSError as exc:
        raise error(f"cannot read {what}: {os_error(exc).message}", path=path) from None
    if len(data) > MAX_FILE_BYTES:
        raise error(f"file too large (more than {MAX_FILE_BYTES:,} bytes)", path=path)
    return data


def read_user_text(path: str | Path, what: str = "file", error: type[AtlasError] = AtlasError,
                   csv_rows: bool | None = None, expected: str = "CSV or YAML file") -> str:
    """The text of a user's file (:func:`read_user_bytes`), which must be UTF-8 (a BOM is dropped) without NUL.

    ``csv_rows``: name the place of a bad byte as a CSV data row (default: for ``.csv``/``.txt`` files).
    """
    path = Path(path)
    data = read_user_bytes(path, what, error, expected)
    if csv_rows is None:
        csv_rows = path.suffix.lower() in (".csv", ".txt")
    kind = what_it_is(data)
    if kind:
        raise error(f"is {kind}", path=path, row="(file)", column="(text)")

    def where(offset: int) -> tuple[int, object]:
        line = data.count(b"\n", 0, offset) + 1
        return line, ((line - 1 if line > 1 else "header") if csv_rows else line)

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, row = where(exc.start)
        byte = data[exc.start:exc.start + 1]
        as1252 = byte.decode("cp1252", errors="replace")
        hint = f" (0x{byte.hex()}, '{as1252}' in Windows-1252)" if as1252 != "\ufffd" else ""
        raise error(f"not UTF-8 text (line {line}, byte {exc.start}{hint}); save the file as UTF-8", path=path,
                    row=row, column="(text)") from None
    nul = data.find(b"\x00")
    if nul >= 0:
        line, row = where(nul)
        raise error(f"holds a NUL byte (line {line}, byte {nul}): a {what} is plain text", path=path,
                    row=row, column="(text)")
    return text


def read_user_csv(path: str | Path, what: str = "table", error: type[AtlasError] = AtlasError,
                  required: list[str] | tuple[str, ...] = (), max_rows: int = MAX_ROWS, rows: str = "rows",
                  expect: str = "", expected: str = "CSV file") -> pd.DataFrame:
    """A user's CSV table, every cell text (stripped header names; blank lines skipped).

    ``rows`` names the rows in the too-many message ("organisations"); ``expect`` the header wanted, for the
    empty-file message. ``df.attrs["lines"]`` holds the line of each row (its first line, for quoted breaks).

    Raises
    ------
    AtlasError
        Anything :func:`read_user_text` refuses; no header, an empty or repeated column name, a row
        whose fields do not match the header, more than ``max_rows`` rows, a missing required column.
    """
    path = Path(path)
    text = read_user_text(path, what, error, csv_rows=True, expected=expected)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise error(f"empty file: expected a header row{' with ' + expect if expect else ''}", path=path,
                        row="header")
        header = [h.strip() for h in header]
        seen: dict[str, int] = {}
        for i, h in enumerate(header, 1):
            if not h:
                raise error(f"empty column name in the header (column {i})", path=path, row="header")
            if h in seen:
                raise error(f"column appears twice in the header (columns {seen[h]} and {i})", path=path,
                            row="header", column=h)
            seen[h] = i
        records, lines = [], []
        for fields in reader:
            if not fields or all(not f.strip() for f in fields):
                continue  # blank lines
            n = len(records) + 1
            if len(fields) != len(header):
                raise error(f"malformed CSV: {len(fields)} fields where the header has {len(header)} "
                            f"(line {reader.line_num}; quote values that contain commas)", path=path, row=n,
                            column=header[min(len(fields), len(header)) - 1])
            if n > max_rows:
                raise error(f"too many {rows} ({n:,} or more; at most {max_rows:,})", path=path, row="(file)",
                            column=f"({rows})")
            records.append(fields)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise error(f"malformed CSV at line {reader.line_num}: {exc}", path=path,
                    row=max(reader.line_num - 1, 1), column="(text)") from None
    for col in required:
        if col not in seen:
            raise error(f"missing required column {col!r}; columns are {', '.join(header)}", path=path,
                        row="header", column=col)
    df = pd.DataFrame(records, columns=header, dtype=object)
    df.attrs["lines"] = lines
    return df
