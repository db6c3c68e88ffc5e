"""Chinese text that wraps as Chinese does on the console.

rich breaks a line only at spaces. Chinese has none between words, so a Chinese sentence is one
long "word": rich moves it to a line of its own and chops it at the edge, and the only spaces
it holds — inside a timestamp ("2023-12-21 03:00"), between a number and its unit — become
the breaks ("2023-12-2 / 1 03:00"). ``Prose`` breaks between any two Chinese characters and
at spaces, never inside a run of Latin letters and digits (a number, an id) or a timestamp,
never before closing punctuation (，。；：）… and the % of "20 %") and never after opening
punctuation (（“).
"""

from __future__ import annotations

import re

from rich.cells import cell_len, chop_cells
from rich.console import Console, ConsoleOptions
from rich.containers import Lines
from rich.measure import Measurement
from rich.text import Text

_CJK = "\u2e80-\u2fff\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
# a timestamp, a run of anything but spaces and Chinese, a run of spaces, one character
_TOKEN = re.compile(rf"\d{{4}}-\d{{2}}-\d{{2}} \d{{2}}:\d{{2}}|[^\s{_CJK}]+|\s+|.", re.S)
_CLOSING = set("，。、；：！？）》」』】〉”’%…·")
_OPENING = set("（《「『【〈“‘")


def units(text: str) -> list[tuple[int, str]]:
    """``text`` as (start, piece) units a line may break between; spaces are units of their own.

    >>> [u for _, u in units("自2023-12-13 10:00起（注：x）削减 20 %")]
    ['自', '2023-12-13 10:00', '起', '（注：', 'x）', '削', '减', ' ', '20 %']
    """
    found: list[tuple[int, str]] = []
    glue_next = False
    for match in _TOKEN.finditer(text):
        piece = match.group()
        if piece[0] in _CLOSING and len(found) > 1 and found[-1][1] == " ":  # "20 %"
            found.pop()
            start, before = found.pop()
            found.append((start, f"{before} {piece}"))
        elif found and not piece.isspace() and (glue_next or piece[0] in _CLOSING) \
                and not found[-1][1].isspace():
            start, before = found.pop()
            found.append((start, before + piece))
        else:
            found.append((match.start(), piece))
        glue_next = piece[-1] in _OPENING
    return found


def break_offsets(text: str, width: int) -> list[int]:
    """Where the lines of ``text`` start (after the first) when filled up to ``width`` cells;
    a unit wider than ``width`` is chopped."""
    offsets: list[int] = []
    used = 0
    for start, piece in units(text):
        size = cell_len(piece)
        if piece.isspace():
            used += size
            continue
        if used and used + size > width:
            offsets.append(start)
            used = 0
        if size > width:  # a unit that fits no line: chop it
            for chunk in chop_cells(piece, width)[:-1]:
                start += len(chunk)
                offsets.append(start)
            size = cell_len(chop_cells(piece, width)[-1])
        used += size
    return offsets


class Prose(Text):
    """A ``rich`` text wrapped by ``break_offsets``, whose narrowest width is its widest unit."""

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        lines = self.plain.splitlines() or [""]
        widest = max(cell_len(line) for line in lines)
        pieces = [cell_len(p) for _, p in units(self.plain) if not p.isspace()]
        return Measurement(max(pieces, default=widest), widest)

    def wrap(self, console: Console, width: int, *, justify=None, overflow=None,
             tab_size: int = 8, no_wrap: bool | None = None) -> Lines:
        lines = Lines()
        for line in self.split(allow_blank=True):
            divided = line.divide(break_offsets(line.plain, width))
            for part in divided:
                part.rstrip()
            divided.justify(console, width, justify=justify or self.justify or "default",
                            overflow=overflow or self.overflow or "fold")
            lines.extend(divided)
        return lines


def prose(text: str, lang: str) -> Text | str:
    """``text`` for a table cell or caption: ``Prose`` in Chinese; in English the text as rich
    markup with nothing marked up (rich's own wrapping, as before)."""
    if lang == "zh":
        return Prose(text)
    from rich.markup import escape

    return escape(text)
