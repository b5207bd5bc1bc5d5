"""The import contract: no module outside composer.ui imports PySide6 or pyqtgraph (checked in a clean process)."""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = """
import importlib, json, pkgutil, sys
import composer
names = sorted(m.name for m in pkgutil.walk_packages(composer.__path__, "composer."))
checked, failed = [], {}
for name in names:
    if name == "composer.ui" or name.startswith("composer.ui.") or name == "composer.__main__":
        continue
    try:
        importlib.import_module(name)
    except Exception as exc:
        failed[name] = f"{type(exc).__name__}: {exc}"
    checked.append(name)
print(json.dumps({"checked": checked, "failed": failed,
                  "qt": sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6", "pyqtgraph"))}))
"""


def test_no_module_outside_the_ui_package_loads_qt_or_pyqtgraph():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300,
                          check=True)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert "composer.notation.engrave" in report["checked"] and "composer.cli" in report["checked"]
    assert report["failed"] == {}
    assert report["qt"] == []


def test_the_contract_catches_a_qt_import():
    # The same check on composer.ui must see Qt, or the test above proves nothing.
    done = subprocess.run([sys.executable, "-c", "import sys, composer.ui.jobs; "
                           "print('PySide6' in sys.modules)"], capture_output=True, text=True, timeout=120,
                          check=True)
    assert done.stdout.strip() == "True"
