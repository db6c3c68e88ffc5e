"""Alert reasons by language.

``alerts`` writes each window's reason in one fixed English grammar (``alerts.triggers``,
``alerts.lifecycle``, ``alerts.timeline``, ``alerts.region``): it is the machine record in
alerts.csv and stays as it is. Here the reason is read back into parts — literal text and
phrases with a code and fields (``("lift", {"time": …, "below": …, "hours": "36"})``) — and
rendered phrase by phrase from the catalogue. English rendering gives the reason back byte for
byte (tests check it on every reason of the bundled scenarios), so no phrase is lost; a phrase
the grammar does not know stays in English rather than vanish.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from simulator.lang.catalogue import LEVEL_IDS, level_name, text

_TIME = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"
_LEVEL = "|".join(LEVEL_IDS)
_NUM = r"-?\d+(?:\.\d+)?(?:e[+-]?\d+)?"

# (code, English pattern); tried in this order at each position, the first match wins
_ENGLISH: tuple[tuple[str, str], ...] = (
    ("regional", rf"regional (?P<level>{_LEVEL}): (?P<count>\d+) cities at (?P<at_least>{_LEVEL})"
                 rf" or above at (?P<time>{_TIME}) \((?P<cities>[^)]*)\) — "),
    ("unified", rf"regional (?P<level>{_LEVEL}) \((?P<rule>[^,()]+), unified; zone forecast = "
                rf"(?P<forecast>\w+) of (?P<cities>[^()]+?) under (?P<rules>[\w.-]+)\): "),
    ("regional_rule", rf"(?P<rule>[^\s:;()]+): ≥ (?P<count>\d+) (?P<group>adjacent cities|cities"
                      rf" in the zone) at (?P<at_least>{_LEVEL}) or above"),
    ("dispatch", rf"dispatch (?P<order>[^\s:]+): not below (?P<level>{_LEVEL}) "
                 rf"(?P<start>{_TIME}) → (?P<end>{_TIME})"),
    ("forecast", rf"forecast daily AQI (?P<op>>|≥) (?P<threshold>{_NUM}) on (?P<days>\d+) "
                 rf"(?P<day_word>days?) from (?P<time>{_TIME})"),
    ("below_aqi", rf"daily AQI ≤ (?P<threshold>{_NUM}) and no criterion met"),
    ("lasting", rf"daily AQI (?P<op>>|≥|≤) (?P<threshold>{_NUM}) lasting (?P<at_least>≥ )?"
                rf"(?P<hours>{_NUM}) h"),
    ("above", rf"daily AQI (?P<op>>|≥|≤) (?P<threshold>{_NUM})"),
    ("below_alert", r"below every alert criterion"),
    ("below_temporary", r"below temporary control"),
    ("human", rf"(?P<action>issue|upgrade|downgrade|extend|shift) (?P<level>{_LEVEL}): human "
              r"decision \((?P<who>[^()]*)\)"),
    ("human_lift", rf"lift (?P<time>{_TIME}): human decision \((?P<who>[^()]*)\)"),
    ("was", rf"was (?P<time>{_TIME})"),
    ("lift", rf"lift (?P<time>{_TIME}): forecast (?P<below>.+?) for ≥ (?P<hours>{_NUM}) h"),
    ("held", rf"held at (?P<level>{_LEVEL}) \(the higher level applies across a short dip, and "
             rf"a level lasts at least (?P<hours>{_NUM}) h; "),
    ("resumes", rf"(?P<level>{_LEVEL}) resumes after the higher level ended \(decision issued "
                rf"(?P<time>{_TIME})\)"),
    ("upgraded_at", rf"upgraded (?P<time>{_TIME})"),
    ("downgraded_at", rf"downgraded (?P<time>{_TIME})"),
    ("issued", rf"issued (?P<level>{_LEVEL})"),
    ("upgraded", rf"upgraded (?P<level>{_LEVEL})"),
    ("downgraded", rf"downgraded (?P<level>{_LEVEL})"),
    ("not_counted", r"not counted: "),
    ("driven", rf"(?P<kind>dust|ozone)-driven (?P<start>{_TIME}) → (?P<end>{_TIME}) \(daily AQI "
               rf"up to (?P<peak>{_NUM})\)"),
    ("temporary_control", r"(?P<space> ?)\(temporary control\)"),
    ("open", r" \("),
    ("close", r"\)"),
    ("rule", rf"(?P<level>{_LEVEL}): "),
    ("or", r", or "),
    ("and", r" and "),
    ("separator", r"; "),
)
PHRASES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (code, re.compile(pattern)) for code, pattern in _ENGLISH)
_LEVEL_FIELDS = ("level", "at_least")


def _at_start(reason: str, i: int) -> bool:
    """Phrases that begin with a word begin at a word boundary (not inside "re-issued")."""
    return not (reason[i].isalnum() and i > 0 and (reason[i - 1].isalnum()
                                                   or reason[i - 1] in "-_"))


class Phrase(NamedTuple):
    """A recognised phrase: its catalogue code (``reason.<code>``) and its fields."""

    code: str
    fields: dict[str, str]


def reason_parts(reason: str) -> list[str | Phrase]:
    """``reason`` as literal text and ``Phrase``s, left to right.

    >>> reason_parts("issued orange: x")
    [Phrase(code='issued', fields={'level': 'orange'}), ': x']
    """
    parts: list[str | Phrase] = []
    literal, i = [], 0
    while i < len(reason):
        found = _match(reason, i) if _at_start(reason, i) else None
        if found is None:
            literal.append(reason[i])
            i += 1
            continue
        if literal:
            parts.append("".join(literal))
            literal = []
        code, match = found
        parts.append(Phrase(code, {k: v for k, v in match.groupdict().items() if v is not None}))
        i = match.end()
    if literal:
        parts.append("".join(literal))
    return parts


def _match(reason: str, i: int) -> tuple[str, re.Match[str]] | None:
    for code, pattern in PHRASES:
        match = pattern.match(reason, i)
        if match:
            return code, match
    return None


def render_reason(reason: str, lang: str) -> str:
    """``reason`` (alerts' English) in ``lang``; in English it is ``reason`` itself.

    >>> render_reason("issued orange: forecast daily AQI > 200 on 2 days from "
    ...               "2023-12-15 07:00", "zh")
    '发布橙色预警：预测日AQI>200持续2天（自2023-12-15 07:00起）'
    """
    return "".join(part if isinstance(part, str) else _render(part, lang)
                   for part in _glued(reason_parts(reason)))


def _glued(parts: list[str | Phrase]) -> list[str | Phrase]:
    """A literal ": " right after a phrase that names a level is the rule's colon."""
    out: list[str | Phrase] = []
    for part in parts:
        if isinstance(part, str) and part.startswith(": ") and out and isinstance(out[-1], Phrase) \
                and out[-1].code in ("issued", "upgraded", "downgraded"):
            out.append(Phrase("colon", {}))
            part = part[2:]
            if not part:
                continue
        out.append(part)
    return out


def _render(phrase: Phrase, lang: str) -> str:
    if phrase.code == "colon":
        return text("reason.colon", lang)
    fields = dict(phrase.fields)
    for name in _LEVEL_FIELDS:
        if name in fields:
            fields[name] = level_name(fields[name].strip(), lang)
    if phrase.code == "lasting":
        fields["at_least"] = text("reason.at_least", lang) if phrase.fields.get("at_least") else ""
    if "day_word" in fields:
        fields["day_word"] = text("reason.day" if fields["days"] == "1" else "reason.days", lang)
    if phrase.code == "human":  # an exercise's decision (simulator.exercise)
        fields["action"] = text(f"reason.act_{fields['action']}", lang)
    if "kind" in fields:
        fields["kind"] = text(f"reason.{fields['kind']}", lang)
    if "group" in fields:
        fields["group"] = text("reason.adjacent" if fields["group"].startswith("adjacent")
                               else "reason.zone", lang)
    if "below" in fields:
        fields["below"] = render_reason(fields["below"], lang)
    return text(f"reason.{phrase.code}", lang, **fields)
