"""The vectorised observation readers give what the row-wise readers gave, value for value.

``tests/alerts/legacy_io.py`` is the reader as it was before issue 18 (pandas, per-row checks);
every layout and spelling below is read by both and compared exactly: the per-city tables
(values, dtypes, index, columns), the gap report, the long table of one file, and the one-line
error of a bad file. A GBK file reads as its UTF-8 twin.
"""

import gzip
import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts import io
from tests.alerts import legacy_io

UCI_HEADER = "No,year,month,day,hour,PM2.5,PM10,SO2,NO2,CO,O3,TEMP,PRES,DEWP,RAIN,wd,WSPM,station"


def uci_text(station, start="2017-01-01 00:00", hours=30, seed=0, header=UCI_HEADER):
    rng = np.random.default_rng(seed)
    lines = [header]
    for i in range(hours):
        t = pd.Timestamp(start) + pd.Timedelta(hours=i)
        cells = [f"{v:.1f}" for v in rng.uniform(2, 300, 5)]
        cells[rng.integers(0, 5)] = ["NA", "", "—", "NA", " 12 "][i % 5]
        co = f"{rng.uniform(200, 3000):.1f}"
        lines.append(f"{i + 1},{t.year},{t.month},{t.day},{t.hour},{cells[0]},{cells[1]},"
                     f"{cells[2]},{cells[3]},{co},{cells[4]},-1.0,1020,-15,0,NW,2.1,{station}")
    return "\n".join(lines) + "\n"


def national_text(days=2):
    rows = ["date,hour,type,北京,漯河,郑州"]
    for day in range(days):
        for hour in range(24):
            date = f"202312{18 + day:02d}"
            for kind, base in (("AQI", 120), ("PM2.5", 90), ("PM2.5_24h", 88), ("PM10", 150),
                               ("CO", 1.2), ("O3_8h_24h", 40), ("O3", 30)):
                a, b = base + hour, "" if hour % 7 == 3 else f"{base * 1.1 + day:.2f}"
                rows.append(f"{date},{hour},{kind},{a},{b},{'—' if hour == 5 else base}")
    return "\n".join(rows) + "\n"


def long_text():
    rows = ["time,city,station,pollutant,value"]
    for h in range(40):
        t = pd.Timestamp("2023-12-18 00:00") + pd.Timedelta(hours=h)
        for station, scale in (("S1", 1.0), ("S2", 1.3)):
            rows.append(f"{t:%Y-%m-%d %H:%M},漯河,{station},PM2.5,"
                        f"{'' if h % 9 == 0 else round(80 * scale + h, 1)}")
            rows.append(f"{t:%Y-%m-%d %H:%M},漯河,{station},NO2,{'NA' if h % 4 else 40 + h}")
    return "\n".join(rows) + "\n"


def wide_text():
    rows = ["time,city,PM2.5,PM10,daily_aqi"]
    for h in range(30):
        t = pd.Timestamp("2024-01-01 00:00") + pd.Timedelta(hours=h)
        rows.append(f"{t:%Y-%m-%d %H:%M},安阳,{100 + h},{'N/A' if h == 3 else 160 + h},")
    return "\n".join(rows) + "\n"


def write(path, text, encoding="utf-8"):
    data = text.encode(encoding)
    path.write_bytes(gzip.compress(data, mtime=0) if path.name.endswith(".gz") else data)
    return path


def assert_same_observations(paths, **kwargs):
    old = legacy_io.load_observations(paths, **kwargs)
    new = io.load_observations(paths, **kwargs)
    assert old.daily == new.daily and list(old.cities) == list(new.cities)
    for city in old.cities:
        pd.testing.assert_frame_equal(old.cities[city], new.cities[city], check_exact=True)
    pd.testing.assert_frame_equal(old.gaps(), new.gaps(), check_exact=True)
    for city, series in old.daily_aqi().items():
        pd.testing.assert_series_equal(series, new.daily_aqi()[city], check_exact=True)


