"""``smogsim review``: the grading review of an emergency-reduction list (``simulator.grading``)."""

from __future__ import annotations

import io
import json
import math
import sys
from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from alerts.io import AlertInputError, load_ruleset
from enterprises.area import AreaSource, default_cuts
from enterprises.errors import TableError
from enterprises.inventory import Inventory
from enterprises.io import default_measures, load_inventory, load_measure_table
from enterprises.measures import MeasureTable
from enterprises.schema import POLLUTANTS
from simulator.cli.common import fail, refuse_overwrite
from simulator.cli.language import lang as command_lang
from simulator.cli.wrap import prose
from simulator.grading.checks import (
    MAX_EXEMPT_SHARE,
    OWN_MEASURE_CHOICES,
    REPLACE,
    Review,
    WhatIf,
    WhatIfError,
    review,
)
from simulator.io.files import atomic_write, csv_bytes
from simulator.io.inputs import load_scenario
from simulator.lang import flag, grade_name, industry_name, level_name, text
from simulator.lang.tables import add_level_names, add_names
from simulator.spec.scenario import ScenarioError

FORMATS = ("table", "csv", "json", "html")
HTML_FILE = Path("review.html")  # --format html without --out
CSV_ENCODING = "utf-8-sig"  # Excel opens Chinese text intact with the BOM
MAX_FINDING_ROWS = 60  # console only; CSV and JSON hold every finding
MAX_PLANT_ROWS = 30  # regraded plants listed per what-if on the console; JSON lists all
REPORT_WIDTH = 160  # characters per line of a table written with --out



# -- inputs --------------------------------------------------------------------------------


def _area(specs: list, inventory: Inventory) -> dict:
    """City → area sources from each scenario."""
    area: dict[str, list[AreaSource]] = {}
    cities = set(inventory.cities)
    for spec in specs:
        if spec.city not in cities:
            raise ScenarioError(f"{spec.source}: key scenario.city: value {spec.city!r} — "
                                f"expected a city of the inventory ({', '.join(sorted(cities))})")
        if spec.city in area:
            raise ScenarioError(f"{spec.source}: key scenario.city: value {spec.city!r} — "
                                "expected one scenario per city")
        area[spec.city] = [AreaSource(sector, values,
                                      spec.area_cuts.get(sector, default_cuts(sector)))
                           for sector, values in spec.area_sources.items()]
    return area


def _one(values: set, option: str) -> object | None:
    if len(values) > 1:
        raise ScenarioError(f"the scenarios name different {option} files — pass --{option}")
    return next(iter(values), None)


def _measures(path: Path | None, specs: list) -> MeasureTable:
    """The bundled catalogue with --measures (or the scenarios' [measures] file) on top."""
    path = path or _one({s.measures for s in specs if s.measures is not None}, "measures")
    table = default_measures()
    return table if path is None else table.overlay(load_measure_table(path))


# -- console tables ------------------------------------------------------------------------


def _t(key: str, lang: str, **fields: object) -> str:
    return text(f"review.{key}", lang, **fields)


def _check(check: str, lang: str) -> str:
    """A check's name: 一致性 (zh); in English its id, as the CSV and JSON write it."""
    return text(f"check.{check}", lang) if lang == "zh" and check in _CHECKS else check


_CHECKS = frozenset(("consistency", "monotonicity", "exemptions", "coverage", "what_if"))


def summary_table(result: Review, lang: str = "en") -> Table:
    table = Table(title=_t("checks", lang))
    for name in ("check", "status", "errors", "warnings", "info"):
        table.add_column(_t(name, lang), justify="right" if name in ("errors", "warnings", "info")
                         else "left")
    for row in result.summary().itertuples(index=False):
        status = f"[red]{_t('fail', lang)}[/]" if row.status == "fail" else \
            f"[green]{_t('pass', lang)}[/]"
        table.add_row(_check(row.check, lang), status, str(row.errors), str(row.warnings),
                      str(row.info))
    return table


