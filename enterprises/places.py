"""City and county names as lists and scenarios write them: "漯河市" and "漯河" are one city.

>>> same_place("漯河市", "漯河"), same_place("临颍县", "临颍"), same_place("郾城区", "郾城")
(True, True, True)
"""

from __future__ import annotations

import unicodedata

import numpy as np

# Administrative suffixes a list may or may not write (市 city, 县 county, 区 district,
# 自治县 autonomous county). A name that is only a suffix is kept whole.
SUFFIXES: tuple[str, ...] = ("自治县", "市", "县", "区")


def strip_place_suffix(name: str) -> str:
    """The name without spaces and its administrative suffix ("漯河市" → "漯河")."""
    key = unicodedata.normalize("NFKC", str(name)).replace(" ", "").strip()
    for suffix in SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix) + 1:
            return key[: -len(suffix)]
    return key


def same_place(a: str, b: str) -> bool:
    """True when two city or county names differ at most by their suffix."""
    return strip_place_suffix(a) == strip_place_suffix(b)


def in_place(names: np.ndarray, name: str) -> np.ndarray:
    """Boolean mask of ``names`` that are the place ``name`` (with or without 市/县/区)."""
    key = strip_place_suffix(name)
    uniques, codes = np.unique(np.asarray(names, dtype=object).astype(str), return_inverse=True)
    return np.array([strip_place_suffix(u) == key for u in uniques], dtype=bool)[codes]
