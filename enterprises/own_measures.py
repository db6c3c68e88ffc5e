"""A plant's own measures as a bureau writes them in its list: free text per alert level.

The text of a 应急减排清单 cell is the plant's 一厂一策 (sources.md §6: non-key industries
specify lines, processes and key indicators per plant; §4.4: lines are listed per plant).
``parse_own_measure`` reads the usual wordings into per-line production cuts:

- 停产 / 停止生产 / 全厂停产 → stop (cut 1); 不停产 / 正常生产 / 无 → no cut;
- 限产 N% / 减产 N% / 压减 N% → limit N % of every line;
- 停产 N% → N % of production stopped (modelled on every line alike: the list does not say
  which lines);
- 停止 X 工序 / 停止 X 生产线 / X 工序停产 → the lines named X stop (a plant's rows carry its
  line names, 生产工序/生产线); ``X: 限产50%`` applies a measure to line X only;
- 自主减排 / 自主采取减排措施 → self-determined (no imposed cut, sources.md §4.1, §6);
- 以热定产 / 按照供热需求组织生产 → produce to the heat demand (sources.md §6), capped at a
  load the text states ("负荷不超过70%"), else no cut;
- 停止使用国四及以下重型柴油货车运输 → a transport measure: the plant is a key vehicle user
  whose 国四-and-below diesel trucks stop (sources.md §5).

Several clauses combine (the strictest cut per line). A text whose clauses give no
production measure at all cannot be read: the caller lists it and falls back to the
catalogue.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np

STOP, LIMIT, STOP_LINES, SELF, NONE, HEAT = ("stop", "limit", "stop_by_line", "self_determined",
                                              "none", "heat_demand")
_SPLIT_SEGMENTS = re.compile(r"[;；。\n]+")
_SPLIT_CLAUSES = re.compile(r"[,，、]+|(?<=\S)并(?=\S)|(?<=%)(?=\S)")
_NUMBER = r"(\d+(?:\.\d+)?)\s*%"
_NOTHING = frozenset({"", "无", "/", "-", "—", "——", "不停产", "正常生产", "不限产", "无需减排",
                      "不采取措施", "无措施", "不减排"})
_TRUCKS = re.compile(r"国(四|4|iv|ⅳ)及以下.*(车|运输)|(停止|禁止|不得)(使用)?.*国(四|4|iv|ⅳ)",
                     re.IGNORECASE)
_SELF = re.compile(r"自主(减排|采取|管控)|自行减排")
_HEAT = re.compile(r"以热定产|供热需求|按需供热|以供定产|保障供热")
_LOAD = re.compile(r"负荷(不超过|不高于|控制在|不大于|≤|<=)?" + _NUMBER)
_LIMIT = re.compile(r"(限产|减产|压减产量|压减|降低负荷|降负荷|限制生产)" + _NUMBER)
_SHARE_STOP = re.compile(r"停产" + _NUMBER + r"|" + _NUMBER + r"(的)?(生产线|产能)?停产")
_PROCESS_STOP = re.compile(r"(?:停止|停)(.+?)(?:工序|生产线|线|设施|环节|工段)(?:生产|运行)?$|"
                           r"^(.+?)(?:工序|生产线|工段)(?:全部)?(?:停产|停止生产|停运)$")
_STOP = re.compile(r"^(全厂|全部|企业)?"
                   r"(停产|停止生产|停产整治|全部停产|停止全部生产|停止所有生产)$")


@dataclass(frozen=True)
class OwnMeasure:
    """A plant's measure at one level, per production line.

    ``line_cuts``: production cut of each line in [0, 1] (None when the text gives no
    production measure: unreadable). ``basis`` names it like the catalogue's bases;
    ``truck_ban`` and ``heat_demand`` flag the transport and 以热定产 clauses;
    ``guaranteed_load`` is a load cap stated with 以热定产 (None: not stated); ``ignored``
    holds clauses that were not read (e.g. 加强洒水抑尘), ``problems`` why something failed.
    """

    text: str
    line_cuts: tuple[float, ...] | None
    basis: str
    truck_ban: bool = False
    heat_demand: bool = False
    guaranteed_load: float | None = None
    ignored: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()

    @property
    def readable(self) -> bool:
        return self.line_cuts is not None


def parse_own_measure(text: str, line_names: tuple[str, ...] = ("",)) -> OwnMeasure:
    """Read one cell of measures for a plant whose lines are ``line_names`` (one per line).

    >>> parse_own_measure("限产50%，停止使用国四及以下重型柴油货车运输").line_cuts
    (0.5,)
    >>> parse_own_measure("停止烧结工序", ("烧结", "轧钢")).line_cuts
    (1.0, 0.0)
    """
    raw = str(text).strip()
    key = unicodedata.normalize("NFKC", raw).replace(" ", "").lower()
    n = max(len(line_names), 1)
    names = [unicodedata.normalize("NFKC", s).replace(" ", "").lower() for s in line_names]
    cuts = np.zeros(n)
    state = _State()
    for segment in _SPLIT_SEGMENTS.split(key):
        target, body = _line_prefix(segment, names)
        for clause in _SPLIT_CLAUSES.split(body):
            _read_clause(clause.strip(), target, names, cuts, state)
    if not state.production:
        return OwnMeasure(raw, None, NONE, state.trucks, state.heat, state.load,
                          tuple(state.ignored), tuple(state.problems) or
                          ("no production measure (停产, 限产N%, 停止…工序, 自主减排, 以热定产)",))
    return OwnMeasure(raw, tuple(float(c) for c in cuts), _basis(cuts, state), state.trucks,
                      state.heat, state.load, tuple(state.ignored), tuple(state.problems))


class _State:
    def __init__(self) -> None:
        self.production = False
        self.trucks = self.heat = self.self_determined = self.by_line = False
        self.load: float | None = None
        self.ignored: list[str] = []
        self.problems: list[str] = []


def _line_prefix(segment: str, names: list[str]) -> tuple[np.ndarray | None, str]:
    """``烧结:停产`` → (mask of the lines named 烧结, "停产"); no prefix → (None, segment)."""
    head, sep, body = segment.partition(":")
    if not sep or not head:
        return None, segment
    mask = _lines_named(head, names)
    return (mask, body) if mask.any() else (None, segment)


def _lines_named(name: str, names: list[str]) -> np.ndarray:
    name = re.sub(r"(工序|生产线|工段)$", "", name)
    return np.array([bool(n) and (name in n or n in name) for n in names], dtype=bool)


def _read_clause(clause: str, target: np.ndarray | None, names: list[str], cuts: np.ndarray,
                 state: _State) -> None:
    where = np.ones(len(cuts), bool) if target is None else target
    if clause in _NOTHING:
        state.production |= clause != ""
        return
    if _TRUCKS.search(clause):  # a transport measure alone asks no production cut
        state.trucks = state.production = True
        return
    if _SELF.search(clause):
        state.production = state.self_determined = True
        return
    if _HEAT.search(clause):
        state.production = state.heat = True
        load = _LOAD.search(clause)
        if load:
            state.load = float(load[2]) / 100.0
        return
    if load := _LOAD.search(clause):  # "负荷不超过70%" on its own, after 以热定产
        state.load = float(load[2]) / 100.0
        state.production = True
        return
    if found := _LIMIT.search(clause):  # "高炉限产50%": the lines named before it
        _raise(cuts, _named_before(clause[:found.start()], names, where), float(found[2]) / 100,
               state)
        return
    if found := _SHARE_STOP.search(clause):
        _raise(cuts, where, float(found[1] or found[2]) / 100.0, state)
        state.by_line = True
        return
    if _STOP.match(clause):
        _raise(cuts, where, 1.0, state)
        return
    if found := _PROCESS_STOP.search(clause):
        process = found[1] or found[2]
        named = _lines_named(process, names) & where
        if named.any():
            _raise(cuts, named, 1.0, state)
            state.by_line = True
        else:
            state.problems.append(f"names process {process!r}, which is not a line of this "
                                  "plant (生产工序/生产线)")
        return
    state.ignored.append(clause)


def _named_before(head: str, names: list[str], where: np.ndarray) -> np.ndarray:
    """Lines named in ``head`` (text before a measure), else ``where`` unchanged."""
    head = re.sub(r"^(对|将)", "", head)
    if not head:
        return where
    named = _lines_named(head, names) & where
    return named if named.any() else where


def _raise(cuts: np.ndarray, where: np.ndarray, value: float, state: _State) -> None:
    if not 0.0 <= value <= 1.0:
        state.problems.append(f"{100 * value:g} % is not a share in [0, 100] %")
        return
    cuts[where] = np.maximum(cuts[where], value)
    state.production = True


def _basis(cuts: np.ndarray, state: _State) -> str:
    if (cuts >= 1.0).all():
        return STOP
    if (cuts > 0).any():
        return STOP_LINES if state.by_line else LIMIT
    if state.self_determined:
        return SELF
    return HEAT if state.heat else NONE


def split_line_names(cell, lines: int) -> tuple[str, ...]:
    """A plant's line names from its ``line_name`` cell ("烧结;轧钢"), one per line."""
    text = "" if cell is None or (isinstance(cell, float) and np.isnan(cell)) else str(cell)
    names = [s.strip() for s in re.split(r"[;；]", text)] if text.strip() else []
    return tuple((names + [""] * lines)[:lines]) if len(names) <= lines else tuple(names[:lines])


