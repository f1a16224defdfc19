"""Run the command-line interface: ``python -m borderwatch``."""

from borderwatch.cli import app

app(prog_name="borderwatch")
