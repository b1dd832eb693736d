"""Thin, idempotent jobs, one module per feature. Each is a module-level coroutine taking the
app first and then primitive arguments; each claims its run in the database before doing anything
visible, so a job that fires twice (a restart inside the grace time, a catch-up) does its work once.

Jobs call services and views; they never import handlers, and handlers never import them: a
handler commits a row and the scheduler (scheduler/setup.py) builds its jobs from the rows.
"""

from datetime import timedelta

MISFIRE_GRACE = timedelta(hours=3)
