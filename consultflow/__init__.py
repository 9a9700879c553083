"""The consultflow application: it wires the engine to a database, mail, the web desk and the scheduler.

This is the composition root and the only package that reads the environment: the CLI
(``consultflow.cli``), the daemon's process wiring with APScheduler (``consultflow.daemon``), the scenario
runner of the demo (``consultflow.replay``) and ``consultflow.wiring.open_engine``, which opens an engine
on a database. Nothing is imported here, so that ``consultflow --help`` loads no database or mail code.
"""
