"""The user's cache directory for what schemactl may keep between runs and always rebuild.

``$XDG_CACHE_HOME/schemactl``, else ``~/.cache/schemactl``; never in a repository.  Everything kept there
is a cache: ``check``'s stamps, jinja2's compiled templates, the manifest schema's compiled fast check,
Node's compiled code of the large modules ``import --drizzle`` loads, the local server binary's version.
``SCHEMACTL_NO_CACHE=1`` keeps nothing and reads nothing (``cache()`` is then None); a directory that cannot be used is ignored by each
user of it, and nothing else changes.
"""

from __future__ import annotations

import os
from pathlib import Path


def base() -> Path:
    """The directory, whether or not caching is on (the throwaway PostgreSQL's template lives there too)."""
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(root) / "schemactl"


def cache(*parts: str) -> Path | None:
    """``base() / parts``, or None when SCHEMACTL_NO_CACHE is set."""
    if os.environ.get("SCHEMACTL_NO_CACHE"):
        return None
    return base().joinpath(*parts)
