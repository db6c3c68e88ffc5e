"""A small valid inventory as CSV text, and a writer for variants of it."""

from __future__ import annotations

from pathlib import Path

HEADER = (
    "id,name,city,county,industry,grade,so2_t,nox_t,pm_t,vocs_t,operating_hours,livelihood,lines"
)
ROWS = [
    "LH0001,漯河市恒达水泥有限公司,漯河,郾城区,cement,B,40.5,400,60,1,7200,false,2",
    "LH0002,漯河市宏远建材有限公司,漯河,临颍县,砖瓦窑,C,25,20,12,0.3,,否,",
    "LH0003,漯河市鑫源热力有限公司,漯河,源汇区,other,非引领性,20,40,6,0.5,2880,是,1",
    "LH0004,漯河市金盛包装有限公司,漯河,召陵区,packaging_printing,A,0.02,0.1,0.2,6,2400,0,1",
    "LH0005,漯河市华龙铸造有限公司,漯河,舞阳县,foundry,D,1.5,2.5,8,3,4800,no,3",
]


def write_csv(path: Path, header: str = HEADER, rows: list[str] | None = None,
              encoding: str = "utf-8") -> Path:
    """Write a CSV with the given header and rows (default: the good rows)."""
    lines = [header, *(ROWS if rows is None else rows)]
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path
