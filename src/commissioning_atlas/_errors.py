"""Named exceptions. Every user-facing failure is an :class:`AtlasError`.

The CLI prints ``str(error)`` as one line and exits with code 2, so messages
name the file, the row (where there is one) and the problem.
"""

from __future__ import annotations


class AtlasError(Exception):
    """A problem with the user's input or data, reported as one line.

    Parameters
    ----------
    message : str
        What is wrong and, where possible, how to fix it.
    path : str, optional
        The file concerned.
    row : int or str, optional
        The row (1-based data row, or a feature id) concerned.
    column : str, optional
        The column concerned.
    """

    def __init__(self, message: str, path: object = None, row: object = None, column: object = None):
        self.path = None if path is None else str(path)
        self.row = row
        self.column = column
        self.message = message
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.path:
            where.append(self.path)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column!r}")
        prefix = ": ".join([", ".join(where)]) + ": " if where else ""
        # one line, always: hostile or multi-line text must not break the report
        return (prefix + self.message).replace("\r", " ").replace("\n", " ")


class SourceError(AtlasError):
    """A boundary source is missing, corrupt or fails its checksum."""


class DataError(AtlasError):
    """A data file or table is malformed (bad columns, codes, geometry, CRS)."""


class ScenarioError(AtlasError):
    """A proposal table or scenario file is invalid."""


class PackageError(AtlasError):
    """A file of the installed package itself is damaged (e.g. a declaration overwritten): not the user's input,
    so the command line reports it as an internal error (exit code 3), in one line."""
