"""Regenerate ``xuchang_inventory.csv``, the list of the bundled Xuchang (许昌) grading review.

Synthetic: no real emergency-reduction list can be shipped, so this is the generator of
``enterprises.synthetic`` for 许昌 — 2 000 enterprises in its seven counties and districts,
seed 1 (the same list as ``smogsim synth --city 许昌 --enterprises 2000 --seed 1``). Every
number in it is an assumption labelled in ``enterprises.synthetic``. Run from the repository
root: ``python runs/data/make_xuchang_inventory.py [OUT]`` (default: next to this script).
"""

import sys
from pathlib import Path

from enterprises.inventory import Inventory
from enterprises.io import write_inventory
from enterprises.synthetic import synthesize

CITY = "许昌"
ENTERPRISES = 2000  # large enough for peers in every industry and grade, file ≈ 0.4 MB
SEED = 1
TARGET = Path(__file__).with_name("xuchang_inventory.csv")


def xuchang_inventory() -> Inventory:
    return synthesize(CITY, ENTERPRISES, SEED)


def main(out: Path = TARGET) -> Path:
    return write_inventory(xuchang_inventory(), out)


if __name__ == "__main__":
    print(main(Path(sys.argv[1]) if len(sys.argv) > 1 else TARGET))
