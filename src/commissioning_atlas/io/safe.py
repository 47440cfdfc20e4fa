"""Writing files without losing any: atomic writes, refused targets, GeoPackage layers, staged folders.

Every file the tool writes goes through :func:`atomic_write`: the content is written to a temp
file in the target's own folder and moved onto the target with :func:`os.replace`, so a failed
write (disk full, permission denied, an interrupted run) leaves the old file, or none, and never
half a file. One rule holds for every command's output: before anything is written,
:func:`guard_output` refuses a target that

* is a folder, a device, a pipe or a socket, unless it is this process's standard output
  (``-o /dev/stdout``), which is then written as a stream (:func:`is_stdout`),
* lies under ``/dev``, ``/proc`` or ``/sys`` (nothing is ever created or replaced there),
* is read-only (its write bits are off, or the user may not write it),
* is an input of the run (the scenario, every ``base`` file it names, an apportioned table, an
  advise plan): the :class:`OutputPolicy` the caller passes lists them (the CLI makes one per command;
  a library function that reads files and writes builds its own from what it read),
* is a file of the installed package, lies in the project's tables (``geo/``), is the catalogue,
  lies in the cache or in the mirror of upstream files.

An output that is a symbolic link is written through: its target is replaced (and guarded as
above), never the link itself.

A GeoPackage that already exists gets the new layer added, or that one layer replaced
(:func:`write_gpkg_layer`); its other layers are kept. ``map`` and ``build`` write a whole folder
through :func:`staged_folder`: into a temp folder first, then moved into place file by file, so a
run that fails half-way leaves the earlier outputs as they were.

Every failure is an :class:`~commissioning_atlas.AtlasError` naming the path and the problem.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from commissioning_atlas import settings
from commissioning_atlas._errors import AtlasError

__all__ = ["OutputPolicy", "atomic_write", "write_text", "write_gpkg_layer", "fixed_gpkg_date", "guard_output",
           "guard_gpkg", "guard_output_folder", "staged_folder", "os_error", "is_stdout", "package_dir"]

_PROBLEM = {
    errno.ENOSPC: "no space left on the device (disk full)",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EISDIR: "is a folder, expected a file",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.ENOENT: "no such file or folder",
    errno.EFBIG: "file too large for this file system",
    errno.ENAMETOOLONG: "file name too long",
    errno.EXDEV: "cannot move across file systems",
    errno.ELOOP: "too many levels of symbolic links",
}


def os_error(exc: OSError, path: object = None, doing: str = "") -> AtlasError:
    """One-line :class:`AtlasError` for an operating-system error: the path, then the problem."""
    problem = _PROBLEM.get(exc.errno or 0) or (exc.strerror or str(exc) or type(exc).__name__).lower()
    where = exc.filename if isinstance(exc.filename, (str, bytes, os.PathLike)) else path
    if where is not None and path is not None and Path(str(where)).name.startswith("."):
        where = path  # a temp file of ours: name the file the user asked for
    return AtlasError(f"{doing}{': ' if doing else ''}{problem}", path=where)


def _within(p: Path, folder: Path) -> bool:
    return p == folder or folder in p.parents


#: Folders of the operating system: no output is ever created or replaced in them.
SYSTEM_FOLDERS = (Path("/dev"), Path("/proc"), Path("/sys"))


def package_dir() -> Path:
    """The folder of the installed ``commissioning_atlas`` package (its code, assets and tables)."""
    return Path(__file__).resolve().parents[1]


def is_stdout(path: str | Path | None) -> bool:
    """Whether ``path`` is this process's standard output (``-``, ``/dev/stdout``, or the very file it goes to).

    Such an output is written as a stream to file descriptor 1, never replaced (replacing ``/dev/stdout``
    would replace a system link; replacing the file a shell redirected stdout to would cut it off).
    """
    if path is None:
        return False
    if str(path) == "-":
        return True
    try:
        st = os.stat(path)
        out = os.fstat(1)
    except (OSError, ValueError):
        return False
    return (st.st_dev, st.st_ino) == (out.st_dev, out.st_ino)


def _system_path(path: Path) -> bool:
    """Whether ``path`` (as written, or resolved) lies under ``/dev``, ``/proc`` or ``/sys``."""
    try:
        real = path.resolve()
    except (OSError, RuntimeError):
        real = path
    lexical = Path(os.path.normpath(os.path.abspath(path)))
    return any(_within(p, f) for p in (lexical, real) for f in SYSTEM_FOLDERS)


@dataclass
class OutputPolicy:
    """Where the outputs of one run may not go: its inputs, and folders named by the caller.

    The project's tables (``geo/``), the catalogue, the package's own files, the cache and the mirror of
    upstream files are always refused. The CLI makes one policy per command, records the files the
    command reads (its file arguments, then every ``base`` file a scenario names) and passes it to every
    writer. A writer given none refuses those fixed places only; a library function that reads files and
    writes in one call builds its policy from the files it read.

    Attributes
    ----------
    inputs : list of Path
        Files the run reads (resolved): no output may replace one.
    protected : list of (Path, str)
        Extra folders no output may go into, each with the words that name it in the message.
    """

    inputs: list[Path] = field(default_factory=list)
    protected: list[tuple[Path, str]] = field(default_factory=list)

    @classmethod
    def reading(cls, paths: Iterable[str | Path]) -> OutputPolicy:
        """A policy whose inputs are ``paths``."""
        policy = cls()
        for p in paths:
            policy.register_input(p)
        return policy

    def register_input(self, path: str | Path) -> None:
        """Record a file the run reads: no output may replace it."""
        try:
            real = Path(path).resolve()
        except (OSError, RuntimeError):
            return
        if real not in self.inputs:
            self.inputs.append(real)

    def protect_folder(self, path: str | Path, what: str) -> None:
        """Record a folder no output may go into (``what`` names it in the message)."""
        try:
            self.protected.append((Path(path).resolve(), what))
        except (OSError, RuntimeError):
            pass

    def reason(self, real: Path) -> str | None:
        """Why an output may not be written at ``real`` (a resolved path), or None."""
        for inp in self.inputs:
            same = real == inp
            if not same:
                try:
                    same = real.exists() and inp.exists() and os.path.samefile(real, inp)
                except OSError:
                    same = False
            if same:
                return "is an input of this run (a file this command reads); write the output elsewhere"
        geo = settings.geo_dir().resolve()
        if _within(real, geo):
            return f"is in the project's tables ({geo}); write the output elsewhere"
        if real == (settings.catalogue_path()).resolve():
            return "is the catalogue of sources; write the output elsewhere"
        pkg = package_dir()
        if _within(real, pkg):
            return f"is a file of the commissioning_atlas package ({pkg}); write the output elsewhere"
        cache = settings.cache_dir().resolve()
        if _within(real, cache):
            return f"is in the cache ({cache}); write the output elsewhere"
        mirror = settings.default_mirror()
        folders = list(self.protected) + ([(mirror, "the mirror of upstream files")] if mirror else [])
        for folder, what in folders:
            if _within(real, folder):
                return f"is in {what} ({folder}); write the output elsewhere"
        return None


def _folder_problem(folder: Path) -> str | None:
    """Why nothing can be created in an existing folder, or None."""
    if os.access(folder, os.W_OK | os.X_OK):
        return None
    try:
        ro = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        ro = False
    return "cannot write in this folder: " + ("read-only file system" if ro else "permission denied")


def _is_read_only(path: Path, st: os.stat_result) -> bool:
    return not (st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)) or not os.access(path, os.W_OK)


def guard_output(path: str | Path, policy: OutputPolicy | None = None) -> Path:
    """Check that ``path`` may be written as a file; return it as a Path.

    ``policy``: the run's inputs and protected folders (default: the fixed places only, see
    :class:`OutputPolicy`).

    Raises
    ------
    AtlasError
        The target is a folder, not a regular file, read-only, an input of this run, a file of
        ``geo/``, the catalogue, in the cache or the mirror; or its folder is missing or not writable.
    """
    path = Path(path)
    if is_stdout(path):
        return path
    if str(path) in ("", ".") or path.name in ("", ".", ".."):
        raise AtlasError("is a folder; give a file name", path=path)
    if _system_path(path):
        link = f"is a link to {path.resolve()}, " if path.is_symlink() else "is "
        raise AtlasError(f"{link}in a folder of the operating system (/dev, /proc, /sys): nothing is written there "
                         "(give -o a file name elsewhere, or /dev/stdout for the standard output)", path=path)
    if path.is_symlink():  # write through the link: its target is the output, guarded as any other
        try:
            target = path.resolve(strict=False)
        except (OSError, RuntimeError):
            raise AtlasError("is a symbolic link that loops; give a file name", path=path) from None
        try:
            return guard_output(target, policy)
        except AtlasError as exc:  # name the path the user gave, and where it leads
            raise AtlasError(exc.message, path=f"{path} (a link to {exc.path or target})") from None
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise os_error(exc, path) from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise AtlasError(f"is a folder; give a file name (e.g. {path / ('output' + (path.suffix or '.csv'))})",
                             path=path)
        if not stat.S_ISREG(st.st_mode):
            raise AtlasError("is not a regular file (a device, pipe or socket); give a file name", path=path)
    reason = (policy or OutputPolicy()).reason(path.resolve())
    if reason:
        raise AtlasError(reason, path=path)
    if st is not None and _is_read_only(path, st):
        raise AtlasError("is read-only: not replaced (make it writable, or choose another name)", path=path)
    parent = path.parent
    if not parent.exists():
        raise AtlasError("output folder does not exist", path=parent)
    if not parent.is_dir():
        raise AtlasError("is not a folder", path=parent)
    problem = _folder_problem(parent)
    if problem:
        raise AtlasError(problem, path=parent)
    return path


def _cleanup(tmp: str) -> None:
    for extra in ("", "-journal", "-wal", "-shm"):
        try:
            os.unlink(tmp + extra)
        except FileNotFoundError:
            pass
        except OSError:
            pass


def _looks_full(folder: Path, message: str = "") -> bool:
    """Whether a failed write ran out of space (GDAL's messages do not always say so)."""
    if "disk is full" in message or "No space left" in message:
        return True
    try:
        st = os.statvfs(folder)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < (1 << 20)


def _gdal_error(exc: BaseException) -> bool:
    return type(exc).__module__.startswith(("pyogrio", "fiona")) and isinstance(exc, RuntimeError)


def atomic_write(path: str | Path, write: Callable[[Path], None], policy: OutputPolicy | None = None) -> Path:
    """Call ``write(tmp_path)`` then move the temp file onto ``path``, after :func:`guard_output`.

    The temp file lies in the target's folder (same file system, so the move is atomic) and is
    removed on any failure. A replaced file keeps its permissions; a new one gets the usual
    (umask) permissions.

    Parameters
    ----------
    path : str or Path
        Final destination.
    write : callable
        Writes the complete file at the path it is given (which does not exist yet).
    policy : OutputPolicy, optional
        The run's inputs and protected folders (default: the fixed places only).

    Raises
    ------
    AtlasError
        A refused target (see :func:`guard_output`) or a failed write (disk full, permission
        denied, ...), naming the target.
    """
    path = guard_output(path, policy)
    if is_stdout(path):
        return _to_stdout(path, write)
    try:
        old_mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        old_mode = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=path.suffix)
    except OSError as exc:
        raise os_error(exc, path, "cannot write") from None
    os.close(fd)
    os.unlink(tmp)  # let the writer create it (GDAL refuses to overwrite some formats)
    try:
        write(Path(tmp))
        if old_mode is not None:
            os.chmod(tmp, old_mode)
        os.replace(tmp, path)
    except AtlasError:
        _cleanup(tmp)
        raise
    except OSError as exc:
        _cleanup(tmp)
        raise os_error(exc, path, "cannot write") from None
    except Exception as exc:
        if _gdal_error(exc):
            first = (str(exc).splitlines() or [type(exc).__name__])[0]
            full = _looks_full(path.parent, str(exc))  # before the temp file frees its space
            _cleanup(tmp)
            if full:
                raise AtlasError("cannot write: no space left on the device (disk full)", path=path) from None
            raise AtlasError(f"cannot write ({first})", path=path) from None
        _cleanup(tmp)
        raise
    except BaseException:
        _cleanup(tmp)
        raise
    return path


