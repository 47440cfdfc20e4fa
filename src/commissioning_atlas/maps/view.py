"""A written map page held in memory: it displays itself in Jupyter and can be saved.

A page is one self-contained HTML document (every asset inlined), so a notebook shows it in an ``<iframe>``
whose ``srcdoc`` is the document, escaped: no file server, no file left behind.
"""

from __future__ import annotations

import html
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Page", "render"]


@dataclass(frozen=True)
class Page:
    """A map page: its HTML document and title.

    Attributes
    ----------
    html : str
        The whole document (the bytes a file of it would hold, UTF-8).
    title : str
        What the page shows, for the frame's accessible name.
    height : int
        Height of the frame a notebook shows it in (pixels).
    """

    html: str
    title: str
    height: int = 520

    def _repr_html_(self) -> str:
        """The page in an iframe (``srcdoc``: the document escaped as an attribute value)."""
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" title="{html.escape(self.title, quote=True)}" '
                f'style="width:100%;height:{int(self.height)}px;border:0"></iframe>')

    def save(self, path: str | Path) -> Path:
        """Write the page to ``path`` (atomically, through the tool's one writer); return the path."""
        from commissioning_atlas.io.safe import write_text

        return write_text(path, self.html)

    def __len__(self) -> int:
        return len(self.html.encode("utf-8"))


def render(write: Callable[[Path], Path], title: str, height: int = 520) -> Page:
    """Run a page writer in a temporary folder and keep the page it writes.

    Parameters
    ----------
    write : callable
        Called with a folder; writes one page there (and anything it needs beside it) and returns its path.
    title : str
    height : int

    Returns
    -------
    Page
    """
    with tempfile.TemporaryDirectory(prefix="atlas-page-") as tmp:
        path = write(Path(tmp))
        return Page(Path(path).read_text(encoding="utf-8"), title, height)
