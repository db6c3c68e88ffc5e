"""One city simulated: ``simulate_city`` (the engine, then the truck gate) is the one path every
one-city run, regional run and replay takes; ``run_scenario`` loads a scenario and runs it; the
county view puts counties on the city's target.
"""
