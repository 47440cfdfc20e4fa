"""Get every catalogued file into the cache: from the cache, a mirror, or the pinned URL.

Every file is checked against its sha256 and written atomically (temp file, then
rename), so an interrupted fetch never leaves a half-written file behind.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterable
from pathlib import Path

from commissioning_atlas import settings
from commissioning_atlas._errors import SourceError
from commissioning_atlas.sources.catalogue import SourceFile, SourceGroup, load_catalogue
from commissioning_atlas.sources.verified import mark_verified

_CHUNK = 1 << 16


def sha256_file(path: str | Path) -> str:
    """Return the hex sha256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def _size_problem(n: int, total: int) -> str:
    """What a wrong size says: too short (a cut download, or another file) or too long (another file)."""
    if n < total:
        return (f"too short: {n:,} bytes where the catalogue pins {total:,} (a truncated download, or a "
                "different file)")
    return f"too long: more than the {total:,} bytes the catalogue pins (a different or changed file)"


def _atomic_copy_verified(src_stream, dest: Path, expected_sha: str, total: int | None,
                          origin: str, progress: bool) -> None:
    """Stream bytes into ``dest`` via a temp file, verifying size and sha256 before the rename (then
    recorded as verified: :mod:`.verified`).

    Reading stops one byte past ``total``: a source longer than the catalogue says (or endless,
    such as a link to ``/dev/zero``) is refused without filling the disk.
    """
    from commissioning_atlas.io.safe import os_error

    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".part-", suffix=dest.suffix)
    except OSError as exc:
        raise SourceError(f"cannot write to the cache ({os_error(exc).message}); set "
                          f"${settings.CACHE_ENV} to a writable folder", path=dest.parent) from None
    h = hashlib.sha256()
    n = 0
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=total, unit="B", unit_scale=True, desc=dest.name[:40], leave=False)
    reading = False
    try:
        with os.fdopen(fd, "wb") as out:
            while True:
                want = _CHUNK if total is None else min(_CHUNK, total + 1 - n)
                reading = True
                block = src_stream.read(want) if want > 0 else b""
                reading = False
                if not block:
                    break
                h.update(block)
                out.write(block)
                n += len(block)
                if bar is not None:
                    bar.update(len(block))
                if total is not None and n > total:
                    break
        if total is not None and n != total:
            raise SourceError(_size_problem(n, total), path=origin)
        if h.hexdigest() != expected_sha:
            raise SourceError(f"checksum mismatch: sha256 {h.hexdigest()[:12]}..., expected {expected_sha[:12]}... "
                              "(the file was changed or replaced)", path=origin)
        os.replace(tmp, dest)
        mark_verified(dest)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        if reading:
            raise  # the source failed, not the cache: the caller says which source
        raise SourceError(f"cannot write to the cache ({os_error(exc).message})", path=dest) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        if bar is not None:
            bar.close()


def _copy_from_mirror(src: Path, dest: Path, sf: SourceFile) -> None:
    """Copy one mirror file into the cache: only a regular file of the catalogue's size is read (opened
    as users' files are, :func:`commissioning_atlas.io.read.open_regular`)."""
    from commissioning_atlas.io.read import open_regular

    refusals = {"folder": "is a folder in the mirror, expected the pinned file",
                "special": "is not a regular file (a device, pipe or socket) in the mirror"}
    try:
        f, st = open_regular(src, lambda kind: SourceError(refusals[kind], path=src))
    except OSError as exc:
        raise SourceError(f"cannot read the mirror's copy ({exc.strerror or exc})", path=src) from None
    with f:
        if sf.bytes is not None and st.st_size != sf.bytes:
            raise SourceError(_size_problem(st.st_size, sf.bytes), path=src)
        _atomic_copy_verified(f, dest, sf.sha256, sf.bytes, str(src), progress=False)


def fetch_file(sf: SourceFile, cache: Path, mirror: Path | None = None, progress: bool = True,
               timeout: float = 60.0) -> Path:
    """Return the cached path of one source file, fetching it if needed.

    Order: a cached copy whose sha256 matches; else ``mirror/<relpath>``; else the pinned URL.

    Parameters
    ----------
    sf : SourceFile
        The catalogue entry.
    cache : Path
        Cache root; the file lands at ``cache/<relpath>``.
    mirror : Path, optional
        A local mirror laid out like the cache (``upstream/<repository>/<path>``).
    progress : bool
        Show a progress bar while downloading.
    timeout : float
        Network timeout in seconds.

    Raises
    ------
    SourceError
        When the file is missing everywhere, truncated, or fails its checksum.
    """
    dest = cache / sf.relpath
    if dest.exists():
        if dest.stat().st_size == sf.bytes and sha256_file(dest) == sf.sha256:
            mark_verified(dest)
            return dest
        dest.unlink()  # stale or corrupt cache entry: fetch again
    if mirror is not None:
        src = mirror / sf.relpath
        if src.exists() or src.is_symlink():
            _copy_from_mirror(src, dest, sf)
            return dest
    try:
        with urllib.request.urlopen(sf.url, timeout=timeout) as resp:
            _atomic_copy_verified(resp, dest, sf.sha256, sf.bytes, sf.url, progress=progress)
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as exc:
        if isinstance(exc, SourceError):
            raise
        where = f" (not in mirror {mirror})" if mirror is not None else ""
        raise SourceError(f"cannot download{where}: {getattr(exc, 'reason', exc)}", path=sf.url) from None
    return dest


def fetch(groups: Iterable[SourceGroup] | None = None, mirror: str | Path | None = None,
          cache: str | Path | None = None, progress: bool = True) -> dict[str, list[Path]]:
    """Fetch catalogued groups into the cache.

    Parameters
    ----------
    groups : iterable of SourceGroup, optional
        Groups to fetch; all catalogued groups by default.
    mirror : str or Path, optional
        Local mirror; defaults to ``$COMMISSIONING_ATLAS_MIRROR``.
    cache : str or Path, optional
        Cache root; defaults to :func:`settings.cache_dir`.
    progress : bool
        Show progress bars for downloads.

    Returns
    -------
    dict of str to list of Path
        Cached file paths per group id.
    """
    cache = Path(cache) if cache else settings.cache_dir()
    mirror = Path(mirror).resolve() if mirror else settings.default_mirror()
    if mirror is not None and not mirror.is_dir():
        raise SourceError("mirror is not a folder" if mirror.exists() else "mirror directory does not exist",
                          path=mirror)
    groups = list(groups) if groups is not None else list(load_catalogue().values())
    out: dict[str, list[Path]] = {}
    for g in groups:
        out[g.id] = [fetch_file(sf, cache, mirror, progress=progress) for sf in g.files]
    return out

