"""What an object holds, for the tests that check a panel or feature object never reaches the main window."""

from __future__ import annotations


def references_of(root, depth: int = 4) -> list:
    """Every object `root` reaches through attributes, closures and bound methods, `depth` steps deep
    (its helper objects and what they hold), the Qt parent chain aside."""
    from PySide6.QtCore import QObject

    seen: dict[int, object] = {}
    frontier = [root]
    for _ in range(depth):
        following = []
        for thing in frontier:
            values = list(vars(thing).values()) if hasattr(thing, "__dict__") else []
            values += [cell.cell_contents for cell in getattr(thing, "__closure__", None) or ()]
            values += [getattr(thing, "__self__", None)]
            for value in values:
                if isinstance(value, dict):
                    following.extend(value.values())
                elif isinstance(value, (list, tuple, set)):
                    following.extend(value)
                elif value is not None and id(value) not in seen:
                    seen[id(value)] = value
                    if isinstance(value, QObject) or callable(value) or hasattr(value, "__dict__"):
                        following.append(value)
        frontier = following
    return list(seen.values())
