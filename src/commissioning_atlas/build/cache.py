"""The layer cache: one GeoPackage, one LSOA index and one manifest per layer, written atomically.

Each layer is stored as ``<id>-<key>.gpkg`` (its features), ``<id>-<key>.npy`` (the feature row of every
LSOA) and ``<id>-<key>.json`` (the key, the sha256 of both files and the build report), where ``key``
hashes the layer's declaration and inputs. A file is written to a temporary name in the same folder
and renamed, so a reader sees a whole file or none; the manifest is written last and names the sha256
of the others, so a truncated, garbled or emptied file is detected on read, reported in one line and
rebuilt. Temporaries left by a killed process are swept at start-up.
"""

from __future__ import annotations

import hashlib
import json
import os
import logging
import re
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio

log = logging.getLogger(__name__)

#: Temporaries are named ``.tmp-<pid>-...``; legacy names of earlier versions are swept too.
_TMP = re.compile(r"^\.tmp-(\d+)-")
_LEGACY_TMP = re.compile(r"^\.(part|atlas)-")
#: A temporary of a dead process, or a legacy one older than this, is removed.
_STALE_S = 600


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _umask_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


class LayerCache:
    """Read and write cached layers in ``folder`` (created on first write)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def _stem(self, layer_id: str, key: str) -> Path:
        return self.folder / f"{layer_id}-{key}"

    def sweep(self) -> int:
        """Remove temporaries of dead processes (and stale ones of earlier versions), and the one-file cache
        of earlier versions (``atlas.gpkg``/``atlas.json``, 33 MB); return how many files went."""
        removed = 0
        for legacy in ("atlas.gpkg", "atlas.json", "atlas.gpkg-journal"):
            p = self.folder.parent / legacy
            if p.is_file():
                try:
                    p.unlink()
                    removed += 1
                except OSError:
                    pass
        for folder in (self.folder, self.folder.parent):
            if not folder.is_dir():
                continue
            for p in folder.iterdir():
                m = _TMP.match(p.name)
                stale = (m and not _alive(int(m.group(1)))) or (
                    _LEGACY_TMP.match(p.name) and time.time() - p.stat().st_mtime > _STALE_S)
                if stale and p.is_file():
                    try:
                        p.unlink()
                        removed += 1
                    except OSError:
                        pass
        return removed

    def _damaged(self, what: Path, why: str) -> None:
        log.warning("warning: cache file %s is damaged (%s); rebuilding it", what, why)
        for p in self.folder.glob(f"{what.name.rsplit('.', 1)[0]}.*"):
            try:
                p.unlink()
            except OSError:
                pass

    def read(self, layer_id: str, key: str):
        """Return ``(frame, index, report)`` if a whole, matching entry exists, else None."""
        stem = self._stem(layer_id, key)
        man = stem.with_suffix(".json")
        if not man.is_file():
            return None
        try:
            manifest = json.loads(man.read_text(encoding="utf-8"))
            gpkg, npy = stem.with_suffix(".gpkg"), stem.with_suffix(".npy")
            if manifest.get("key") != key or _sha256(gpkg) != manifest["gpkg_sha256"]:
                raise ValueError("checksum mismatch")
            index = None
            if manifest.get("npy_sha256"):
                if _sha256(npy) != manifest["npy_sha256"]:
                    raise ValueError("checksum mismatch")
                index = np.load(npy, allow_pickle=False)
            frame = pyogrio.read_dataframe(gpkg, layer=layer_id)
        except (OSError, ValueError, KeyError, TypeError, json.JSONDecodeError, pyogrio.errors.DataSourceError,
                pyogrio.errors.DataLayerError) as exc:
            self._damaged(man, str(exc).splitlines()[0][:80] if str(exc) else type(exc).__name__)
            return None
        return frame, index, manifest.get("report", {})

    def _tmp(self, suffix: str) -> Path:
        return self.folder / f".tmp-{os.getpid()}-{time.time_ns()}{suffix}"

    def _publish(self, tmp: Path, dest: Path) -> None:
        os.chmod(tmp, _umask_mode())
        os.replace(tmp, dest)

    def write(self, layer_id: str, key: str, frame: gpd.GeoDataFrame, index: np.ndarray | None,
              report: dict) -> None:
        """Write an entry atomically (features, index, then the manifest) and drop older entries of the layer."""
        self.folder.mkdir(parents=True, exist_ok=True)
        stem = self._stem(layer_id, key)
        tmps: list[Path] = []
        try:
            tg = self._tmp(".gpkg")
            tmps.append(tg)
            pyogrio.write_dataframe(frame, tg, layer=layer_id, driver="GPKG")
            manifest = {"key": key, "layer": layer_id, "gpkg_sha256": _sha256(tg), "report": report}
            if index is not None:
                tn = self._tmp(".npy")
                tmps.append(tn)
                with open(tn, "wb") as f:
                    np.save(f, np.asarray(index, dtype=np.int32), allow_pickle=False)
                manifest["npy_sha256"] = _sha256(tn)
            tj = self._tmp(".json")
            tmps.append(tj)
            tj.write_text(json.dumps(manifest, indent=1, sort_keys=True, default=str), encoding="utf-8")
            for old in self.folder.glob(f"{layer_id}-*.json"):
                if old.name != stem.with_suffix(".json").name:
                    for p in self.folder.glob(f"{old.stem}.*"):
                        p.unlink(missing_ok=True)
            self._publish(tg, stem.with_suffix(".gpkg"))
            if index is not None:
                self._publish(tn, stem.with_suffix(".npy"))
            self._publish(tj, stem.with_suffix(".json"))
        finally:
            for t in tmps:
                t.unlink(missing_ok=True)

    def read_array(self, name: str, key: str) -> tuple[np.ndarray, dict] | None:
        """A cached array (``<name>-<key>.npy``, checked against its manifest) and its report, or None."""
        stem = self._stem(name, key)
        man = stem.with_suffix(".json")
        if not man.is_file():
            return None
        try:
            manifest = json.loads(man.read_text(encoding="utf-8"))
            npy = stem.with_suffix(".npy")
            if manifest.get("key") != key or _sha256(npy) != manifest["npy_sha256"]:
                raise ValueError("checksum mismatch")
            return np.load(npy, allow_pickle=False), manifest.get("report", {})
        except (OSError, ValueError, KeyError, json.JSONDecodeError) as exc:
            self._damaged(man, str(exc)[:80] or type(exc).__name__)
            return None

    def write_array(self, name: str, key: str, values: np.ndarray, report: dict | None = None) -> None:
        """Write an array entry atomically."""
        self.folder.mkdir(parents=True, exist_ok=True)
        stem = self._stem(name, key)
        tn, tj = self._tmp(".npy"), self._tmp(".json")
        try:
            with open(tn, "wb") as f:
                np.save(f, np.asarray(values), allow_pickle=False)
            tj.write_text(json.dumps({"key": key, "npy_sha256": _sha256(tn), "report": report or {}},
                                     indent=1, sort_keys=True, default=str), encoding="utf-8")
            for old in self.folder.glob(f"{name}-*.json"):
                if old.name != stem.with_suffix(".json").name:
                    for p in self.folder.glob(f"{old.stem}.*"):
                        p.unlink(missing_ok=True)
            self._publish(tn, stem.with_suffix(".npy"))
            self._publish(tj, stem.with_suffix(".json"))
        finally:
            tn.unlink(missing_ok=True)
            tj.unlink(missing_ok=True)