def _to_stdout(path: Path, write: Callable[[Path], None]) -> Path:
    """Write into a private temp file, then copy its bytes to file descriptor 1 (a stream, never replaced)."""
    with tempfile.TemporaryDirectory(prefix="commissioning-atlas-") as d:
        tmp = Path(d) / ("stdout" + (path.suffix if path.suffix not in ("", ".") else ""))
        write(tmp)
        if sys.stdout is not None:
            sys.stdout.flush()
        with open(tmp, "rb") as f:
            while chunk := f.read(1 << 20):
                view = memoryview(chunk)
                while view:
                    view = view[os.write(1, view):]
    return path


def write_text(path: str | Path, text: str, policy: OutputPolicy | None = None) -> Path:
    """Write UTF-8 text atomically (see :func:`atomic_write`)."""
    data = text.encode("utf-8")
    return atomic_write(path, lambda p: Path(p).write_bytes(data), policy)


def _is_gpkg(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            if f.read(16) != b"SQLite format 3\x00":
                return False
        import pyogrio

        pyogrio.list_layers(path)
        return True
    except Exception:  # unreadable or not a GeoPackage
        return False


def gpkg_layers(path: str | Path) -> list[str]:
    """Names of the layers of an existing GeoPackage (empty if it is none)."""
    path = Path(path)
    if not path.is_file() or not _is_gpkg(path):
        return []
    import pyogrio

    return [str(n) for n in pyogrio.list_layers(path)[:, 0]]


def guard_gpkg(path: str | Path, policy: OutputPolicy | None = None) -> Path:
    """:func:`guard_output`, and an existing non-empty file must be a GeoPackage (a layer is added to it)."""
    path = guard_output(path, policy)
    if not is_stdout(path) and path.exists() and path.stat().st_size > 0 and not _is_gpkg(path):
        raise AtlasError("exists and is not a GeoPackage: not replaced (remove it, or choose another name)",
                         path=path)
    return path


#: GeoPackages record a modification time; pin it so the same layer gives the same bytes.
FIXED_DATE = "2013-04-01T00:00:00Z"


def write_gpkg_layer(path: str | Path, frame, layer: str, policy: OutputPolicy | None = None,
                     **options) -> list[str]:
    """Write ``frame`` as layer ``layer`` of the GeoPackage ``path``; return the other layers kept.

    A new file holds just this layer (the same layer always gives the same bytes). An existing
    GeoPackage is copied, the layer added to the copy (or that one layer replaced), and the copy
    moved onto the file: its other layers are kept, and a failure leaves it as it was. An existing
    file that is not a GeoPackage is refused, not replaced.
    """
    import pyogrio

    path = guard_gpkg(path, policy)
    existing = not is_stdout(path) and path.exists() and path.stat().st_size > 0
    kept = [n for n in gpkg_layers(path) if n != layer] if existing else []

    def write(tmp: Path) -> None:
        if existing:
            shutil.copyfile(path, tmp)
        pyogrio.write_dataframe(frame, tmp, layer=layer, driver="GPKG", **options)

    with fixed_gpkg_date():
        atomic_write(path, write, policy)
    return kept


@contextmanager
def fixed_gpkg_date() -> Iterator[None]:
    """GeoPackages written meanwhile carry :data:`FIXED_DATE` (same data, same bytes); GDAL's
    ``OGR_CURRENT_DATE`` is restored afterwards, so other writers in the process are unaffected."""
    import pyogrio

    old = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": FIXED_DATE})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": old})


