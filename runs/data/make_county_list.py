"""Regenerate ``xiangcheng_county_list.xlsx``: a county officer's list, laid out as it is filled.

The example of docs/guide-planner.md ("Bringing your list as it is") and
``runs/xiangcheng-county.toml``. Made up: 襄城县 is a real county of 许昌, every plant in it
here is invented (names, tonnages, grades and measures); no real list can be shipped. The
layout is what a county's 应急减排清单 looks like in Excel: a merged title row, a 填报单位
line, one header row (序号, 企业名称, 所属县（区）, 行业, 绩效级别, 生产工序/生产线, emissions in
吨/年, the measures per alert level as free text, 是否民生保障, 重点用车企业, 是否安装在线监测,
备注), three plants written on one row per production line with their 序号, name, county,
industry, grade, flags and equal measure texts merged down those rows (Excel keeps the top
cell's value only), a 合计 row and a footnote merged under the table.

One seeded ``numpy`` Generator draws the tonnages (log-normal around each kind's median,
t/a, an assumption) and which plants of a kind get which of its grades; the same seed writes
the same bytes (the workbook's timestamps are fixed). Run from the repository root:
``python runs/data/make_county_list.py [OUT]`` (default: next to this script).
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SEED = 2024
TARGET = Path(__file__).with_name("xiangcheng_county_list.xlsx")
COUNTY = "襄城县"
TITLE = "许昌市襄城县重污染天气应急减排清单（2024年修订版）"
FILER = "填报单位：许昌市生态环境局襄城分局            填报日期：2024年9月30日"
HEADER = ["序号", "企业名称", "所属县（区）", "行业", "绩效级别", "生产工序/生产线",
          "SO2排放量（吨/年）", "NOx排放量（吨/年）", "颗粒物排放量（吨/年）",
          "VOCs排放量（吨/年）", "黄色预警减排措施", "橙色预警减排措施", "红色预警减排措施",
          "是否民生保障", "重点用车企业", "是否安装在线监测", "备注"]
FOOTNOTE = ("注：1.排放量为2023年排放源统计数据；2.民生保障企业按照供热需求组织生产，负荷不超过"
            "保障需要；3.A级、引领性企业自主采取减排措施；4.本表企业均为虚构示例。")
# Fixed workbook timestamps, so the same seed writes the same bytes.
STAMP = "2024-09-30T00:00:00Z"
ZIP_TIME = (2024, 9, 30, 0, 0, 0)

# Measures as a county writes them, per grade: (yellow, orange, red). Levels are the
# technical guide's pattern (sources.md §4.3, §14: A/引领性 self-reduce, B 以限代停, C 以停代限,
# D stops); the percentages are assumptions of this made-up list.
SELF = ("自主减排", "自主采取减排措施", "自主采取减排措施")
MEASURES = {
    "A": SELF, "引领性": SELF,
    "B": ("限产20%", "限产30%", "限产50%"),
    "C": ("限产30%", "限产50%", "停产"),
    "非引领性": ("限产30%", "停产", "停产"),
    "D": ("停产", "停产", "停产"),
}
HEAT = ("按照供热需求组织生产", "按照供热需求组织生产", "以热定产，负荷不超过80%")


@dataclass(frozen=True)
class Kind:
    """A kind of plant: its 行业 as written, name words, grades drawn from, median t/a."""

    industry: str
    words: tuple[str, ...]
    grades: tuple[str, ...]
    medians: tuple[float, float, float, float]  # SO2, NOx, PM, VOCs, t/a (assumption)
    count: int
    key_vehicles: bool = False  # 重点用车企业: bulk materials by truck (sources.md §5)


KINDS = (
    Kind("焦化", ("焦化", "煤化工"), ("B", "C"), (60.0, 180.0, 40.0, 25.0), 2, True),
    Kind("耐火材料", ("耐火材料", "耐材"), ("B", "C", "D"), (4.0, 10.0, 6.0, 0.2), 4, True),
    Kind("砖瓦窑", ("新型墙材", "建材"), ("B", "C"), (8.0, 12.0, 6.0, 0.1), 3, True),
    Kind("铸造", ("铸造", "机械铸件"), ("A", "B", "C"), (1.0, 2.0, 5.0, 1.0), 3),
    Kind("工业涂装", ("涂装", "钢结构"), ("B", "C"), (0.1, 0.3, 0.5, 6.0), 3),
    Kind("包装印刷", ("彩印", "包装"), ("A", "B", "C"), (0.0, 0.1, 0.1, 4.0), 2),
    Kind("其他", ("食品", "面业"), ("引领性", "非引领性"), (0.6, 2.0, 1.0, 1.5), 3),
)
TRADE_NAMES = ("鑫源", "豫龙", "汇丰", "宏达", "金港", "天瑞", "盛华", "中原", "恒通", "瑞祥",
               "万和", "广利", "东升", "华鑫", "隆昌", "平安", "永盛", "兴业", "佳和", "顺发",
               "嘉禾", "正阳", "福源", "昌达", "新科", "润丰", "泰和", "永安", "金诺", "康达")


def _tonnes(rng: np.random.Generator, medians: tuple[float, ...]) -> list[float]:
    size = rng.normal(0.0, 0.5)
    return [round(m * float(np.exp(size + rng.normal(0.0, 0.2))), 3) for m in medians]


def list_rows(seed: int = SEED) -> list[list]:
    """The table's data rows: one per plant, or one per line for the two multi-line plants."""
    rng = np.random.default_rng(seed)
    names = iter(rng.permutation(TRADE_NAMES))
    rows: list[list] = []

    def add(name, industry, grade, line, tonnes, measures, livelihood=False, trucks=False,
            online=False, remark=""):
        yes = {True: "是", False: "否"}
        rows.append([name, COUNTY, industry, grade, line, *tonnes, *measures, yes[livelihood],
                     yes[trucks], yes[online], remark])

    # A cement plant on two line rows: the kiln is limited, the grinding stops first.
    cement = f"襄城县{next(names)}水泥有限公司"
    add(cement, "水泥", "B级", "熟料生产线", _tonnes(rng, (30.0, 120.0, 25.0, 0.5)),
        ("限产20%", "限产30%，停止使用国四及以下重型柴油货车运输", "停产"), trucks=True,
        online=True)
    add(cement, "水泥", "B级", "水泥粉磨", [0.0, 0.0, round(8 * float(rng.lognormal(0, .3)), 3),
                                           0.0],
        ("限产20%", "停止水泥粉磨工序", "停产"), trucks=True, online=True)
    # A heat plant (民生保障, graded 引领性: protected firms reach B or better, sources.md §14).
    add(f"襄城县{next(names)}热力有限公司", "其他", "引领性", "1#燃煤锅炉",
        _tonnes(rng, (25.0, 45.0, 6.0, 0.3)), HEAT, livelihood=True, online=True,
        remark="集中供热")
    for kind in KINDS:
        for _ in range(kind.count):
            grade = kind.grades[int(rng.integers(len(kind.grades)))]
            name = f"襄城县{next(names)}{kind.words[int(rng.integers(len(kind.words)))]}有限公司"
            written = grade if grade in ("引领性", "非引领性") else f"{grade}级"
            if kind.industry == "焦化":  # two line rows: coke ovens and the by-product plant
                tonnes = _tonnes(rng, kind.medians)
                oven = [round(t * 0.8, 3) for t in tonnes]
                add(name, kind.industry, written, "焦炉", oven, MEASURES[grade],
                    trucks=kind.key_vehicles)
                add(name, kind.industry, written, "化产回收",
                    [round(t - o, 3) for t, o in zip(tonnes, oven, strict=True)],
                    MEASURES[grade], trucks=kind.key_vehicles)
                continue
            add(name, kind.industry, written, "", _tonnes(rng, kind.medians), MEASURES[grade],
                trucks=kind.key_vehicles)
    return rows


