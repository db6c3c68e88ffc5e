"""Reports a person reads: ``report.html`` of a run directory and the figures beside it.
Imported only when a report is asked for (it brings matplotlib).
"""