def coverage_table(result: Review, lang: str = "en") -> Table:
    """Per city, level and pollutant; two-line headers keep it within 100 columns."""
    table = Table(title=_t("coverage_title", lang), caption=_t("coverage_caption", lang))
    for name in ("city", "level", "pollutant", "base_t_h", "list_pct", "area_pct", "cut_pct",
                 "target_pct", "short_pts", "short_t_h", "met"):
        table.add_column(_t(name, lang), justify="left" if name in (
            "city", "level", "pollutant", "met") else "right")
    for r in result.coverage.itertuples(index=False):
        table.add_row(r.city, level_name(r.level, lang), r.pollutant, f"{r.base_t_h:.4g}",
                      _share(r.list_cut_t_h, r.base_t_h), _share(r.area_cut_t_h, r.base_t_h),
                      _share(r.cut_t_h, r.base_t_h), f"{r.target_pct:g}",
                      f"{r.short_pct:.1f}" if r.short_pct > 0 else "",
                      f"{r.short_t_h:.4g}" if r.short_pct > 0 else "",
                      _yes(r.met, lang))
    return table


def _share(part: float, total: float) -> str:
    return f"{100 * part / total:.1f}" if total > 0 else "–"


def exemption_table(result: Review, lang: str = "en") -> Table:
    table = Table(title=_t("exempt_title", lang), caption=_t("exempt_caption", lang))
    for name in ("city", "class", "plants"):
        table.add_column(_t(name, lang), justify="left" if name in ("city", "class") else "right")
    for p in POLLUTANTS:
        table.add_column(_t("pct", lang, pollutant=p), justify="right")
    for r in result.exemptions.to_dict("records"):
        kind = text(f"exemption.{r['class']}", lang) if lang == "zh" and \
            f"exemption.{r['class']}" in _EXEMPTIONS else r["class"]
        table.add_row(r["city"], kind, str(r["enterprises"]),
                      *(f"{r[p + '_pct']:.1f}" for p in POLLUTANTS))
    return table


def what_if_tables(result: Review, lang: str = "en") -> list[Table]:
    """One table per --what-if: the required cut before and after, per city, level, pollutant."""
    tables = []
    for spec, rows in result.what_if.groupby("what_if", sort=False):
        plants = text("word.list_separator", lang).join(
            _t("whatif_plants", lang, count=n, city=c)
            for c, n in rows.groupby("city")["regraded"].first().items())
        table = Table(title=_t("whatif_title", lang, spec=escape(spec), plants=plants),
                      caption=_t("whatif_caption", lang))
        for name in ("city", "level", "pollutant", "before", "after", "delta",
                     "cut_pct_inline", "delta_pts", "target_pct", "met"):
            table.add_column(_t(name, lang), justify="left" if name in (
                "city", "level", "pollutant", "met") else "right")
        for r in rows.itertuples(index=False):
            table.add_row(r.city, level_name(r.level, lang), r.pollutant, f"{r.cut_before_t_h:.4f}",
                          f"{r.cut_after_t_h:.4f}", f"{r.change_t_h:+.4f}",
                          f"{_pct(r.cut_before_pct)}→{_pct(r.cut_after_pct)}",
                          _pct(r.change_pct, "+.1f"), f"{r.target_pct:g}",
                          f"{_yes(r.met_before, lang)}→{_yes(r.met_after, lang)}")
        tables.append(table)
        plants = result.what_if_plants[result.what_if_plants["what_if"] == spec]
        tables.append(regraded_table(spec, plants, lang))
    return tables


def regraded_table(spec: str, plants: pd.DataFrame, lang: str = "en") -> Table:
    """The plants of a what-if that have own measures (一厂一策), each with what became of
    them; the caption counts the plants that follow the catalogue."""
    own = plants[plants["own_measures"] != "none"]
    plain = len(plants) - len(own)
    notes = [_t("own_follow", lang, count=plain)]
    if len(own) > MAX_PLANT_ROWS:
        notes.append(_t("own_more", lang, count=len(own) - MAX_PLANT_ROWS))
    table = Table(title=_t("own_title", lang, spec=escape(spec)),
                  caption=text("reason.separator", lang).join(notes))
    for name in ("id", "name", "county", "own", "regraded"):
        table.add_column(_t(name, lang), overflow="fold", ratio=1 if name == "own" else None)
    for r in own.head(MAX_PLANT_ROWS).itertuples(index=False):
        table.add_row(r.id, escape(str(r.name)), r.county, escape(r.measures),
                      f"[yellow]{_t('kept', lang)}[/]" if r.own_measures == "kept"
                      else _t("replaced", lang))
    return table


