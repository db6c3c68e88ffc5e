"""The model: the engine (simpy schedules decisions, numpy integrates emissions) and its ramps,
the inspection teams, the ledger that tallies tonnes, the compliance model, the source–receptor
model of air quality, the engine's record and the result tables made from it, and the run's
generator. Takes arrays and tables; reads no file.

Lowest layer of ``simulator``: imports only ``alerts`` and ``enterprises``.
"""
