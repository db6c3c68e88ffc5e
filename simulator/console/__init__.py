"""The rehearsal console: ``smogsim serve`` opens a scenario as an exercise in the browser.

A small ASGI app (Starlette) with one server-rendered page and a little script that reads the
exercise's snapshot (``Exercise.state(lang)``) from a JSON endpoint. Each browser session
(cookie) has its own exercise and lock; uploads (list, forecast, scenario, exercise file) pass
the same readers and give the same one-line errors as the command line. Every asset is served
from the package: nothing comes from a network.
"""
