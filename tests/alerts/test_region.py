"""Regional linkage on small graphs: Henan-style adjacency, Guanzhong-style zones, dispatch."""

import pytest

from alerts.io import AlertInputError, load_region
from alerts.levels import Level
from alerts.region import Region
from tests.alerts.helpers import at, series, timeline

# mee-2019 through the lifecycle (72 h forecast window): yellow over hours 73..97, then orange
ORANGE = series((210.0, 80))  # 80 h above 200 → yellow 73..97, orange 97..176
SHORT_ORANGE = series((210.0, 74))  # yellow 73..97, orange 97..170
YELLOW = series((210.0, 30))  # 2 days above 200 (chains ending 96..101): yellow over hours 73..126
RED = series((320.0, 100))  # > 300 for 100 h: yellow 73..97, orange 97..121, red 121..196
CLEAN = series()


def chain(n: int, extra: dict | None = None, **rule) -> Region:
    """Cities C1 … Cn in a row (each borders the next) in zone "henan", plus one rule."""
    names = [f"C{i}" for i in range(1, n + 1)]
    cities = [{"name": c, "zones": ["henan"],
               "neighbours": names[i + 1:i + 2]} for i, c in enumerate(names)]
    data = {"city": cities, "rule": [{"id": "henan-2016", "kind": "adjacent", "zone": "henan",
                                      "min_cities": 6, "at_least": "orange", "level": "orange",
                                      **rule}]}
    data.update(extra or {})
    return Region.from_dict(data)


def test_graph_holds_cities_zones_adjacency_and_counties():
    region = Region.from_dict({
        "city": [{"name": "郑州", "province": "河南", "zones": ["henan"], "neighbours": ["开封"]},
                 {"name": "开封", "zones": ["henan"]}],
        "county": [{"name": "中牟县", "city": "郑州"}]})
    assert sorted(region.cities()) == ["开封", "郑州"]
    assert region.zone_members("henan") == ["开封", "郑州"]
    assert region.counties("郑州") == ["中牟县"]
    assert region.graph.edges["郑州", "开封"]["kind"] == "adjacent"
    assert region.graph.nodes["郑州"]["province"] == "河南"


def test_six_adjacent_cities_at_orange_hold_each_other_at_orange():
    # C1..C6 orange until hour 176 except C6 (own orange ends at 170); C7 yellow, adjacent to C6.
    # Six adjacent cities meet orange over hours 96..170, so the provincial orange covers C1..C6
    # over that stretch; C6's own alert ends exactly then, C7 is not at orange: not raised.
    truths = {f"C{i}": ORANGE for i in range(1, 6)} | {"C6": SHORT_ORANGE, "C7": YELLOW}
    windows = timeline(truths, region=chain(7))
    assert all(w.trigger == "forecast" for w in windows["C7"])
    assert [w.level for w in windows["C7"]] == [Level.YELLOW]
    assert all(w.trigger == "forecast" for c in windows for w in windows[c])  # no level raised


def test_adjacent_rule_raises_the_group_to_a_higher_level():
    # same rule but raising to red: the six adjacent orange cities go red while ≥ 6 hold
    truths = {f"C{i}": ORANGE for i in range(1, 7)} | {"C7": YELLOW}
    windows = timeline(truths, region=chain(7, level="red"))
    red = [w for w in windows["C1"] if w.level == Level.RED]
    assert [(w.start, w.end, w.trigger) for w in red] == [(at(97), at(176), "regional")]
    # known once all six had announced orange (their upgrade at hour 82)
    assert red[0].issued_at == windows["C2"][1].issued_at == at(82)
    assert "6 cities at orange or above" in red[0].reason
    assert all(w.level != Level.RED for w in windows["C7"])


def test_five_adjacent_or_six_scattered_cities_do_not_trigger():
    five = {f"C{i}": ORANGE for i in range(1, 6)} | {"C6": YELLOW, "C7": YELLOW}
    assert not any(w.trigger == "regional"
                   for ws in timeline(five, region=chain(7, level="red")).values() for w in ws)
    # C1..C3 and C5..C7 orange, C4 clean: two groups of three neighbours
    gap = {f"C{i}": ORANGE for i in (1, 2, 3, 5, 6, 7)} | {"C4": CLEAN}
    assert not any(w.trigger == "regional"
                   for ws in timeline(gap, region=chain(7, level="red")).values() for w in ws)


def test_a_city_stays_raised_until_the_region_lifts():
    # C1..C7 orange, C7's own alert shorter: C7 joined the group, so while C1..C6 hold (to 176)
    # it stays at red even after its own orange has ended (170).
    truths = {f"C{i}": ORANGE for i in range(1, 7)} | {"C7": SHORT_ORANGE}
    windows = timeline(truths, region=chain(7, level="red"))
    (red,) = [w for w in windows["C7"] if w.level == Level.RED]
    assert (red.start, red.end) == (at(97), at(176))


def guanzhong(**rule) -> Region:
    cities = [{"name": c, "zones": ["guanzhong"]} for c in ("西安", "咸阳", "宝鸡", "渭南")]
    return Region.from_dict({"city": cities, "rule": [
        {"id": "guanzhong", "kind": "zone", "zone": "guanzhong", "min_cities": 3,
         "at_least": "red", "level": "red", "source": "sources.md §3.4", **rule}]})


