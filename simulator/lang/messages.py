"""Messages made elsewhere as a code and fields, said in a language.

Reading a list (``enterprises``) and reviewing one (``simulator.grading``) keep each message's
English line as their record and carry the ``code`` and ``fields`` it was filled from
(``enterprises.errors.Note``, ``simulator.grading.Finding``). Here the catalogue template
``<group>.<code>`` is filled from the same fields: a field holding an industry, a grade or
an alert level gains ``<field>_name`` in the language, a list of values is joined with
``<group>.list`` (or the language's list separator), and a list of records is said item by
item (``<group>.<code>_item``).
The English templates give the English lines back byte for byte (tests check it); a message
without a template stays as it is.
"""

from __future__ import annotations

from collections.abc import Mapping

from simulator.lang.catalogue import catalogue, grade_name, industry_name, level_name, text


def _exemption_name(exemption: str, lang: str) -> str:
    return catalogue(lang).get(f"exemption.{exemption}", exemption)


# a field whose name has one of these words (``level``, ``other_level``, ``grade_after``)
# holds that kind of id and gains ``<field>_name``
_NAMERS = {"industry": industry_name, "grade": grade_name, "level": level_name,
           "class": _exemption_name}


def message(group: str, code: str, fields: Mapping[str, object], lang: str,
            english: str = "") -> str:
    """``<group>.<code>`` in ``lang`` filled from ``fields``; ``english`` when the catalogue has
    no such template.

    >>> message("note", "header_rows", {"row": 3, "second": 4}, "zh")
    '表头在第3行和第4行（两行表头）'
    """
    key = f"{group}.{code}"
    if not code or key not in catalogue(lang):
        return english
    return text(key, lang, **said(group, code, fields, lang))


def said(group: str, code: str, fields: Mapping[str, object], lang: str) -> dict[str, object]:
    """``fields`` ready for a template: lists joined, names of ids added beside them."""
    out: dict[str, object] = {}
    for name, value in fields.items():
        if isinstance(value, (list, tuple)) and value and isinstance(value[0], Mapping):
            out[name] = text(f"{group}.join", lang).join(
                text(f"{group}.{code}_item", lang, **said(group, code, item, lang))
                for item in value)
        elif isinstance(value, (list, tuple)):
            joint = f"{group}.list" if f"{group}.list" in catalogue(lang) else "word.list_separator"
            out[name] = text(joint, lang).join(str(v) for v in value)
        else:
            out[name] = value
        namer = next((_NAMERS[w] for w in name.split("_") if w in _NAMERS), None)
        if namer is not None and isinstance(value, str):
            out[f"{name}_name"] = namer(value, lang) if value else ""
    return out


def note_text(note: str, lang: str) -> str:
    """A reading note (``enterprises.errors.Note``) in ``lang``; a plain line as it is."""
    return message("note", getattr(note, "code", ""), getattr(note, "fields", {}), lang,
                   str(note))
