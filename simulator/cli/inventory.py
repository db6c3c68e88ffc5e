"""``smogsim validate`` and ``smogsim synth``: check a bureau's list, make a synthetic one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from enterprises.errors import TableError
from enterprises.inventory import Inventory
from enterprises.io import INVENTORY_SUFFIXES, read_inventory, write_inventory
from enterprises.schema import POLLUTANTS
from enterprises.synthetic import CITY_PROFILES, city_profile, synthesize_cities
from simulator.cli.common import (
    fail,
    output_mode,
    prefixed,
    print_json,
    records,
    refuse_overwrite,
    say,
)
from simulator.cli.language import lang as command_lang
from simulator.lang import grade_name, industry_name, text
from simulator.lang.messages import note_text

# the documented range of synth -n: a county's list (100) to a large province's (300 000)
SYNTH_MIN, SYNTH_MAX = 100, 300_000

GROUPS = (("city", "inventory.by_city"), ("industry", "inventory.by_industry"),
          ("grade", "inventory.by_grade"))
_GROUP_NAMES = {"industry": industry_name, "grade": grade_name}


def base_frame(inventory: Inventory, by: str) -> pd.DataFrame:
    """Enterprises and base emissions (t/a) per group of ``by``: columns by, enterprises, …"""
    base = inventory.base_by(by)
    count = pd.Series(getattr(inventory, {"city": "cities", "industry": "industries",
                                          "grade": "grades", "county": "counties"}[by])
                      ).value_counts()
    frame = base[list(POLLUTANTS)].rename(columns={p: f"{p}_t" for p in POLLUTANTS})
    frame.insert(0, "enterprises", [int(count[key]) for key in base.index])
    return frame.rename_axis(by).reset_index().astype({by: str})


def base_table(inventory: Inventory, by: str, title: str, lang: str = "en") -> Table:
    """Enterprises and base emissions (t/a) per group of ``by``, with a total row; in
    Chinese the groups are named (砖瓦窑, B级), in English they stay the list's ids."""
    frame = base_frame(inventory, by)
    table = Table(title=title)
    table.add_column(text(f"inventory.group_{by}", lang))
    table.add_column(text("inventory.enterprises", lang), justify="right")
    for p in POLLUTANTS:
        table.add_column(text("inventory.per_year", lang, pollutant=p), justify="right")
    namer = _GROUP_NAMES.get(by) if lang == "zh" else None
    for row in frame.itertuples(index=False):
        group = namer(row[0], lang) if namer else row[0]
        table.add_row(escape(group), f"{row[1]:,}", *(f"{v:,.1f}" for v in row[2:]))
    total = frame.sum(numeric_only=True)
    table.add_row(text("inventory.total", lang), f"{len(inventory):,}",
                  *(f"{total[f'{p}_t']:,.1f}" for p in POLLUTANTS), style="bold")
    return table


def summary_counts(inventory: Inventory) -> dict:
    """Counts of enterprises, lines and the special classes, and output value (万元/d)."""
    exempt = pd.Series(inventory.exemptions).value_counts()
    return {
        "enterprises": len(inventory),
        "production_lines": int(inventory.n_lines),
        "multi_line": int((inventory.lines > 1).sum()),
        "exemptions": {str(k): int(v) for k, v in exempt.items() if k != "none"},
        "emission_cap": int(inventory.online_monitoring.sum()),  # 限排不限产
        "overrides": int((~np.isnan(inventory.overrides)).any(axis=1).sum()),  # 一厂一策
        "own_measures": int((inventory.own_basis != "").any(axis=1).sum()),  # read from text
        "key_vehicle_users": int(inventory.key_vehicle_user.sum()),
        "output_value_wan_per_day": round(float(inventory.output_value.sum()), 6),
    }


def summary(inventory: Inventory, lang: str = "en") -> str:
    """One paragraph: counts of enterprises, lines and the special classes."""
    c = summary_counts(inventory)
    classes = text("word.list_separator", lang).join(
        f"{_exemption(k, lang)} {v:,}" for k, v in c["exemptions"].items()
    ) or text("inventory.none", lang)
    return text("inventory.summary", lang, enterprises=f"{c['enterprises']:,}",
                lines=f"{c['production_lines']:,}", multi=f"{c['multi_line']:,}",
                classes=classes, cap=f"{c['emission_cap']:,}", overrides=f"{c['overrides']:,}",
                own=f"{c['own_measures']:,}", trucks=f"{c['key_vehicle_users']:,}",
                value=f"{c['output_value_wan_per_day']:,.0f}")


def _exemption(key: str, lang: str) -> str:
    """An exemption class as a person reads it: 民生保障 (zh) or its id (en)."""
    return text(f"exemption.{key}", lang) if f"exemption.{key}" in _EXEMPTION_KEYS else key


