"""Views that no engine can create: a view that reads itself, directly or through other views."""

from __future__ import annotations

from .model import Manifest


def _cycle(start: str, reads: dict) -> list[str] | None:
    """The shortest path of views from ``start`` back to ``start``, or None."""
    frontier = [[start]]
    seen = set()
    while frontier:
        nxt = []
        for path in frontier:
            for dep in sorted(reads.get(path[-1], ())):
                if dep == start:
                    return path + [dep]
                if dep not in seen and dep in reads:
                    seen.add(dep)
                    nxt.append(path + [dep])
        frontier = nxt
    return None


def check(m: Manifest, problems) -> None:
    reads = {v.name: set(v.tables) for v in m.views}
    done: set[frozenset] = set()
    for v in m.views:
        path = _cycle(v.name, reads)
        if path is None or frozenset(path) in done:
            continue
        done.add(frozenset(path))
        shown = " -> ".join(path)
        problems.add(v.path + ("sql",), f'view "{v.name}" reads itself ({shown}); no engine can create a view '
                                        "that depends on itself: read the tables instead of one of these views")
