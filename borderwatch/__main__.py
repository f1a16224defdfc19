"""Run the command-line interface: ``python -m borderwatch``."""

from borderwatch._entry import main

main()
