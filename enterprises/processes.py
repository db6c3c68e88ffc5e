"""Process types and how fast they can change load: ramp-down and ramp-up times.

Units that cannot be stopped at short notice reduce load instead (sources.md §4.4, §6): a glass
furnace cuts its batch feed, a coke oven extends its coking time, a blast furnace is banked, a
lime kiln is kept warm. smogsim models this as a rate limit on the production cut: a line's cut
moves towards its target at ``1 / ramp_down_h`` of full load per hour when cutting and
``1 / ramp_up_h`` when recovering, so the cut is piecewise linear in time and its emissions
integrate exactly with the trapezoid rule.

A ramp starts when the response starts (assumption: the obligation begins at the announced
start, sources.md §3.2). A full-load change takes ``ramp_down_h``; a 20 % cut takes a fifth of it.

>>> process("glass_furnace").hours_to_change(0.0, 0.2)
9.6
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Process:
    """A process type: hours for a full-load change down (cutting) and up (recovering)."""

    id: str
    zh: str
    ramp_down_h: float
    ramp_up_h: float
    source: str

    def hours_to_change(self, cut_from: float, cut_to: float) -> float:
        """Hours for the production cut to move from ``cut_from`` to ``cut_to`` (fractions)."""
        full = self.ramp_down_h if cut_to > cut_from else self.ramp_up_h
        return abs(cut_to - cut_from) * full


PROCESSES: tuple[Process, ...] = (
    Process("instant", "可即时调整", 0.0, 0.0,
            "assumption: batch or shift work (coating, printing, furniture, most light "
            "industry, kilns that stop by cutting feed) changes within the hour"),
    Process("glass_furnace", "玻璃熔窑", 48.0, 72.0,
            "assumption: glass furnaces are never cold-stopped for an alert; the batch feed "
            "is cut gradually (sources.md §4.3 Xingtai: 15 % by batch feed, no line to cold "
            "repair); 48 h for a full-load cut, 72 h to recover"),
    Process("coke_oven", "焦炉", 24.0, 24.0,
            "assumption: coking time is extended oven by oven over one coking cycle "
            "(sources.md §4.3, §6: 28/36/48 h coking times)"),
    Process("blast_furnace", "高炉", 8.0, 24.0,
            "assumption: banking a blast furnace (焖炉, sources.md §4.3 Anyang) takes a shift; "
            "blowing in again takes a day"),
    Process("lime_kiln", "石灰窑", 12.0, 24.0,
            "assumption: 停产保窑 (sources.md §4.3 Tangshan) winds a kiln down over half a "
            "day and back up over a day"),
)

PROCESS_IDS: tuple[str, ...] = tuple(p.id for p in PROCESSES)
_BY_ID = {p.id: p for p in PROCESSES}
_BY_NAME = {**_BY_ID, **{p.zh: p for p in PROCESSES}}


def process(process_id: str) -> Process:
    """The process with this id or Chinese name; ``ValueError`` if unknown."""
    found = _BY_NAME.get(str(process_id).strip()) or _BY_NAME.get(str(process_id).strip().lower())
    if found is None:
        raise ValueError(f"unknown process {process_id!r}; expected one of "
                         f"{', '.join(PROCESS_IDS)}")
    return found


def ramp_hours(processes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ramp-down and ramp-up hours for an array of process ids: two float64 arrays."""
    codes, uniques = np.unique(np.asarray(processes, dtype=object).astype(str),
                               return_inverse=True)
    down = np.array([process(u).ramp_down_h for u in codes], dtype=np.float64)
    up = np.array([process(u).ramp_up_h for u in codes], dtype=np.float64)
    return down[uniques], up[uniques]
