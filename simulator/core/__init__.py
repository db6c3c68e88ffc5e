"""The model: the engine (simpy schedules decisions, numpy integrates emissions), its ramps and
inspections, the ledger that tallies tonnes, the compliance model, the source–receptor model of
air quality, result tables and the run's generator. Takes arrays and tables; reads no file.

Lowest layer of ``simulator``: imports only ``alerts`` and ``enterprises``.
"""
