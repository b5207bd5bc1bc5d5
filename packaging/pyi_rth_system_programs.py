"""PyInstaller runtime hook: programs the bundle starts (abcm2ps, abc2midi, gs) see the system's libraries.

The bootloader puts the bundle's folder first on LD_LIBRARY_PATH (keeping the original in LD_LIBRARY_PATH_ORIG).
The dynamic loader read it when the bundle started, so restoring it changes nothing for the bundle itself; it
keeps the bundle's copies of shared libraries out of the system programs it runs.
"""

import os

if "LD_LIBRARY_PATH_ORIG" in os.environ:
    os.environ["LD_LIBRARY_PATH"] = os.environ.pop("LD_LIBRARY_PATH_ORIG")
else:
    os.environ.pop("LD_LIBRARY_PATH", None)
