"""The reviewer's page of a grading review: ``review.html``.

``build_review_report`` turns the review's JSON document (what ``smogsim review --format json``
prints: ``summary``, ``findings``, ``coverage``, ``exemptions``, ``what_if``,
``what_if_plants``) into one self-contained page: each check with its findings by plant (id and
name), the coverage of each level and pollutant against its target, the exempt plants by class,
and each what-if's cut before and after. ``smogsim review --format html`` writes it with
``review.json`` beside it, from which ``smogsim report FOLDER`` rebuilds it.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from alerts.levels import Level
from enterprises.schema import POLLUTANTS
from simulator.io.files import atomic_write
from simulator.lang import LANGS, level_name, text
from simulator.lang.messages import message
from simulator.report import charts
from simulator.report.columns import VALUE_NAMERS
from simulator.report.html import ReportError, _table, read_json
from simulator.report.page import chart, page

REVIEW_REPORT_FILE = "review.html"
REVIEW_DATA_FILE = "review.json"
REVIEW_SECTIONS = ("summary", "findings", "coverage", "exemptions", "what_if")
_DOCUMENT_KEYS = ("summary", "findings", "coverage", "what_if")


def is_review_dir(directory: str | Path) -> bool:
    return (Path(directory) / REVIEW_DATA_FILE).is_file()


def _t(lang: str, key: str, **fields: object) -> str:
    return text(f"report.review.{key}", lang, **fields)


def _level_order(level: str) -> int:
    try:
        return int(Level.parse(level))
    except ValueError:
        return len(Level)


def _frame(document: dict, key: str) -> pd.DataFrame:
    return pd.DataFrame(document.get(key) or [])


def _cut_chart(frame: pd.DataFrame, chart_id: str, columns: dict[str, str], title: str,
               alt: str, lang: str) -> str:
    """Cut % bars by pollutant, side by side per series in ``columns`` (column → name), the
    target as a black tick; one panel per level."""
    rows = []
    for r in frame.to_dict("records"):
        level = level_name(str(r["level"]), lang)
        for column, name in columns.items():
            rows.append({"panel": f"{r.get('city', '')} {level}".strip(),
                         "order": _level_order(str(r["level"])), "pollutant": r["pollutant"],
                         "series": name, "cut_pct": r[column], "target_pct": r["target_pct"]})
    labels = {"pollutant": text("report.label.pollutant", lang),
              "series": _t(lang, "series"),
              "cut_pct": _t(lang, "cut_axis"), "target_pct": text("report.label.target", lang)}
    body = charts.grouped_bars(charts.records(pd.DataFrame(rows)), "pollutant", "series",
                               "cut_pct", labels, target="target_pct", x_sort=list(POLLUTANTS))
    data = body.pop("data")
    panels = list(dict.fromkeys(r["panel"] for r in sorted(rows, key=lambda r: r["order"])))
    spec = {"data": data, "facet": {"field": "panel", "type": "nominal", "title": None,
                                    "sort": panels},
            "columns": 3, "spec": {**body, "width": {"step": 22}, "height": 180}}
    return chart(chart_id, charts.spec(spec, title), alt)


def _findings(findings: pd.DataFrame, summary: pd.DataFrame, lang: str) -> str:
    """Each check: its status line, then its errors and warnings, one row per plant finding
    (ids and names as the list writes them), each message in ``lang`` when the document gives
    its ``code`` and ``fields``; info findings counted."""
    if findings.empty:
        return f'<p class="note">{html.escape(_t(lang, "no_findings"))}</p>'
    parts = []
    if "code" in findings.columns:  # each message in the page's language
        findings = findings.assign(message=[
            message("finding", c if isinstance(c, str) else "",
                    f if isinstance(f, dict) else {}, lang, m)
            for c, f, m in zip(findings["code"], findings["fields"], findings["message"],
                               strict=True)])
    columns = [c for c in ("severity", "county", "ids", "names", "industry", "grade", "level",
                           "pollutant", "message") if c in findings.columns]
    for check in dict.fromkeys([*summary.get("check", []), *findings["check"]]):
        rows = findings[findings["check"] == check]
        shown = rows[rows["severity"] != "info"]
        parts.append(f"<h3>{html.escape(VALUE_NAMERS['check'](str(check), lang))}</h3>")
        counts = rows["severity"].value_counts()
        note = _t(lang, "check_counts", errors=int(counts.get("error", 0)),
                  warnings=int(counts.get("warning", 0)), info=int(counts.get("info", 0)))
        parts.append(f'<p class="note">{html.escape(note)}</p>')
        if len(shown):
            parts.append(_table(shown[columns], lang, digits=1))
    return "".join(parts)


def build_review_report(document: dict, lang: str | None = None) -> str:
    """The review page of a review's JSON document as one self-contained HTML string, in
    ``lang``, else in the language the document records, else English."""
    lang = next((c for c in (lang, document.get("lang")) if c in LANGS), "en")
    for key in _DOCUMENT_KEYS:
        if key not in document:
            raise ReportError(f"{REVIEW_DATA_FILE}: key {key} missing — expected the document "
                              f"smogsim review --format json writes")
    summary = _frame(document, "summary")
    findings = _frame(document, "findings")
    coverage = _frame(document, "coverage")
    what_if = _frame(document, "what_if")
    failed = bool(document.get("failed"))
    facts = [(_t(lang, "inventory"), document.get("inventory", "")),
             (_t(lang, "enterprises"), document.get("enterprises", "")),
             (_t(lang, "rules"), document.get("rules", "")),
             (_t(lang, "measures"), document.get("measures", "")),
             (_t(lang, "verdict"), _t(lang, "failed" if failed else "passed"))]
    head = '<table class="facts">' + "".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
        for k, v in facts) + "</table>"
    bodies = {"summary": head + (_table(summary, lang) if len(summary) else ""),
              "findings": _findings(findings, summary, lang)}
    if len(coverage):
        bodies["coverage"] = _cut_chart(
            coverage, "chart-review-coverage", {"cut_pct": _t(lang, "covered")},
            _t(lang, "coverage_title"), "Cut percent per level and pollutant against target",
            lang) + _table(coverage, lang, digits=2)
    else:
        bodies["coverage"] = f'<p class="note">{html.escape(_t(lang, "no_coverage"))}</p>'
    exemptions = _frame(document, "exemptions")
    bodies["exemptions"] = (f'<p class="note">{html.escape(_t(lang, "exemptions_note"))}</p>'
                            + _table(exemptions, lang) if len(exemptions) else
                            f'<p class="note">{html.escape(_t(lang, "no_exemptions"))}</p>')
    if len(what_if):
        parts = []
        plants = _frame(document, "what_if_plants")
        for k, (spec_text, rows) in enumerate(what_if.groupby("what_if", sort=False)):
            parts.append(f"<h3>{html.escape(str(spec_text))}</h3>")
            parts.append(_cut_chart(rows, f"chart-review-what-if-{k}",
                                    {"cut_before_pct": _t(lang, "before"),
                                     "cut_after_pct": _t(lang, "after")},
                                    _t(lang, "what_if_title"),
                                    "Cut percent before and after the regrading", lang))
            parts.append(_table(rows.drop(columns="what_if"), lang, digits=2))
            if len(plants):
                regraded = plants[plants["what_if"] == spec_text].drop(columns="what_if")
                parts.append(f"<h3>{html.escape(_t(lang, 'regraded', n=len(regraded)))}</h3>"
                             + _table(regraded, lang))
        bodies["what_if"] = "".join(parts)
    else:
        bodies["what_if"] = f'<p class="note">{html.escape(_t(lang, "no_what_if"))}</p>'
    sections = "\n".join(
        f'<section id="{key}"><h2>{html.escape(_t(lang, "section." + key))}</h2>'
        f"{bodies[key]}</section>" for key in REVIEW_SECTIONS)
    nav = [(key, _t(lang, "section." + key)) for key in REVIEW_SECTIONS]
    title = _t(lang, "title", inventory=Path(str(document.get("inventory", ""))).name)
    return page(title, lang, nav, sections)


def read_review(directory: str | Path) -> dict:
    return read_json(Path(directory) / REVIEW_DATA_FILE,
                     "a folder written by smogsim review --format html")


def write_review_report(directory: str | Path, lang: str | None = None,
                        out: str | Path | None = None) -> Path:
    """Rebuild the review page from ``directory/review.json`` (default into ``review.html``
    beside it)."""
    page_text = build_review_report(read_review(directory), lang)
    path = Path(out) if out is not None else Path(directory) / REVIEW_REPORT_FILE
    if not path.parent.is_dir():
        raise ReportError(f"{path.parent}: directory not found — cannot write the report")
    atomic_write(path, page_text.encode("utf-8"))
    return path