def _pct(value: float, spec: str = ".1f") -> str:
    """A percentage, or "–" where a pollutant has no base to take a share of."""
    return "–" if math.isnan(value) else format(value, spec)


def _yes(value: bool, lang: str = "en") -> str:
    return f"[green]{flag(True, lang)}[/]" if value else f"[red]{flag(False, lang)}[/]"


_EXEMPTIONS = frozenset(f"exemption.{k}" for k in ("none", "livelihood", "strategic", "export",
                                                  "whitelist", "emission_cap"))


# Findings that differ only in the plant (same check, place, kind, level and message) share
# one console row, so 45 identical 一厂一策 warnings read as one line naming 45 plants.
_SAME_FINDING = ["severity", "check", "city", "industry", "grade", "level", "pollutant",
                 "message", "message_text"]


def grouped_findings(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per group of identical findings: their plants' ids, names, counties and
    count."""
    return frame.groupby(_SAME_FINDING, sort=False).agg(
        ids=("ids", lambda s: ";".join(x for x in s if x)),
        names=("names", lambda s: ";".join(x for x in s if x)),
        county=("county", lambda s: s.iloc[0] if s.nunique() == 1 else ""),
        findings=("ids", "size")).reset_index()


def findings_table(result: Review, lang: str = "en") -> tuple[Table, str]:
    """Errors and warnings (at most ``MAX_FINDING_ROWS`` rows, identical findings grouped) and
    a note on what was left out; each message in ``lang`` (``message_text``)."""
    frame = findings_with_text(result, lang)
    shown = grouped_findings(frame[frame["severity"] != "info"])
    table = Table(title=_t("findings_title", lang))
    table.add_column(_t("severity", lang))
    table.add_column(_t("check", lang))
    table.add_column(_t("where", lang), overflow="fold")
    table.add_column(_t("message", lang), overflow="fold", ratio=1)
    for r in shown.head(MAX_FINDING_ROWS).itertuples(index=False):
        style = "[red]" if r.severity == "error" else "[yellow]"
        ids = _some_plants(r.ids, r.names, lang=lang)
        industry = industry_name(r.industry, lang) if r.industry and lang == "zh" else r.industry
        grade = grade_name(r.grade, lang) if r.grade and lang == "zh" else r.grade
        level = level_name(r.level, lang) if r.level else r.level
        kind = "/".join(x for x in (industry, grade) if x)
        where = " ".join(x for x in (r.city, r.county, ids, kind, level, r.pollutant) if x)
        message = r.message_text if r.findings == 1 else _t(
            "n_plants", lang, count=r.findings, message=r.message_text)
        severity = _t(r.severity, lang) if r.severity in ("error", "warning") else r.severity
        table.add_row(f"{style}{severity}[/]", _check(r.check, lang), prose(where, lang),
                      prose(message, lang))
    hidden = int(shown["findings"].iloc[MAX_FINDING_ROWS:].sum())
    info = int((frame["severity"] == "info").sum())
    note = (_t("hidden", lang, count=hidden) if hidden else "") + _t("info_hidden", lang,
                                                                     count=info)
    return table, note


def _some_plants(ids: str, names: str, shown: int = 2, lang: str = "en") -> str:
    """The first few plants as "id name" (";"-joined ids and names) and how many more."""
    if not ids:
        return ""
    parts, labels = ids.split(";"), names.split(";") if names else []
    listed = "; ".join(" ".join(x for x in (i, n) if x)
                       for i, n in zip(parts[:shown], [*labels, *[""] * shown], strict=False))
    more = _t("more_plants", lang, count=len(parts) - shown) if len(parts) > shown else ""
    return listed + more


def verdict(result: Review, lang: str = "en") -> str:
    counts = result.summary()[["errors", "warnings"]].sum()
    word = f"[bold red]{_t('failed', lang)}[/]" if result.failed else \
        f"[bold green]{_t('passed', lang)}[/]"
    return _t("verdict", lang, word=word, errors=counts["errors"], warnings=counts["warnings"])


def print_report(out: Console, result: Review, title: str, lang: str = "en") -> None:
    out.print(escape(title), highlight=False, soft_wrap=True)
    out.print(summary_table(result, lang))
    out.print(coverage_table(result, lang))
    if len(result.exemptions):
        out.print(exemption_table(result, lang))
    for table in what_if_tables(result, lang):
        out.print(table)
    table, note = findings_table(result, lang)
    if table.row_count:
        out.print(table)
    out.print(note, style="dim", highlight=False, soft_wrap=True)
    out.print(verdict(result, lang), highlight=False)


# -- machine-readable output ---------------------------------------------------------------


def _records(frame: pd.DataFrame) -> list[dict]:
    # NaN → null; 15 decimals (pandas' most) keep small t/h rates exact to a few parts in 1e9
    return json.loads(frame.to_json(orient="records", force_ascii=False, double_precision=15))


def findings_with_text(result: Review, lang: str = "en") -> pd.DataFrame:
    """``Review.findings_frame`` with ``message_text``, each message in ``lang``, at the end."""
    frame = result.findings_frame()
    frame["message_text"] = [f.text(lang) for f in result.ordered()]
    return frame


def named_findings(result: Review, lang: str = "en") -> pd.DataFrame:
    """The findings with ``industry_name``, ``grade_name``, ``level_name`` and
    ``message_text`` (the message) appended in ``lang``; the columns before them are
    unchanged."""
    frame = add_level_names(add_names(result.findings_frame(), lang), lang, ("level",))
    frame["message_text"] = [f.text(lang) for f in result.ordered()]
    return frame


def finding_records(result: Review, lang: str = "en") -> list[dict]:
    """``named_findings`` as JSON records, each with the message's ``code`` and ``fields``
    (catalogue ``finding.<code>``), so a page can say it in another language."""
    rows = _records(named_findings(result, lang))
    return [row | {"code": f.code, "fields": dict(f.fields)}
            for row, f in zip(rows, result.ordered(), strict=True)]


def to_json(result: Review, meta: dict, lang: str = "en") -> str:
    data = {**meta, "failed": result.failed, "summary": _records(result.summary()),
            "findings": finding_records(result, lang),
            "coverage": _records(add_level_names(result.coverage, lang, ("level",))),
            "exemptions": _records(result.exemptions),
            "what_if": _records(add_level_names(result.what_if, lang, ("level",))),
            "what_if_plants": _records(add_names(result.what_if_plants, lang))}
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def to_csv(result: Review, lang: str = "en") -> str:
    """The findings as CSV text with their name columns, formula-like cells neutralised
    (``io.files.csv_bytes``)."""
    return csv_bytes(named_findings(result, lang), float_format="%.6g").decode(CSV_ENCODING)


def _render_table(result: Review, title: str, lang: str = "en") -> str:
    buffer = io.StringIO()
    print_report(Console(file=buffer, width=REPORT_WIDTH, no_color=True, emoji=False), result,
                 title, lang)
    return buffer.getvalue()


def _html(document: dict) -> str:
    from simulator.report.review import build_review_report  # the page's scripts are large

    return build_review_report(document, command_lang())


def register(app: typer.Typer) -> None:
    """Add ``review`` to the ``smogsim`` app."""

    @app.command("review")
    def review_command(
        inventory: Path = typer.Argument(..., help="Inventory: .csv, .xlsx or .parquet."),
        rules: str | None = typer.Option(
            None, "--rules", help="Rule set id or TOML file for the targets (default: the "
            "scenario's, else mee-2024)."),
        measures: Path | None = typer.Option(
            None, "--measures", help="CSV of catalogue rows replacing the bundled ones."),
        scenario: list[Path] = typer.Option(
            [], "--scenario", help="Scenario TOML whose area sources complete its city's "
            "base (repeatable, one per city)."),
        what_ifs: list[str] = typer.Option(
            [], "--what-if", help='Regrading to price, e.g. "grade B->A where industry=cement '
            'and county=临颍县" or "grade B->A where id in XC0007,XC0042" (repeatable; keys '
            'id, city, county, industry, grade).'),
        own_measures: str = typer.Option(
            REPLACE, "--what-if-measures", help="What a regrading does to a plant's own "
            "measures (一厂一策): replace them with the new grade's catalogue measures (default: "
            "a regraded plant's plan is redrafted) or keep them as written."),
        max_share: float = typer.Option(
            MAX_EXEMPT_SHARE, "--max-exempt-share", help="Flag an exempt plant holding more "
            "than this fraction of a city's base of a pollutant (assumption)."),
        fmt: str = typer.Option("table", "--format", help="table, csv, json or html (a "
                                "self-contained page, default review.html, with review.json "
                                "beside it for smogsim report to rebuild it)."),
        force: bool = typer.Option(False, "--force", help="Replace --out if it exists."),
        out: Path | None = typer.Option(None, "--out", help="Write the report to this file "
                                        "(the console then shows the checks only)."),
    ) -> None:
        """Review a list's grading: consistency, monotonicity, exemptions, target coverage.

        Exit code 0 when no check finds an error, 1 when one does (for CI), 2 for bad input.

        Example: smogsim review runs/data/xuchang_inventory.csv --scenario runs/xuchang.toml
        --what-if "grade B->A where industry=铸造"
        """
        console = Console()  # per call: the terminal's width now

        lang = command_lang()
        if fmt not in FORMATS:
            fail(text("err.format", lang, value=repr(fmt), choices=", ".join(FORMATS)))
        if own_measures not in OWN_MEASURE_CHOICES:
            fail(_t("what_if_measures", lang, value=repr(own_measures),
                    choices=", ".join(OWN_MEASURE_CHOICES)))
        if not 0 <= max_share <= 1:
            fail(_t("max_share", lang, value=max_share))
        if fmt == "html" and out is None:
            out = HTML_FILE
        if out is not None:  # checked before any work: never an input, never silently replaced
            refuse_overwrite(out, force, (inventory, measures, *scenario))
        data_file = out.parent / "review.json" if fmt == "html" and out is not None else None
        if data_file is not None:
            refuse_overwrite(data_file, force, (inventory, measures, *scenario))
        try:
            specs_what_if = [WhatIf.parse(spec, own_measures) for spec in what_ifs]
            specs = [load_scenario(path) for path in scenario]
            lang = command_lang(next((s.lang for s in specs if s.lang), None))
            # a list without a city column (a county's) takes the scenario's city
            inv = load_inventory(inventory, city=specs[0].city if len(specs) == 1 else None)
            area = _area(specs, inv)
            rule_name = rules or _one({s.rules for s in specs}, "rules") or "mee-2024"
            ruleset = load_ruleset(rule_name)
            table = _measures(measures, specs)
            result = review(inv, ruleset, table, area, specs_what_if, max_share)
        except (TableError, AlertInputError, ScenarioError, WhatIfError) as bad:
            fail(str(bad))
        cities = text("word.list_separator", lang).join(sorted(set(inv.cities)))
        title = _t("title", lang, inventory=inventory.name, count=f"{len(inv):,}", cities=cities,
                   rules=ruleset.id, measures=table.name)
        if fmt == "table":
            document = _render_table(result, title, lang) if out else None
        elif fmt == "csv":
            document = to_csv(result, lang)
        else:
            document = to_json(result, {"inventory": str(inventory), "rules": ruleset.id,
                                        "measures": table.name, "enterprises": len(inv),
                                        "lang": lang}, lang)
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            if data_file is not None:  # the page, and the document it is rebuilt from
                atomic_write(data_file, document.encode("utf-8"))
                document = _html(json.loads(document))
            atomic_write(out, document.encode(CSV_ENCODING if fmt == "csv" else "utf-8"))
            console.print(escape(title), highlight=False, soft_wrap=True)
            console.print(summary_table(result, lang))
            console.print(_t("report_to", lang, verdict=verdict(result, lang),
                             path=escape(str(out))), highlight=False, soft_wrap=True)
        elif fmt == "table":
            print_report(console, result, title, lang)
        else:
            sys.stdout.write(document)
        if result.failed:
            raise typer.Exit(1)