_EXEMPTION_KEYS = frozenset(f"exemption.{k}" for k in ("none", "livelihood", "strategic",
                                                      "export", "whitelist", "emission_cap"))


def register(app: typer.Typer) -> None:
    """Add ``validate`` and ``synth`` to the ``smogsim`` app."""

    @app.command()
    def validate(
        file: Path = typer.Argument(..., help="Inventory: .csv, .xlsx or .parquet."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON document on stdout "
                                     "(summary and tables by city, industry, grade)."),
        quiet: bool = typer.Option(False, "--quiet", "-q",
                                   help="Print only the valid line with the count."),
        city: str | None = typer.Option(None, "--city", help="City of a list without a city "
                                        "column (a county's list), e.g. 漯河."),
    ) -> None:
        """Check an emergency-reduction list and summarise it.

        Reads the list as a bureau lays it out (title rows, two-row headers, footnotes, the
        spellings of enterprises/data/headers.toml). Prints what was read and what was not
        (warnings), then enterprises and base emissions by city, industry and grade. A bad
        file exits with code 2 and one line per problem (up to 50), each naming file, sheet,
        row, column, value and the fix.

        Example: smogsim validate runs/data/luohe_inventory.csv
        """

        lang = command_lang()
        mode = output_mode(as_json, quiet)
        try:
            reading = read_inventory(file, city=city)
        except TableError as bad:
            fail(str(bad))
        inventory = reading.inventory
        if mode == "json":
            print_json({"file": str(file), "valid": True, "warnings": reading.notes,
                        **summary_counts(inventory),
                        **{f"by_{by}": records(base_frame(inventory, by)) for by, _ in GROUPS},
                        "warnings_text": [note_text(n, lang) for n in reading.notes]})
            return
        if mode == "quiet":
            say(text("inventory.valid_count", lang, file=file, count=f"{len(inventory):,}"))
            return
        console = Console()
        console.print(f"{prefixed('valid', lang, 'green')}{escape(str(file))}",
                      highlight=False, soft_wrap=True)
        for note in reading.notes:
            console.print(f"{prefixed('warning', lang, 'yellow')}{escape(note_text(note, lang))}",
                          highlight=False, soft_wrap=True)
        console.print(summary(inventory, lang), markup=False, highlight=False, soft_wrap=True)
        for by, title in GROUPS:
            console.print(base_table(inventory, by, text(title, lang), lang))

    @app.command()
    def synth(
        city: list[str] = typer.Option(..., "--city", help="City (repeatable): "
                                       + ", ".join(CITY_PROFILES) + "."),
        enterprises: int = typer.Option(300, "--enterprises", "-n",
                                        help="Number of enterprises, 100 to 300 000."),
        seed: int = typer.Option(0, "--seed", help="Seed of the generator."),
        out: Path = typer.Option(..., "--out", help="Output: .csv, .xlsx or .parquet."),
        chinese: bool = typer.Option(False, "--chinese-headers",
                                     help="Write Chinese headers (企业名称 …)."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON document on stdout "
                                     "(file, count, cities, seed)."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the file written."),
        force: bool = typer.Option(False, "--force", help="Replace --out if it exists."),
    ) -> None:
        """Write a synthetic inventory in the schema that run, validate and review read.

        Example: smogsim synth --city 漯河 --city 许昌 -n 5000 --out henan.csv
        """

        mode = output_mode(as_json, quiet)
        if Path(out).suffix.lower() not in INVENTORY_SUFFIXES:
            fail(f"{out}: option --out: value {Path(out).suffix!r} — expected .csv, .xlsx or "
                 ".parquet")
        if not SYNTH_MIN <= enterprises <= SYNTH_MAX:
            fail(f"option --enterprises: value {enterprises} — expected a whole number from "
                 f"{SYNTH_MIN} to {SYNTH_MAX:,}".replace(",", " "))
        if seed < 0:
            fail(f"option --seed: value {seed} — expected a whole number ≥ 0")
        for name in city:
            try:
                city_profile(name)
            except ValueError as bad:
                fail(f"option --city: {bad}")
        refuse_overwrite(out, force)
        try:
            inventory = synthesize_cities(city, enterprises, seed)
        except ValueError as bad:
            fail(f"option --city: {bad}")
        path = write_inventory(inventory, out, headers="zh" if chinese else "en")
        if mode == "json":
            print_json({"file": str(path), "enterprises": len(inventory), "cities": list(city),
                        "seed": seed, "headers": "zh" if chinese else "en"})
        else:
            say(str(path) if mode == "quiet" else
                text("inventory.written", command_lang(), count=f"{len(inventory):,}", path=path))
