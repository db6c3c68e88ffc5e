"""A corpus of malformed inputs, every input kind through the command that reads it.

The contract (docs/design.md, "Errors and safety"): a bad input ends the command with exit
code 2 and one line on stderr naming the file, never a traceback, and leaves no output
behind; an input saved as GBK reads like its UTF-8 original. The CLI runs in-process through
``main()``, so a case costs milliseconds unless it runs a simulation.
"""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.cli.app import main

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "runs" / "data"
RULES = ROOT / "alerts" / "rulesets" / "mee-2024.toml"
REGION = DATA / "luohe_xuchang_region.toml"

SCENARIO = """[scenario]
name = "corpus"
city = "漯河"
seed = 1
start = "2023-12-12T00:00"
end = "2023-12-20T00:00"
rules = "mee-2024"

[inventory]
file = "inventory.csv"

[forecast]
file = "forecast.csv"
"""


def observations_csv() -> bytes:
    """Two weeks of one city's hourly PM2.5 with a three-day heavy stretch."""
    times = pd.date_range("2023-12-01", periods=24 * 14, freq="h")
    pm = [180.0 if 24 * 4 <= i < 24 * 7 else 40.0 for i in range(len(times))]
    frame = pd.DataFrame({"time": times.strftime("%Y-%m-%d %H:%M"), "city": "漯河",
                          "PM2.5": pm, "NO2": 30.0})
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def inventory_csv(rows: int = 40) -> bytes:
    lines = (DATA / "luohe_inventory.csv").read_bytes().splitlines(keepends=True)
    return b"".join(lines[: rows + 1])


VALID = {
    "scenario": lambda: SCENARIO.encode("utf-8"),
    "inventory": inventory_csv,
    "forecast": lambda: (DATA / "luohe_2023-12_forecast.csv").read_bytes(),
    "observations": observations_csv,
    "observations_gz": lambda: gzip.compress(observations_csv(), mtime=0),
    "rules": RULES.read_bytes,
    "region": REGION.read_bytes,
    "measures": lambda: b"industry,grade,level,cut,basis\ncement,B,orange,0.5,limit\n",
}
FILE_NAMES = {"scenario": "scenario.toml", "inventory": "inventory.csv",
              "forecast": "forecast.csv", "observations": "obs.csv",
              "observations_gz": "obs.csv.gz", "rules": "rules.toml", "region": "region.toml",
              "measures": "measures.csv"}


def command(kind: str, folder: Path, out: Path) -> list[str]:
    """The command line that reads ``kind`` from ``folder`` and writes ``out`` (if anything)."""
    obs = str(folder / "obs.csv")
    return {
        "scenario": ["run", str(folder / "scenario.toml"), "--out", str(out), "--no-report",
                     "-q"],
        "inventory": ["run", str(folder / "scenario.toml"), "--out", str(out), "--no-report",
                      "-q"],
        "forecast": ["run", str(folder / "scenario.toml"), "--out", str(out), "--no-report",
                     "-q"],
        "observations": ["alerts", "--observations", obs, "-q"],
        "observations_gz": ["alerts", "--observations", str(folder / "obs.csv.gz"), "-q"],
        "rules": ["alerts", "--observations", obs, "--rules", str(folder / "rules.toml"), "-q"],
        "region": ["alerts", "--observations", obs, "--region", str(folder / "region.toml"),
                   "-q"],
        "measures": ["review", str(folder / "inventory.csv"), "--measures",
                     str(folder / "measures.csv"), "--format", "csv", "--out", str(out)],
    }[kind]


@pytest.fixture
def folder(tmp_path) -> Path:
    """Every input kind, valid, in one folder."""
    for kind, make in VALID.items():
        (tmp_path / FILE_NAMES[kind]).write_bytes(make())
    return tmp_path