def _nearest_existing(path: Path) -> Path:
    p = path.absolute()
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def guard_output_folder(folder: str | Path, policy: OutputPolicy | None = None) -> Path:
    """Check that ``folder`` may be written as an output folder (it may not exist yet); return it."""
    folder = Path(folder)
    if _system_path(folder):
        raise AtlasError("is in a folder of the operating system (/dev, /proc, /sys): nothing is written there",
                         path=folder)
    if folder.exists() and not folder.is_dir():
        raise AtlasError("is a file, expected a folder", path=folder)
    reason = (policy or OutputPolicy()).reason(folder.resolve())
    if reason:
        raise AtlasError(reason.replace("write the output", "write the outputs"), path=folder)
    anc = _nearest_existing(folder)
    if not anc.is_dir():
        raise AtlasError(f"cannot create the folder: {anc} is a file", path=folder)
    problem = _folder_problem(anc)
    if problem:
        where = "" if anc == folder.absolute() else f" (in {anc})"
        raise AtlasError(problem.replace("in this folder", f"here{where}"), path=folder)
    return folder


@contextmanager
def staged_folder(folder: str | Path, policy: OutputPolicy | None = None) -> Iterator[Path]:
    """Yield a temp folder to write into; on success move its files into ``folder``.

    Nothing reaches ``folder`` unless the whole block succeeds: on any failure the temp folder is
    removed and ``folder`` (with the earlier outputs in it) is left as it was. Files of ``folder``
    that the run does not write again are kept. Every target is checked (:func:`guard_output`)
    before the first one is moved.
    """
    folder = guard_output_folder(folder, policy)
    fresh = not folder.exists()
    base = _nearest_existing(folder) if fresh else folder
    sweep_stale_stages(base)
    try:
        stage = Path(tempfile.mkdtemp(dir=base, prefix=f".staging-{os.getpid()}-"))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(stage, 0o777 & ~umask)
    except OSError as exc:
        raise os_error(exc, folder, "cannot write") from None
    try:
        yield stage
        _commit(stage, folder, fresh, policy)
    except OSError as exc:
        raise _unstaged(os_error(exc, folder, "cannot write"), stage, folder) from None
    except AtlasError as exc:
        raise _unstaged(exc, stage, folder) from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def sweep_stale_stages(base: Path) -> list[Path]:
    """Remove the staging folders in ``base`` left by runs that were killed (their process is gone).

    A staging folder is named ``.staging-<pid>-...`` by the run writing it; one whose process no longer
    exists can only be the leftover of a run killed before its clean-up (SIGKILL, a power cut). Folders of
    runs still going, and of other machines' runs that reuse no pid here, are left alone by that test.
    """
    removed = []
    try:
        entries = list(base.glob(".staging-*"))
    except OSError:
        return removed
    for p in entries:
        parts = p.name.split("-")
        if len(parts) < 3 or not parts[1].isdigit() or not p.is_dir() or p.is_symlink():
            continue
        pid = int(parts[1])
        if pid == os.getpid():
            continue
        try:
            os.kill(pid, 0)
            continue  # that run is still going
        except ProcessLookupError:
            pass
        except OSError:  # another user's live process
            continue
        shutil.rmtree(p, ignore_errors=True)
        removed.append(p)
    return removed