def _measure_cells(cells, n: int) -> list[str]:
    """A measure column's cells as stripped text, "" where blank (most lists leave it so)."""
    if (np.asarray(cells, dtype=object) == "").all():
        return [""] * n
    return ["" if _blank(v) else str(v).strip() for v in cells]


def _line_names(cells, lines: np.ndarray) -> list[tuple[str, ...]]:
    """Each plant's line names (``split_line_names``); an empty cell names none."""
    if isinstance(cells, np.ndarray) and cells.dtype == object and (cells == "").all():
        blank = {k: ("",) * k for k in set(lines.tolist())}  # most lists name no line
        return [blank[k] for k in lines.tolist()]
    return [("",) * int(k) if isinstance(cell, str) and not cell else
            split_line_names(cell, int(k)) for cell, k in zip(cells, lines, strict=True)]


def own_measure_arrays(cols: dict, lines: np.ndarray) -> dict[str, np.ndarray]:
    """Inventory arrays of the plants' own measures from the list's columns.

    ``cols``: column id → per-enterprise values (``line_name``, ``measure_*``,
    ``key_vehicle_user``, ``guaranteed_load``, ``livelihood``). Returns ``line_names``,
    ``own_text``, ``own_basis``, ``line_overrides`` and ``key_vehicle_user`` (a text naming the
    truck ban makes a key vehicle user) and ``guaranteed_load`` (a livelihood plant's
    以热定产 text with a load caps it there).
    """
    n = len(lines)
    texts = np.array([_measure_cells(cols[c], n)
                      for c in ("measure_yellow", "measure_orange", "measure_red")],
                     dtype=object).T.reshape(n, 3)
    names = _line_names(cols["line_name"], lines)
    basis = np.full((n, 3), "", dtype=object)
    overrides = np.full((int(np.sum(lines)), 3), np.nan)
    key = np.asarray(cols["key_vehicle_user"], dtype=bool).copy()
    load = np.asarray(cols["guaranteed_load"], dtype=np.float64).copy()
    livelihood = np.asarray(cols["livelihood"], dtype=bool)
    starts = np.concatenate([[0], np.cumsum(lines)[:-1]]).astype(np.int64)
    for i in np.flatnonzero((texts != "").any(axis=1)):  # the plants with own measures
        start = int(starts[i])
        for j in range(3):
            if not texts[i, j]:
                continue
            m = parse_own_measure(texts[i, j], names[i])
            key[i] |= m.truck_ban
            if m.guaranteed_load is not None and livelihood[i]:
                load[i] = min(load[i], m.guaranteed_load)
            if m.readable:
                basis[i, j] = m.basis
                overrides[start:start + lines[i], j] = m.line_cuts
    return {"line_names": np.array([s for t in names for s in t], dtype=object),
            "own_text": texts, "own_basis": basis, "line_overrides": overrides,
            "key_vehicle_user": key, "guaranteed_load": load}


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or (
        isinstance(value, str) and not value.strip())