def test_uci_station_files_with_missing_spellings(tmp_path):
    paths = [write(tmp_path / f"PRSA_{s}.csv", uci_text(s, seed=k))
             for k, s in enumerate(("Dongsi", "Tiantan", "Gucheng"))]
    assert_same_observations(paths, city="北京")


def test_uci_gzip_bom_and_odd_header_spellings(tmp_path):
    header = ("\ufeffNo,year,month,day,hour, pm2.5 ,Pm10,so2,NO2 ,co,o3,TEMP,PRES,DEWP,RAIN,wd,"
              "WSPM,station")
    a = write(tmp_path / "PRSA_A.csv.gz", uci_text("Aotizhongxin", header=header))
    b = write(tmp_path / "PRSA_B.csv", uci_text("Dongsi", seed=3, header=header))
    assert_same_observations([a, b], city="北京")
    for path in (a, b):
        pd.testing.assert_frame_equal(legacy_io.read_observation_file(path, "北京"),
                                      io.read_observation_file(path, "北京"), check_exact=True)


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz"])
def test_national_long_and_wide_layouts(tmp_path, suffix):
    paths = [write(tmp_path / f"china_cities{suffix}", national_text()),
             write(tmp_path / f"long{suffix}", long_text()),
             write(tmp_path / f"wide{suffix}", wide_text())]
    for path in paths:
        assert_same_observations([path])
        pd.testing.assert_frame_equal(legacy_io.read_observation_file(path),
                                      io.read_observation_file(path), check_exact=True)
    assert_same_observations(paths[:2], only_city="漯河")


def test_gbk_file_reads_as_its_utf8_twin(tmp_path):
    text = national_text(days=1)
    utf8 = write(tmp_path / "utf8.csv", text)
    gbk = write(tmp_path / "gbk.csv", text, encoding="gbk")
    old = legacy_io.load_observations([utf8])
    new = io.load_observations([gbk])
    for city in old.cities:
        pd.testing.assert_frame_equal(old.cities[city], new.cities[city], check_exact=True)


