"""Batch replay of observed episodes: episodes detected per city, the grid of rule sets ×
forecast models × replicates, each run through ``simulator.city``, parts written atomically and
run serially, on local processes or on a Dask cluster.
"""