def test_three_red_zone_cities_make_every_zone_city_red():
    truths = {"西安": RED, "咸阳": RED, "宝鸡": RED, "渭南": YELLOW}
    windows = timeline(truths, region=guanzhong())
    assert [(w.level, w.start, w.end, w.trigger) for w in windows["渭南"]] == [
        (Level.YELLOW, at(73), at(121), "forecast"), (Level.RED, at(121), at(196), "regional")]
    assert "[sources.md §3.4]" in windows["渭南"][1].reason


def test_two_red_zone_cities_do_not():
    truths = {"西安": RED, "咸阳": RED, "宝鸡": YELLOW, "渭南": YELLOW}
    windows = timeline(truths, region=guanzhong())
    assert [w.level for w in windows["渭南"]] == [Level.YELLOW]


def test_dispatch_order_sets_a_floor_and_never_lowers():
    region = Region.from_dict({
        "city": [{"name": c, "zones": ["shanxi"]} for c in ("太原", "大同", "晋中")],
        "dispatch": [{"id": "No.4", "zone": "shanxi", "except": ["大同"], "level": "orange",
                      "issued_at": "2023-12-13T18:00", "start": "2023-12-14T00:00",
                      "end": "2023-12-15T00:00"}]})
    truths = {"太原": CLEAN, "大同": CLEAN, "晋中": RED}
    windows = timeline(truths, region=region)
    assert [(w.level, w.issued_at, w.start, w.end, w.trigger) for w in windows["太原"]] == [
        (Level.ORANGE, at(90), at(96), at(120), "dispatch")]
    assert windows["大同"] == []
    # the order is a floor: 晋中's own yellow hour 96 is raised, its orange and red stay
    assert [(w.level, w.start, w.end, w.trigger) for w in windows["晋中"]] == [
        (Level.YELLOW, at(73), at(96), "forecast"), (Level.ORANGE, at(96), at(97), "dispatch"),
        (Level.ORANGE, at(97), at(121), "forecast"), (Level.RED, at(121), at(196), "forecast")]


def test_region_file_errors_name_the_key(tmp_path):
    path = tmp_path / "region.toml"
    path.write_text('[[city]]\nname = "A"\nneighbours = ["B"]\n', encoding="utf-8")
    with pytest.raises(AlertInputError, match=r"region.toml: key city\[0\].neighbours: value 'B'"):
        load_region(path)
    path.write_text('[[city]]\nname = "A"\nzones = ["z"]\n[[rule]]\nkind = "ring"\nzone = "z"\n',
                    encoding="utf-8")
    with pytest.raises(AlertInputError, match=r"key rule\[0\].kind: value 'ring'"):
        load_region(path)


# -- unified alerts on a zone forecast ----------------------------------------------------------
def basin(forecast: str = "mean") -> Region:
    """Cities B1, B2, B3 in zone "basin" with one unified rule."""
    names = ["B1", "B2", "B3"]
    return Region.from_dict({
        "city": [{"name": c, "zones": ["basin"]} for c in names],
        "rule": [{"id": "basin", "kind": "unified", "zone": "basin", "forecast": forecast,
                  "source": "test"}]})


def test_unified_zone_decides_on_the_mean_forecast_and_dispatches_it():
    # B1 and B2 at 320 for 100 h, B3 clean at 100: the zone mean is (320 + 320 + 100)/3 = 246.7
    # over those hours — above 200, never above 300: the zone reaches orange (mee-2019: > 200
    # for 3 days), not red, and B3, clean on its own, takes the zone's decisions
    windows = timeline({"B1": RED, "B2": RED, "B3": CLEAN}, region=basin())
    assert [(w.level, w.trigger) for w in windows["B3"]] == [(Level.YELLOW, "regional"),
                                                             (Level.ORANGE, "regional")]
    # as ORANGE (80 h above 200): yellow from 73, orange from 97; 100 h above 200 end at 196
    assert [(w.start, w.end) for w in windows["B3"]] == [(at(73), at(97)), (at(97), at(196))]
    assert windows["B3"][0].reason.startswith(
        "regional yellow (basin, unified; zone forecast = mean of B1, B2, B3 under mee-2019)")
    # B1's own red is higher: its own decisions stay
    assert max(w.level for w in windows["B1"]) == Level.RED
    assert all(w.trigger == "forecast" for w in windows["B1"])


def test_unified_zone_on_the_worst_forecast_is_the_worst_city():
    windows = timeline({"B1": RED, "B2": CLEAN, "B3": CLEAN}, region=basin("worst"))
    assert [w.level for w in windows["B3"]] == [Level.YELLOW, Level.ORANGE, Level.RED]
    assert [(w.start, w.end) for w in windows["B3"]] == [
        (w.start, w.end) for w in windows["B1"]]


def test_unified_rule_names_its_forecast():
    with pytest.raises(ValueError, match=r"rule\[0\].forecast: value 'median' — expected mean "
                                         "or worst"):
        basin("median")
