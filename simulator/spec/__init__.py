"""Scenario specifications: the schema of every TOML table (keys, kinds, bounds, defaults and
their sources) and the frozen, validated specs built from parsed TOML — one city
(``ScenarioSpec``), several cities (``RegionalSpec``), the truck gate (``TransportSpec``).

Imports ``core`` only (for model defaults).
"""
