"""Regenerate the bundled data from the code that defines it.

``python -m enterprises [path]`` rewrites the demo inventory (Luohe, 300, seed 2023), by default
``runs/data/luohe_inventory.csv``; ``python -m enterprises measures`` rewrites the bundled
measure catalogue ``enterprises/data/measures.csv`` from ``enterprises.catalogue``;
``python -m enterprises docs`` rewrites the schema table in ``docs/inventory.md``.
"""

import sys
from pathlib import Path

from enterprises.catalogue import write_default
from enterprises.io import DEFAULT_MEASURES_PATH, write_inventory
from enterprises.schema import with_schema_table
from enterprises.synthetic import demo_inventory

if __name__ == "__main__":
    if sys.argv[1:] == ["docs"]:
        doc = Path("docs/inventory.md")
        doc.write_text(with_schema_table(doc.read_text(encoding="utf-8")), encoding="utf-8")
        print(doc)
    elif sys.argv[1:] == ["measures"]:
        write_default(DEFAULT_MEASURES_PATH)
        print(DEFAULT_MEASURES_PATH)
    else:
        target = sys.argv[1] if len(sys.argv) > 1 else "runs/data/luohe_inventory.csv"
        print(write_inventory(demo_inventory(), target))