BAD_FILES = {
    "text value": ("time,city,PM2.5\n2024-01-01 00:00,安阳,12\n2024-01-01 01:00,安阳,abc\n"),
    "nan spelled out": ("time,city,PM2.5\n2024-01-01 00:00,安阳,nan\n"),
    "negative": ("time,city,PM2.5\n2024-01-01 00:00,安阳,-3\n"),
    "bad time": ("time,city,PM2.5\n2024-01-01 00:00,安阳,12\nyesterday,安阳,3\n"),
    "implausible CO": ("time,city,CO\n2024-01-01 00:00,安阳,800\n"),
    "ragged row": ("time,city,PM2.5\n2024-01-01 00:00,安阳,12,7\n"),
    "short row": ("time,city,PM2.5\n2024-01-01 00:00,安阳\n"),
    "repeated header": ("time,city,PM2.5,PM2.5\n2024-01-01 00:00,安阳,12,13\n"),
    "duplicate hour": ("time,city,PM2.5\n2024-01-01 00:00,安阳,12\n2024-01-01 00:00,安阳,13\n"),
    "unknown pollutant": ("time,city,pollutant,value\n2024-01-01 00:00,安阳,PM1,3\n"),
    "bad hour": ("date,hour,type,北京\n20231218,24,PM2.5,3\n"),
    "no rows": ("time,city,PM2.5\n"),
    "unknown layout": ("when,where\n1,2\n"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_files_fail_with_the_same_line(tmp_path, name):
    path = write(tmp_path / "obs.csv", BAD_FILES[name])
    outcomes = []
    for reader in (legacy_io, io):
        try:
            obs = reader.load_observations([path])
            outcomes.append(repr({c: f.to_dict() for c, f in obs.cities.items()}))
        except ValueError as bad:
            outcomes.append(str(bad))
    assert outcomes[0] == outcomes[1]


CELL = st.one_of(
    st.sampled_from(["", "NA", "N/A", "—", "-", "null", " 7 ", "0", "-0", "1e2", "+5", ".5",
                     "0001", "inf"]),
    st.floats(0, 2000, allow_nan=False).map(lambda v: f"{v:.3f}"),
    st.floats(0, 2000, allow_nan=False).map(repr),
)


@settings(max_examples=60)
@given(st.lists(CELL, min_size=1, max_size=30))
def test_any_cells_give_the_same_numbers_or_the_same_error(cells):
    frame = pd.DataFrame({"v": pd.Series(cells, dtype="str").str.strip()})
    outcomes = []
    for reader in (legacy_io, io):
        try:
            outcomes.append(reader._numbers(frame, "v", io.Path("f.csv")).to_numpy())
        except ValueError as bad:
            outcomes.append(str(bad))
    # equal values (pandas itself reads "-0" as 0 or as -0 depending on the other cells)
    np.testing.assert_array_equal(*outcomes)


def test_progress_hears_every_byte_once_and_in_order(tmp_path):
    paths = [write(tmp_path / f"PRSA_{s}.csv", uci_text(s, hours=500)) for s in ("A", "B")]
    heard = []
    io.load_observations(paths, city="北京", progress=lambda done, total: heard.append(
        (done, total)))
    total = sum(p.stat().st_size for p in paths)
    assert heard[-1] == (total, total)
    assert all(b[0] >= a[0] for a, b in itertools.pairwise(heard))
    assert {t for _, t in heard} == {total}


# --- reading file by file: city sums instead of one joined table ---------------------------

ROW = st.tuples(st.integers(0, 2), st.integers(0, 3), st.integers(0, 30),
                st.sampled_from(["PM2.5", "NO2", "CO", "daily_aqi"]),
                st.one_of(st.just(np.nan), st.floats(0, 500, allow_nan=False),
                          st.sampled_from([0.1, 0.2, 0.3, 1e-9, 1e9]), st.just(np.inf)))


def long_part(rows, midnight):
    step = pd.Timedelta(days=1 if midnight else 0, hours=0 if midnight else 1)
    return pd.DataFrame({
        "time": pd.to_datetime([pd.Timestamp("2023-11-15") + k * step for _, _, k, _, _ in rows]
                               ).astype("datetime64[ns]"),
        "city": [["郑州", "安阳", "北京"][c] for c, _, _, _, _ in rows],
        "station": [f"S{s}" for _, s, _, _, _ in rows],
        "pollutant": [q for *_, q, _ in rows],
        "value": [v for *_, v in rows]})


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(ROW, min_size=1, max_size=25), min_size=1, max_size=5), st.booleans(),
       st.sampled_from([1, 4, 1 << 16]))
def test_city_sums_file_by_file_equal_the_mean_of_the_joined_files(parts, midnight, waiting):
    """Exact equality with the old reader's grouped mean over all files joined: each value is
    added in row order with the same compensated sum, however the files split the rows, the
    rows repeat a city, time and quantity, or new keys wait for their merge."""
    from alerts import observations

    frames = [long_part(rows, midnight) for rows in parts]
    hours = observations.CityHours()
    hours._sums.MIN_WAITING = waiting
    for frame in frames:
        hours.add(frame)
    new = hours.observations()
    old = legacy_io.city_frames(pd.concat(frames, ignore_index=True))
    assert new.daily == old.daily and list(new.cities) == list(old.cities)
    for city, frame in old.cities.items():
        # (a city with no valid value: the old frame's columns were unnamed)
        pd.testing.assert_frame_equal(new.cities[city], frame.rename_axis(columns="pollutant"),
                                      check_exact=True)


def test_sums_are_compensated_and_in_row_order():
    """Hand case: 1e16 + 1 + 1 is 1e16 + 2 with compensation, 1e16 without; the mean of the
    three is (1e16 + 2) / 3, as pandas' grouped mean gives it."""
    from alerts import observations

    rows = [(0, s, 0, "PM2.5", v) for s, v in enumerate([1e16, 1.0, 1.0])]
    hours = observations.CityHours()
    for row in rows:
        hours.add(long_part([row], midnight=False))
    value = hours.observations().cities["郑州"]["PM2.5"].iloc[0]
    assert value == (1e16 + 2) / 3 == pd.Series([1e16, 1.0, 1.0]).groupby([0, 0, 0]).mean()[0]
    assert value != sum([1e16, 1.0, 1.0]) / 3


