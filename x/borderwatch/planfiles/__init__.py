"""Plan folders: the one reader and writer of what a plan run leaves on disk.

:mod:`~borderwatch.planfiles.export` writes a plan folder (routes, GPX, plan.json,
CSVs, GeoPackage); :mod:`~borderwatch.planfiles.reload` rebuilds a plan from one;
:mod:`~borderwatch.planfiles.folders` guards output folders and reads back what a
run recorded.
"""

from __future__ import annotations
