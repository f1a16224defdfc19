"""Run the command-line interface: ``python -m borderwatch``."""

from borderwatch.cli import main

main()