def smogsim(capsys, argv: list[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as ended:
        main(argv)
    out, err = capsys.readouterr()
    code = ended.value.code
    return (0 if code is None else int(code)), out, err


def assert_refused(code: int, err: str, path: Path, out: Path | None = None) -> None:
    """Exit 2, one line on stderr that names the file, no traceback, nothing written (a list
    with several bad cells: one line per problem, each naming the file, as validate shows)."""
    assert code == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert lines[0].startswith("error: ")
    assert all(path.name in line or line.startswith("… and") for line in lines), err
    assert len(lines) == 1 or path.suffix == ".csv", err
    if out is not None:
        assert not out.exists()
        assert not [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}")]


# -- mutations of a valid file's bytes -----------------------------------------------------------
def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


def _drop_column(data: bytes, name: bytes) -> bytes:
    rows = [line.rstrip(b"\n").split(b",") for line in _lines(data)]
    i = [c.strip(b"\xef\xbb\xbf") for c in rows[0]].index(name)
    return b"".join(b",".join(r[:i] + r[i + 1:]) + b"\n" for r in rows)


def _duplicate_column(data: bytes, name: bytes) -> bytes:
    rows = [line.rstrip(b"\n").split(b",") for line in _lines(data)]
    i = [c.strip(b"\xef\xbb\xbf") for c in rows[0]].index(name)
    return b"".join(b",".join([*r, r[i]]) + b"\n" for r in rows)


def _set_cell(data: bytes, name: bytes, value: bytes, row: int = 1) -> bytes:
    rows = [line.rstrip(b"\n").split(b",") for line in _lines(data)]
    i = [c.strip(b"\xef\xbb\xbf") for c in rows[0]].index(name)
    rows[row][i] = value
    return b"".join(b",".join(r) + b"\n" for r in rows)


Mutation = Callable[[bytes], bytes]
EVERY_KIND: dict[str, Mutation] = {
    "empty": lambda d: b"",
    "blank": lambda d: b"\n\n  \n",
    "garbage": lambda d: bytes(range(256)) * 8,
    "utf16": lambda d: d.decode("utf-8-sig").encode("utf-16"),
    "cut_in_half": lambda d: d[: len(d) // 2],
    "latin1_bytes": lambda d: d + "\n# é".encode("latin-1") + b"\xff\xfe\n",
}
CSV_KINDS = ("inventory", "forecast", "observations", "measures")
TOML_KINDS = ("scenario", "rules", "region")
CSV_ONLY: dict[str, Mutation] = {
    "header_only": lambda d: _lines(d)[0],
    "ragged_row": lambda d: d + b"1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,"
                                b"24,25,26,27,28,29,30,31,32\n",
}
TOML_ONLY: dict[str, Mutation] = {
    "unclosed_table": lambda d: b"[scenario\n" + d,
    "duplicate_key": lambda d: d + b"\n[scenario]\nname = \"again\"\n",
    "bad_string": lambda d: d + b"\nbroken = \"no end\n",
}
SPECIFIC: list[tuple[str, str, Mutation]] = [
    ("inventory", "missing_column", lambda d: _drop_column(d, b"grade")),
    ("inventory", "duplicate_column", lambda d: _duplicate_column(d, b"grade")),
    ("inventory", "unknown_grade", lambda d: _set_cell(d, b"grade", b"E")),
    ("inventory", "unknown_industry", lambda d: _set_cell(d, b"industry", b"martian_mining")),
    ("inventory", "negative_emission", lambda d: _set_cell(d, b"so2_t", b"-3")),
    ("forecast", "bad_timestamp", lambda d: _set_cell(d, b"time", b"2023-13-45 99:00", 5)),
    ("forecast", "missing_time", lambda d: _drop_column(d, b"time")),
    ("forecast", "text_value", lambda d: _set_cell(d, b"PM2.5", b"lots", 3)),
    ("observations", "bad_timestamp", lambda d: _set_cell(d, b"time", b"yesterday", 2)),
    ("observations", "negative", lambda d: _set_cell(d, b"PM2.5", b"-40", 2)),
    ("measures", "unknown_level", lambda d: _set_cell(d, b"level", b"purple")),
    ("measures", "cut_above_one", lambda d: _set_cell(d, b"cut", b"1.5")),
    ("measures", "missing_column", lambda d: _drop_column(d, b"cut")),
    ("scenario", "unknown_key", lambda d: d.replace(b"seed = 1", b"sede = 1")),
    ("scenario", "negative_seed", lambda d: d.replace(b"seed = 1", b"seed = -1")),
    ("scenario", "end_before_start", lambda d: d.replace(b"2023-12-20", b"2023-12-01")),
    ("scenario", "missing_list", lambda d: d.replace(b"inventory.csv", b"nowhere.csv")),
    ("rules", "wrong_type", lambda d: d.replace(b"= 200", b'= "two hundred"', 1)),
    ("region", "wrong_type", lambda d: d + b"\n[[orders]]\nlevel = 7\n"),
]
GZ_ONLY: dict[str, Mutation] = {
    "gz_truncated": lambda d: d[: len(d) // 2],
    "gz_corrupt": lambda d: d[:20] + b"\x00" * 64 + d[84:],
    "gz_not_gzip": lambda d: b"plain text, not gzip\n",
}

CASES = (
    [(kind, name, m) for kind in (*CSV_KINDS, *TOML_KINDS) for name, m in EVERY_KIND.items()]
    + [(kind, name, m) for kind in CSV_KINDS for name, m in CSV_ONLY.items()]
    + [(kind, name, m) for kind in TOML_KINDS for name, m in TOML_ONLY.items()]
    + SPECIFIC
    + [("observations_gz", name, m) for name, m in GZ_ONLY.items()]
)
# Mutations some readers may accept as a smaller valid input (half a CSV cut at a line end is a
# shorter table): those must still end without a traceback, exit 0 or 2.
MAY_PASS = {"cut_in_half", "latin1_bytes", "ragged_row", "duplicate_key", "header_only"}


@pytest.mark.parametrize(("kind", "name", "mutate"), CASES,
                         ids=[f"{k}-{n}" for k, n, _ in CASES])
def test_malformed_input_is_one_line_exit_2(capsys, folder, kind, name, mutate):
    path = folder / FILE_NAMES[kind]
    path.write_bytes(mutate(path.read_bytes()))
    out = folder / "out"
    code, _, err = smogsim(capsys, command(kind, folder, out))
    assert "Traceback" not in err
    if name in MAY_PASS and code == 0:
        return
    assert_refused(code, err, path if name != "missing_list" else folder / "nowhere.csv",
                   out)


# -- GBK: the bureau's everyday encoding reads like UTF-8 --------------------------------------
@pytest.mark.parametrize("kind", ["scenario", "inventory", "forecast", "rules", "region",
                                  "observations", "measures"])
def test_gbk_input_reads_like_utf8(capsys, folder, kind):
    out = folder / "out"
    before = smogsim(capsys, command(kind, folder, out))
    assert before[0] in (0, 1), before  # review exits 1 when a check finds an error
    shutil.rmtree(out, ignore_errors=True)
    if out.is_file():
        out.unlink()
    path = folder / FILE_NAMES[kind]
    path.write_bytes(path.read_bytes().decode("utf-8-sig").encode("gb18030"))
    after = smogsim(capsys, command(kind, folder, out))
    assert after[:2] == before[:2] or after[0] == before[0], after


def test_gbk_scenario_states_its_encoding_in_the_manifest(capsys, folder):
    for name in ("scenario.toml", "inventory.csv"):
        path = folder / name
        path.write_bytes(path.read_bytes().decode("utf-8-sig").encode("gb18030"))
    out = folder / "out"
    code, _, err = smogsim(capsys, command("scenario", folder, out))
    assert code == 0, err
    manifest = pd.read_json(out / "manifest.json", typ="series")
    assert manifest["input_encodings"] == {"scenario": "gb18030", "inventory": "gb18030",
                                           "forecast": "utf-8-sig"}


# -- safe outputs --------------------------------------------------------------------------------
def test_formula_cells_are_neutralised_in_every_csv(capsys, folder):
    path = folder / "inventory.csv"
    data = _set_cell(path.read_bytes(), b"id", b"=HYPERLINK(\"http://x\")")
    data = _set_cell(data, b"county", "+临颍县".encode(), 2)
    path.write_bytes(data)
    out = folder / "out"
    code, _, err = smogsim(capsys, command("scenario", folder, out))
    assert code == 0, err
    text = (out / "enterprises.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text
    assert "'+临颍县" in text
    for csv in out.glob("*.csv"):
        frame = pd.read_csv(csv, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        cells = [*frame.columns, *frame.to_numpy().ravel()]
        assert not [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r"))], csv.name
    # numbers stay numbers: a negative tonnage difference is not a formula
    assert not any(c.startswith("'-") and c[2:].replace(".", "").isdigit()
                   for c in text.split(","))


def test_review_never_replaces_its_own_list(capsys, folder):
    path = folder / "inventory.csv"
    data = path.read_bytes()
    code, _, err = smogsim(capsys, ["review", str(path), "--format", "csv", "--out", str(path),
                                    "--force"])
    assert code == 2 and "is an input of this command" in err
    assert path.read_bytes() == data


@pytest.mark.parametrize("argv", [
    ["synth", "--city", "漯河", "-n", "100", "--out"],
    ["review", "{folder}/inventory.csv", "--format", "csv", "--out"],
])
def test_existing_output_needs_force(capsys, folder, argv):
    target = folder / "taken.csv"
    target.write_bytes(b"someone's work\n")
    argv = [a.replace("{folder}", str(folder)) for a in argv]
    code, _, err = smogsim(capsys, [*argv, str(target)])
    assert code == 2 and "already exists" in err and "--force" in err
    assert target.read_bytes() == b"someone's work\n"
    code, _, err = smogsim(capsys, [*argv, str(target), "--force"])
    assert code in (0, 1), err
    assert target.read_bytes() != b"someone's work\n"


def test_written_files_follow_the_umask(capsys, tmp_path):
    out = tmp_path / "list.csv"
    code, _, err = smogsim(capsys, ["synth", "--city", "漯河", "-n", "100", "--out", str(out)])
    assert code == 0, err
    assert out.stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask


# -- I/O failures: one line, exit 1 ------------------------------------------------------------
def test_read_only_output_folder_is_one_line_exit_1(capsys, folder, monkeypatch):
    import errno

    import simulator.io.rundir as rundir

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(folder / "out"))

    monkeypatch.setattr(rundir, "write_csv", full)
    code, _, err = smogsim(capsys, command("scenario", folder, folder / "out"))
    assert code == 1 and "Traceback" not in err
    assert "No space left on device" in err and len(err.strip().splitlines()) == 1
    assert not (folder / "out").exists()
    assert not list(folder.glob(".out.partial-*"))


def test_unexpected_error_is_one_line_unless_debug(capsys, folder, monkeypatch):
    import simulator.cli.run as run_cli

    def broken(*args, **kwargs):
        raise KeyError("a bug")

    monkeypatch.setattr(run_cli, "run_scenario", broken)
    code, _, err = smogsim(capsys, command("scenario", folder, folder / "out"))
    assert code == 1 and "internal error: KeyError" in err and "--debug" in err
    assert "Traceback" not in err
    with pytest.raises(KeyError):
        main(["--debug", *command("scenario", folder, folder / "out")])


# -- random edits never reach a traceback ------------------------------------------------------
EDIT = st.tuples(st.integers(0, 10_000), st.integers(0, 8), st.binary(max_size=8))


def edited(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    for at, cut, insert in edits:
        at %= len(data) + 1
        data = data[:at] + insert + data[at + cut:]
    return data


@pytest.mark.slow
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["scenario", "inventory", "measures"]),
       edits=st.lists(EDIT, min_size=1, max_size=4))
def test_random_edits_never_give_a_traceback(capsys, tmp_path_factory, kind, edits):
    folder = tmp_path_factory.mktemp("edit")
    for name, make in VALID.items():
        (folder / FILE_NAMES[name]).write_bytes(make())
    path = folder / FILE_NAMES[kind]
    path.write_bytes(edited(path.read_bytes(), edits))
    argv = (["validate", str(path), "-q"] if kind == "inventory"
            else command(kind, folder, folder / "out"))
    code, _, err = smogsim(capsys, argv)
    assert "Traceback" not in err and "internal error" not in err, err
    assert code in (0, 1, 2)
    if code == 2:
        assert err.startswith("error: ")


# -- every command that reads a kind refuses it the same way -------------------------------------
def readers(folder: Path, out: Path) -> list[tuple[str, list[str]]]:
    """(kind, command line) for each command that reads that kind, besides ``command``."""
    inv, obs, gz = (str(folder / FILE_NAMES[k]) for k in ("inventory", "observations",
                                                          "observations_gz"))
    replay = ["replay", "--inventory", inv, "--out", str(out), "--workers", "1", "-q"]
    return [
        ("inventory", ["validate", inv]),
        ("inventory", ["review", inv, "--format", "csv", "--out", str(out)]),
        ("inventory", [*replay, "--observations", obs]),
        ("observations", [*replay, "--observations", obs]),
        ("observations_gz", [*replay, "--observations", gz]),
        ("region", [*replay, "--observations", obs, "--region",
                    str(folder / FILE_NAMES["region"])]),
        ("scenario", ["review", inv, "--scenario", str(folder / FILE_NAMES["scenario"]),
                      "--format", "csv", "--out", str(out)]),
    ]


READER_IDS = ["inventory-validate", "inventory-review", "inventory-replay",
              "observations-replay", "observations_gz-replay", "region-replay",
              "scenario-review"]
BROKEN = {name: EVERY_KIND[name] for name in ("empty", "blank", "garbage", "utf16")}


@pytest.mark.parametrize("reader", range(len(READER_IDS)), ids=READER_IDS)
def test_every_reader_accepts_the_valid_file(capsys, folder, reader):
    out = folder / "out"
    _, argv = readers(folder, out)[reader]
    code, _, err = smogsim(capsys, argv)
    assert code == 0, err


@pytest.mark.parametrize("name", sorted(BROKEN))
@pytest.mark.parametrize("reader", range(len(READER_IDS)), ids=READER_IDS)
def test_every_reader_refuses_a_broken_file_in_one_line(capsys, folder, reader, name):
    out = folder / "out"
    kind, argv = readers(folder, out)[reader]
    path = folder / FILE_NAMES[kind]
    if kind.endswith("_gz") and name == "utf16":  # a well-formed gzip of UTF-16 text
        path.write_bytes(gzip.compress(BROKEN[name](gzip.decompress(path.read_bytes())),
                                       mtime=0))
    else:
        path.write_bytes(BROKEN[name](path.read_bytes()))
    code, _, err = smogsim(capsys, argv)
    assert_refused(code, err, path, out)
