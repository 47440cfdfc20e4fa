"""The boundary-source catalogue: a static registry of every upstream file.

Like xyzservices' providers, the catalogue is data (``boundaries/sources.toml``);
this module only reads it into records.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from commissioning_atlas import settings
from commissioning_atlas._errors import SourceError


@dataclass(frozen=True)
class SourceFile:
    """One upstream file, pinned to a commit and a sha256."""

    repository: str
    commit: str
    path: str
    url: str
    sha256: str
    bytes: int

    @property
    def relpath(self) -> str:
        """Path relative to a mirror or the cache: ``upstream/<repository>/<path>``."""
        return f"upstream/{self.repository}/{self.path}"


@dataclass(frozen=True)
class SourceGroup:
    """A named group of files that together make one input (e.g. the 326 LSOA files)."""

    id: str
    description: str
    format: str
    vintage: str
    licence: str
    attribution: str
    files: tuple[SourceFile, ...] = field(default_factory=tuple)
    expected_features: int | None = None


def catalogue_path() -> Path:
    """Return the path of ``boundaries/sources.toml``."""
    return settings.catalogue_path()


def load_catalogue(path: str | Path | None = None) -> dict[str, SourceGroup]:
    """Read the catalogue.

    Parameters
    ----------
    path : str or Path, optional
        Catalogue file; defaults to ``boundaries/sources.toml``.

    Returns
    -------
    dict of str to SourceGroup
        Groups keyed by id, in file order.
    """
    path = Path(path) if path else catalogue_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourceError("catalogue file not found", path=path) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SourceError(f"catalogue is not valid TOML ({exc})", path=path) from None
    groups: dict[str, SourceGroup] = {}
    for i, g in enumerate(data.get("group", []), start=1):
        try:
            files = tuple(SourceFile(**f) for f in g.get("file", []))
            groups[g["id"]] = SourceGroup(
                id=g["id"], description=g["description"], format=g["format"],
                vintage=g["vintage"], licence=g["licence"], attribution=g["attribution"],
                files=files, expected_features=g.get("expected_features"),
            )
        except (KeyError, TypeError) as exc:
            raise SourceError(f"group {i} is missing or has a bad field ({exc})", path=path, row=i) from None
    return groups
