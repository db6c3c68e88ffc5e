"""``python -m enterprises [path]``: rewrite the bundled demo inventory (Luohe, 300, seed 2023)."""

import sys

from enterprises.io import write_inventory
from enterprises.synthetic import demo_inventory

if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else "runs/data/luohe_inventory.csv"
    print(write_inventory(demo_inventory(), target))
