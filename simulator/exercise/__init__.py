"""A rehearsal of one city's alert episode, played hour by hour by a planner who decides.

``Exercise`` (``model``) steps a clock, asks the city's alert lifecycle what it proposes at
each consultation and takes the planner's decisions (``decisions``); ``record`` is the
exercise file as plain data, ``state`` the snapshot a page shows, and ``io`` the files: open
a scenario, save and load an exercise, export a run directory.
"""

from simulator.exercise.decisions import ACTIONS, ExerciseError
from simulator.exercise.model import STEPS, Exercise, Proposal, Setup

__all__ = ["ACTIONS", "STEPS", "Exercise", "ExerciseError", "Proposal", "Setup"]
