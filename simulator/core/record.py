"""What the engine hands to the results layer: ``EngineRecord``, plain typed fields.

The engine (``simulator.core.engine``) fills these records as the run goes; the results layer
(``simulator.core.results``) makes every table of a ``RunResult`` from one ``EngineRecord`` and
nothing else. Times are hours from the run start.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from alerts.levels import Level
from alerts.rules import RuleSet
from alerts.triggers import AlertWindow
from enterprises.inventory import Inventory
from enterprises.response import Response
from simulator.core.accounting import Ledger
from simulator.core.compliance import MODES, Behaviour

# Audit behaviour tag of a plant an inspection corrected (after the ``MODES`` indices).
CORRECTED_TAG = len(MODES)


@dataclass(frozen=True)
class Decision:
    """The lines one decision moved: the audit log's rows as arrays, one entry per line.

    ``need``: the requirement in force (rules and measures per enterprise). ``tag``: behaviour
    tag per line (``MODES`` index or ``CORRECTED_TAG``), None without the compliance model.
    """

    time: float
    level: str
    changed: np.ndarray  # line indices
    need: Response
    cut_before: np.ndarray
    cut_after: np.ndarray
    emission_cut_before: np.ndarray
    emission_cut_after: np.ndarray
    ramp_end: np.ndarray  # hours
    tag: np.ndarray | None = None


@dataclass
class Episode:
    """One episode (an unbroken stretch at some alert level): its span, top level and the
    cumulative cut-hours per line (achieved and required) at its start and end.

    Filled in as the run goes: ``end`` and the ``*1`` snapshots when the episode ends.
    """

    episode: int
    start: float
    cut0: np.ndarray
    required0: np.ndarray
    level: Level = Level.NONE  # the highest reached
    end: float = np.nan
    cut1: np.ndarray | None = None
    required1: np.ndarray | None = None


class Flags(NamedTuple):
    """Enterprises a monitoring channel flags in one episode, and when (hours)."""

    episode: int
    who: np.ndarray
    when: np.ndarray


@dataclass
class Visit:
    """One inspection visit; ``corrected_at`` is set when a finding takes effect."""

    episode: int
    county: str
    team: int
    who: int
    start: float
    end: float
    finding: str
    corrected_at: float = np.nan


@dataclass(frozen=True)
class EngineRecord:
    """Everything a run leaves for its tables, free of the engine that made it.

    ``hours``: length of the run. ``enterprise_actual`` (n, 4): tonnes emitted per enterprise;
    ``enterprise_lost`` (n,): output value lost, 万元. ``groups``: the (city, county, industry,
    grade) table the ledger's group rows refer to. ``issued``: alert windows in the order they
    were issued. ``compliance``: whether the compliance model was on; ``behaviour``, ``flags``
    and ``visits`` are its draws and inspection records.
    """

    city: str
    start: pd.Timestamp
    hours: float
    inventory: Inventory
    line_owner: np.ndarray  # (L,) enterprise of each line
    line_no: np.ndarray  # (L,) line number within its enterprise, from 1
    rules: RuleSet
    base_rates: np.ndarray  # (n, 4) t/h per enterprise
    ledger: Ledger
    groups: pd.DataFrame
    enterprise_actual: np.ndarray
    enterprise_lost: np.ndarray
    issued: tuple[AlertWindow, ...]
    audit: tuple[Decision, ...]
    episodes: tuple[Episode, ...]
    compliance: bool
    behaviour: Behaviour
    flags: tuple[Flags, ...]
    visits: tuple[Visit, ...]
