"""Several cities through one period: the joint alert timeline, each city through
``simulator.city``, and PM2.5 with and without measures from the source–receptor model.
"""
