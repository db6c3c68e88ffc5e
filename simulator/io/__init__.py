"""File access: reading a scenario's files into model inputs (one city, a region, a replay's
staged inputs) and writing run directories atomically (CSV as Excel opens it).

Imports ``core`` and ``spec``; everything above reads and writes files through here.
"""