def workbook_bytes(seed: int = SEED) -> bytes:
    """The list as an .xlsx workbook, byte for byte the same for the same seed."""
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "应急减排清单"
    width = len(HEADER)
    ws.append([TITLE])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.append([FILER])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws.append(HEADER)
    rows = list_rows(seed)
    serial, last = 0, None
    for row in rows:
        if row[0] != last:  # 序号 counts plants: a plant's second line row repeats it
            serial, last = serial + 1, row[0]
        ws.append([serial, *row])
        if ws.max_row > 4 and row[0] == ws.cell(ws.max_row - 1, 2).value:
            _merge_down(ws, ws.max_row - 1)
    totals = [round(sum(r[5 + j] for r in rows), 3) for j in range(4)]
    ws.append(["合计", "", "", "", "", "", *totals])
    ws.append([FOOTNOTE])
    ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=width)
    for column, chars in zip("ABCDEFGHIJKLMNOPQ", (5, 30, 10, 10, 9, 12, 9, 9, 9, 9, 22, 30, 16,
                                                   8, 8, 8, 10), strict=True):
        ws.column_dimensions[column].width = chars
    buffer = io.BytesIO()
    book.save(buffer)
    return _fixed_times(buffer.getvalue())


# Columns an officer merges down a plant's line rows where both rows say the same (1-based):
# 序号, 企业名称, 所属县（区）, 行业, 绩效级别, the three measure texts, the three flags.
MERGED_DOWN = (1, 2, 3, 4, 5, 11, 12, 13, 14, 15, 16)


def _merge_down(ws, first: int) -> None:
    """Merge the plant's equal cells over its two line rows, as a county officer does (Excel
    keeps the top cell's value only)."""
    for col in MERGED_DOWN:
        if ws.cell(first, col).value == ws.cell(first + 1, col).value:
            ws.merge_cells(start_row=first, start_column=col, end_row=first + 1, end_column=col)


def _fixed_times(data: bytes) -> bytes:
    """The workbook with its creation/modification stamps and zip entry times fixed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
                                 rb"\g<1>" + STAMP.encode(), content)
            dst.writestr(zipfile.ZipInfo(info.filename, ZIP_TIME), content,
                         zipfile.ZIP_DEFLATED)
    return out.getvalue()


def main(out: Path = TARGET, seed: int = SEED) -> Path:
    out.write_bytes(workbook_bytes(seed))
    return out


if __name__ == "__main__":
    print(main(Path(sys.argv[1]) if len(sys.argv) > 1 else TARGET))
