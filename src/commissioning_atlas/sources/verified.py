"""Files whose sha256 matched the catalogue in this process: byte-identical to a pinned upstream file.

The fetch step records each file it verified (path, size, modification time); a reader may then skip checks
that only guard against damaged files (a full parse of a GeoJSON to detect truncation), because a pinned
file is known to be whole. A file changed since (size or time) is no longer verified.
"""

from __future__ import annotations

import os
from pathlib import Path

_VERIFIED: dict[str, tuple[int, int]] = {}


def _stamp(path: Path) -> tuple[str, tuple[int, int]] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return str(Path(path).resolve()), (st.st_size, st.st_mtime_ns)


def mark_verified(path: str | Path) -> None:
    """Record that ``path`` matched its pinned sha256 just now."""
    got = _stamp(Path(path))
    if got is not None:
        _VERIFIED[got[0]] = got[1]


def is_verified(path: str | Path) -> bool:
    """Whether ``path`` matched its pinned sha256 in this process and has not changed since."""
    got = _stamp(Path(path))
    return got is not None and _VERIFIED.get(got[0]) == got[1]
