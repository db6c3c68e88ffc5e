"""What a replay carries beyond the list and its area sources, when asked (``--with FILE``).

A replay options file holds any of the scenario tables ``[measures]``, ``[[seasonal]]``,
``[compliance]`` and ``[transport]``, in the scenario format (docs/scenario-reference.md); they
apply to every replayed city. Without the file a replay runs the bundled measure catalogue
with full compliance, no seasonal control and no truck gate (docs/replay.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from enterprises.seasonal import SeasonalControl
from simulator.core.compliance import ComplianceModel
from simulator.spec.schema import COMPLIANCE, MEASURES, SEASONAL, TRANSPORT, _kind_of
from simulator.spec.transport import TransportSpec, transport_spec
from simulator.spec.validate import ABSENT, Key, Table, walk

OPTION_TABLES = (MEASURES, SEASONAL, COMPLIANCE, TRANSPORT)
OPTIONS_FILE = Table("", "", "A replay options file.", tuple(
    Key(t.name, _kind_of(t), t.meaning, ABSENT) for t in OPTION_TABLES), unknown="table")


@dataclass(frozen=True)
class ReplayOptions:
    """The options of every replayed city; the defaults are a replay without the file."""

    measures: Path | None = None  # rows overriding the bundled measure catalogue
    seasonal: tuple[SeasonalControl, ...] = ()
    compliance: ComplianceModel = field(default_factory=ComplianceModel)
    transport: TransportSpec | None = None
    source: Path | None = None

    @classmethod
    def from_dict(cls, data: dict, origin: Path) -> ReplayOptions:
        """Check the parsed TOML of ``origin``; the first problem raises ``ScenarioError``."""
        values = walk(data, OPTIONS_FILE, origin)
        compliance = values.get("compliance")
        return cls(
            measures=(values.get("measures") or {}).get("file"),
            seasonal=tuple(SeasonalControl(item["start"], item["end"], item["industries"],
                                           item["cuts"]) for item in values.get("seasonal") or ()),
            compliance=ComplianceModel() if compliance is None
            else ComplianceModel.from_table(compliance),
            transport=transport_spec(values.get("transport")),
            source=origin)
