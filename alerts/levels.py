"""Alert levels, ordered so that a larger value is a stricter response.

The ladder covers every generation in sources.md §1: the 2024 sub-yellow "temporary control"
slot (§1.3, §11), blue of the 2017 four-level scheme (§1.1), and yellow/orange/red.
``enterprises`` may import this module and nothing else of ``alerts``.
"""

from __future__ import annotations

from enum import IntEnum


class Level(IntEnum):
    """An alert level. ``Level.ORANGE > Level.YELLOW`` holds, and ``NONE`` is no alert."""

    NONE = 0
    TEMPORARY = 1  # 临时管控, below yellow (sources.md §1.3)
    BLUE = 2  # 蓝色 / IV级, 2017 scheme only (sources.md §1.1)
    YELLOW = 3  # 黄色 / III级
    ORANGE = 4  # 橙色 / II级
    RED = 5  # 红色 / I级

    @property
    def id(self) -> str:
        """Lower-case English id used in files: ``"orange"``."""
        return self.name.lower()

    @property
    def zh(self) -> str:
        """Chinese name as a bureau writes it: ``"橙色"``."""
        return _ZH[self]

    @classmethod
    def parse(cls, value: str | int | Level) -> Level:
        """Read a level from its id, its Chinese name, a response grade or an int.

        >>> Level.parse("orange"), Level.parse("橙色"), Level.parse("II")
        (<Level.ORANGE: 4>, <Level.ORANGE: 4>, <Level.ORANGE: 4>)
        """
        if isinstance(value, Level):
            return value
        if isinstance(value, int):
            return cls(value)
        text = str(value).strip()
        found = _BY_NAME.get(text.lower()) or _BY_NAME.get(text)
        if found is None:
            expected = ", ".join(LEVEL_IDS)
            raise ValueError(f"unknown alert level {value!r}; expected one of {expected}")
        return found


_ZH = {
    Level.NONE: "无",
    Level.TEMPORARY: "临时管控",
    Level.BLUE: "蓝色",
    Level.YELLOW: "黄色",
    Level.ORANGE: "橙色",
    Level.RED: "红色",
}

# Response grades of the 4-level and 3-level plans (sources.md §3.2).
_RESPONSE = {"iv": Level.BLUE, "iii": Level.YELLOW, "ii": Level.ORANGE, "i": Level.RED}

_BY_NAME: dict[str, Level] = {
    **{lv.id: lv for lv in Level},
    **{lv.zh: lv for lv in Level},
    **{lv.zh.removesuffix("色"): lv for lv in Level if lv.zh.endswith("色")},
    **_RESPONSE,
}

LEVEL_IDS: tuple[str, ...] = tuple(lv.id for lv in Level)
ALERT_LEVELS: tuple[Level, ...] = (Level.YELLOW, Level.ORANGE, Level.RED)
