"""Reports a person reads: ``report.html`` of a run directory (charts drawn by the browser from
inlined Vega-Lite) and, with matplotlib installed, PNG figures beside a regional run's tables.
"""
