"""Messages made as a code and fields (reading notes, review findings) said in each language:
English gives the English line back byte for byte, Chinese says every note of a real list."""

from __future__ import annotations

import pickle
import re

import pytest

from enterprises.errors import Note
from enterprises.io import read_inventory
from simulator.lang.catalogue import catalogue
from simulator.lang.messages import message, note_text
from tests.enterprises.test_merged_cells import two_row_merged_xlsx
from tests.enterprises.test_real_lists import county_xlsx, gbk_csv, two_row_header_xlsx

pytest.importorskip("openpyxl")
# English words a Chinese note must not keep (file names, headers and ids are the user's own)
ENGLISH = re.compile(r"\b(row|rows|column|columns|skipped|header|footnote|converted|read as|"
                     r"not read|enterprise|applies|clause)\b")


def _readings(tmp_path):
    units = tmp_path / "units.csv"
    units.write_text("企业编号,企业名称,所属城市,区县,行业,绩效等级,SO₂（kg/h）,NOx(千克/小时),"
                     "颗粒物【kg/h】,VOCs（吨/年）\nE1,甲厂,漯河,郾城区,水泥,C,1,2,3,4\n",
                     encoding="utf-8")
    return [read_inventory(county_xlsx(tmp_path / "county.xlsx"), city="漯河"),
            read_inventory(gbk_csv(tmp_path / "许昌.csv")),
            read_inventory(units),
            read_inventory(two_row_header_xlsx(tmp_path / "two.xlsx"), city="漯河"),
            read_inventory(two_row_merged_xlsx(tmp_path / "pm.xlsx", pm_merged=True),
                           city="漯河"),
            read_inventory("runs/data/xiangcheng_county_list.xlsx", city="许昌")]


@pytest.fixture(scope="module")
def notes(tmp_path_factory):
    return [n for r in _readings(tmp_path_factory.mktemp("lists")) for n in r.notes]


def test_every_note_of_the_lists_has_a_code_and_english_gives_it_back(notes):
    codes = {n.code for n in notes}
    assert all(isinstance(n, Note) for n in notes)
    # the lists between them hit every kind of note but kg/a
    assert codes >= {"title_row", "header_row", "header_rows", "footnote_row", "total_row",
                     "single_cell_row", "merged_once", "kg_h_own_hours", "kg_h_default_hours",
                     "columns_recognised", "columns_unused", "no_id_column", "line_rows",
                     "own_unread"}
    for note in notes:
        assert note_text(note, "en") == str(note)


def test_chinese_says_every_note_in_chinese(notes):
    for note in notes:
        said = note_text(note, "zh")
        assert not ENGLISH.search(said), said
        assert f"note.{note.code}" in catalogue("zh")


def test_chinese_notes_golden(notes):
    said = {note_text(n, "zh") for n in notes}
    assert "第1行：标题行已跳过：漯河市临颍县重污染天气应急减排清单" in "\n".join(said)
    assert "表头在第2行和第3行（两行表头）" in said
    assert ("6行读作3家企业的生产线：襄城县永安水泥有限公司（第4、5行）；襄城县瑞祥焦化有限公司"
            "（第7、8行）；襄城县鑫源焦化有限公司（第9、10行）") in said
    assert any(s.startswith("“排放量（吨/年）/颗粒物”列：向下合并到第6、7行的值只计一次")
               for s in said)
    assert any(s.startswith("第8行“黄色预警减排措施”列：临颍县鑫源铸造厂（R8）的措施 '加强洒水抑尘'"
                            " 未能读取") and s.endswith("按目录中铸造C级的措施执行")
               for s in said)


def test_a_note_is_its_english_line_and_pickles_with_its_code():
    note = Note("header_rows", "header in row 3 and 4 (two rows)", row=3, second=4)
    assert note == "header in row 3 and 4 (two rows)" and isinstance(note, str)
    back = pickle.loads(pickle.dumps(note))
    assert (back, back.code, back.fields) == (note, "header_rows", {"row": 3, "second": 4})
    assert note_text("a plain line", "zh") == "a plain line"  # no code: as it is


def test_fields_naming_ids_gain_their_names():
    fields = {"industry": "foundry", "grade": "C", "level": "orange", "other_level": "red",
              "class": "livelihood", "grade_after": "A"}
    assert message("finding", "nonexistent", fields, "zh", "kept") == "kept"
    said = message("finding", "exempt_below_b", {"grade": "C", "class": "livelihood"}, "zh")
    assert said == "C级企业获得豁免（民生保障）；保障类企业本身须达到B级及以上（sources.md §14）"
