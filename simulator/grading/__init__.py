"""The grading review: consistency, grade and level monotonicity, exemptions, coverage of the
10/20/30 % targets, and what-if regrading, on an emergency-reduction list.
"""