def _unstaged(exc: AtlasError, stage: Path, folder: Path) -> AtlasError:
    """The same error, naming the file in ``folder`` rather than in the staging folder."""
    if not exc.path:
        return exc
    p = Path(exc.path)
    try:
        rel = p.relative_to(stage)
    except ValueError:
        try:
            rel = p.resolve().relative_to(stage.resolve())
        except (ValueError, OSError):
            return exc
    return AtlasError(exc.message, path=folder / rel, row=exc.row, column=exc.column)


def _commit(stage: Path, folder: Path, fresh: bool, policy: OutputPolicy | None) -> None:
    files = sorted(p for p in stage.rglob("*") if p.is_file())
    if fresh and not folder.exists():
        folder.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.rename(stage, folder)  # one step: the folder appears whole
            return
        except OSError as exc:
            if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise
            # another run made the folder meanwhile: move the files in one by one
    targets = []
    for src in files:
        dest = folder / src.relative_to(stage)
        if dest.parent.exists():
            if not dest.parent.is_dir():
                raise AtlasError("is a file, expected a folder", path=dest.parent)
            guard_output(dest, policy)
        targets.append((src, dest))
    for d in sorted(p for p in stage.rglob("*") if p.is_dir()):  # empty folders too, as a fresh run has them
        (folder / d.relative_to(stage)).mkdir(parents=True, exist_ok=True)
    for src, dest in targets:
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            mode = stat.S_IMODE(os.stat(dest).st_mode)
            os.chmod(src, mode)
        except OSError:
            pass
        os.replace(src, dest)