def test_a_row_repeated_in_another_file_is_named_there(tmp_path):
    a = write(tmp_path / "a.csv", long_text())
    b = write(tmp_path / "b.csv", long_text())
    with pytest.raises(io.AlertInputError,
                       match=r"b.csv: column time: value '2023-12-18 00:00' — expected one "
                             r"PM2.5 value per hour and station, found two"):
        io.load_observations([a, b])
    # the last hours again, in a second file: the first repeated row of that file is named
    text = long_text().splitlines()
    tail = write(tmp_path / "tail.csv", "\n".join([text[0], *text[-8:]]) + "\n")
    with pytest.raises(io.AlertInputError, match=r"tail.csv: column time: value "
                                                 r"'2023-12-19 14:00' — expected one PM2.5"):
        io.load_observations([a, tail])


def test_files_sharing_hours_but_not_stations_or_pollutants_are_no_repeat(tmp_path):
    text = long_text().splitlines()
    s1 = [text[0], *(line for line in text[1:] if ",S1," in line)]
    s2 = [text[0], *(line for line in text[1:] if ",S2," in line)]
    pm = [text[0], *(line for line in text[1:] if "PM2.5" in line)]
    no2 = [text[0], *(line for line in text[1:] if "NO2" in line)]
    for one, two in ((s1, s2), (pm, no2)):
        paths = [write(tmp_path / "one.csv", "\n".join(one) + "\n"),
                 write(tmp_path / "two.csv", "\n".join(two) + "\n")]
        assert_same_observations(paths)


def test_times_outside_what_a_reading_holds_are_refused(tmp_path):
    fraction = write(tmp_path / "f.csv", "time,city,PM2.5\n2024-01-01 00:00:00.5,安阳,3\n")
    with pytest.raises(io.AlertInputError, match=r"f.csv: row 2, column time: value "
                                                 r"'2024-01-01 00:00:00.5' — expected a time on "
                                                 r"a whole second, 1900–2172"):
        io.load_observations([fraction])
    old = write(tmp_path / "u.csv", UCI_HEADER + "\n1,1850,1,1,0,3,,,,,,,,,,,,A\n")
    with pytest.raises(io.AlertInputError, match=r"u.csv: row 2, column year/month/day/hour: "
                                                 r"value '1850-1-1-0' — expected a valid date"):
        io.load_observations([old], city="北京")


def test_files_parsed_side_by_side_read_as_in_turn(tmp_path):
    """``parse_files`` with a pool's ``map``: the same tables, progress to the last byte, and a
    repeat across files still found."""
    from concurrent.futures import ThreadPoolExecutor

    paths = [write(tmp_path / f"PRSA_{s}.csv", uci_text(s, seed=k, hours=80))
             for k, s in enumerate(("Dongsi", "Tiantan", "Gucheng"))]
    heard = []
    with ThreadPoolExecutor(2) as pool:
        parsed = io.parse_files(paths, "北京", mapper=pool.map,
                                progress=lambda done, total: heard.append((done, total)))
        side_by_side = io.load_observations(paths, "北京", parsed=parsed)
        total = sum(p.stat().st_size for p in paths)
        assert heard[-1] == (total, total)
        in_turn = io.load_observations(paths, "北京")
        pd.testing.assert_frame_equal(side_by_side.cities["北京"], in_turn.cities["北京"],
                                      check_exact=True)
        twice = [*paths, paths[0]]
        with pytest.raises(io.AlertInputError, match="PRSA_Dongsi.csv: column time"):
            io.load_observations(twice, "北京", parsed=io.parse_files(twice, "北京",
                                                                     mapper=pool.map))
