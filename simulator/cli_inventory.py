"""``smogsim validate`` and ``smogsim synth``: check a bureau's list, make a synthetic one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from enterprises.errors import TableError
from enterprises.inventory import Inventory
from enterprises.io import INVENTORY_SUFFIXES, load_inventory, write_inventory
from enterprises.schema import POLLUTANTS
from enterprises.synthetic import CITY_PROFILES, city_profile, synthesize_cities

console = Console()


def _fail(message: str) -> None:
    """A user mistake: one line on stderr, exit code 2, no traceback."""
    Console(stderr=True).print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def base_table(inventory: Inventory, by: str, title: str) -> Table:
    """Enterprises and base emissions (t/a) per group of ``by``, with a total row."""
    base = inventory.base_by(by)
    count = pd.Series(getattr(inventory, {"city": "cities", "industry": "industries",
                                          "grade": "grades", "county": "counties"}[by])
                      ).value_counts()
    table = Table(title=title)
    table.add_column(by)
    table.add_column("enterprises", justify="right")
    for p in POLLUTANTS:
        table.add_column(f"{p} t/a", justify="right")
    for key, row in base.iterrows():
        table.add_row(str(key), f"{count[key]:,}", *(f"{row[p]:,.1f}" for p in POLLUTANTS))
    total = base.sum()
    table.add_row("total", f"{len(inventory):,}", *(f"{total[p]:,.1f}" for p in POLLUTANTS),
                  style="bold")
    return table


def summary(inventory: Inventory) -> str:
    """One paragraph: counts of enterprises, lines and the special classes."""
    exempt = pd.Series(inventory.exemptions).value_counts()
    classes = ", ".join(f"{k} {v:,}" for k, v in exempt.items() if k != "none") or "none"
    return (f"{len(inventory):,} enterprises, {inventory.n_lines:,} production lines, "
            f"{int((inventory.lines > 1).sum()):,} multi-line; exemption classes: {classes}; "
            f"限排不限产 {int(inventory.online_monitoring.sum()):,}; "
            f"一厂一策 overrides {int((~np.isnan(inventory.overrides)).any(axis=1).sum()):,}; "
            f"output value {inventory.output_value.sum():,.0f} 万元/d")


def register(app: typer.Typer) -> None:
    """Add ``validate`` and ``synth`` to the ``smogsim`` app."""

    @app.command()
    def validate(
        file: Path = typer.Argument(..., help="Inventory: .csv, .xlsx or .parquet."),
    ) -> None:
        """Check an emergency-reduction list and summarise it.

        Prints the enterprises and base emissions by city, industry and grade. A bad file
        exits with code 2 and one line naming file, sheet, row, column and value.

        Example: smogsim validate runs/data/luohe_inventory.csv
        """
        try:
            inventory = load_inventory(file)
        except TableError as bad:
            _fail(str(bad))
        console.print(f"[green]valid:[/] {file}", highlight=False, soft_wrap=True)
        console.print(summary(inventory), highlight=False, soft_wrap=True)
        for by, title in (("city", "Base emissions by city"),
                          ("industry", "Base emissions by industry"),
                          ("grade", "Base emissions by grade")):
            console.print(base_table(inventory, by, title))

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
    ) -> None:
        """Write a synthetic inventory in the schema that run, validate and review read.

        Example: smogsim synth --city 漯河 --city 许昌 --enterprises 5000 --seed 1
        --out runs/out/henan.csv
        """
        if Path(out).suffix.lower() not in INVENTORY_SUFFIXES:
            _fail(f"{out}: option --out: value {Path(out).suffix!r} — expected .csv, .xlsx or "
                  ".parquet")
        if enterprises < 0:
            _fail(f"option --enterprises: value {enterprises} — expected a whole number ≥ 0")
        if seed < 0:
            _fail(f"option --seed: value {seed} — expected a whole number ≥ 0")
        try:
            for name in city:
                city_profile(name)
            inventory = synthesize_cities(city, enterprises, seed)
        except ValueError as bad:
            _fail(f"option --city: {bad}")
        path = write_inventory(inventory, out, headers="zh" if chinese else "en")
        console.print(f"{len(inventory):,} enterprises → {path}", highlight=False,
                      soft_wrap=True)
