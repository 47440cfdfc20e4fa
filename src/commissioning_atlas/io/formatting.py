"""One way to write each kind of figure, shared by the command line, the reports and the maps.

The maps receive their figures as text from these functions, so a page, its popups, the CLI table and the
Markdown report show the same digits (a share rounded once, in Python, from the exact value).
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["area", "count", "density", "number", "people", "share"]


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(math.isnan(float(value)))
    except (TypeError, ValueError):
        return False


def people(value: Any) -> str:
    """A count of people with thousands separators: ``248821 -> "248,821"``; empty for a missing value.

    Parameters
    ----------
    value : int or float
        Residents or patients (rounded to a whole person).

    Returns
    -------
    str

    Examples
    --------
    >>> people(248821), people(70729.4), people(None)
    ('248,821', '70,729', '')
    """
    if _missing(value):
        return ""
    return f"{round(float(value)):,}"


def share(value: Any) -> str:
    """A share as a percentage with one decimal: ``0.26449 -> "26.4%"``; empty for a missing value.

    Parameters
    ----------
    value : float
        A fraction (0.264 is 26.4%), rounded once from its exact value.

    Returns
    -------
    str

    Examples
    --------
    >>> share(248821 / 940773), share(0.0775), share(float("nan"))
    ('26.4%', '7.8%', '')
    """
    if _missing(value):
        return ""
    return f"{float(value):.1%}"


def area(value: Any) -> str:
    """An area in square kilometres with two decimals and separators: ``1234.567 -> "1,234.57"``.

    Parameters
    ----------
    value : float
        Square kilometres; empty for a missing value.

    Returns
    -------
    str

    Examples
    --------
    >>> area(1234.567), area(None)
    ('1,234.57', '')
    """
    if _missing(value):
        return ""
    return f"{float(value):,.2f}"


def density(value: Any) -> str:
    """People per square kilometre: whole people from 100 up, one decimal below (``4512.3 -> "4,512"``,
    ``62.34 -> "62.3"``); empty for a missing value.

    Parameters
    ----------
    value : float
        Residents (or patients) per km\u00b2.

    Returns
    -------
    str

    Examples
    --------
    >>> density(4512.3), density(62.34), density(None)
    ('4,512', '62.3', '')
    """
    if _missing(value):
        return ""
    v = float(value)
    return f"{round(v):,}" if abs(v) >= 99.95 else f"{v:,.1f}"


def number(value: Any) -> str:
    """Any other figure: a whole number with separators, else about three significant digits
    (``12345.678 -> "12,346"``, ``12.3456 -> "12.3"``, ``0.012345 -> "0.0123"``); empty for a missing value.

    Parameters
    ----------
    value : int or float

    Returns
    -------
    str

    Examples
    --------
    >>> number(3), number(12345.678), number(12.3456), number(0.012345), number(-0.5), number(None)
    ('3', '12,346', '12.3', '0.0123', '-0.5', '')
    """
    if _missing(value):
        return ""
    v = float(value)
    if math.isinf(v):
        return "-infinity" if v < 0 else "infinity"
    if v.is_integer() or abs(v) >= 99.95:
        return f"{round(v):,}"
    digits = min(6, max(1, 2 - math.floor(math.log10(abs(v)))))
    text = f"{v:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def count(n: int, noun: str) -> str:
    """A count with its noun, plural unless there is exactly one (``s`` added): ``"1 crossing part"``,
    ``"2 crossing parts"``, ``"1,204 units"``.

    Parameters
    ----------
    n : int
    noun : str
        The singular.

    Returns
    -------
    str

    Examples
    --------
    >>> count(1, "crossing part"), count(0, "unit"), count(1204, "unit")
    ('1 crossing part', '0 units', '1,204 units')
    """
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
