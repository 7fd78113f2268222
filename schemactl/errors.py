"""User-facing problems: located diagnostics and the exceptions that carry them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Diagnostic:
    file: str
    line: int
    col: int
    message: str
    severity: str = "error"
    path: tuple = field(default=(), compare=False, repr=False)   # the manifest path it is about, when known

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.severity}: {self.message}"


class SchemactlError(Exception):
    """An error caused by the user's input or environment (exit 2, no traceback)."""

    exit_code = 2


class ManifestInvalid(SchemactlError):
    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = sorted(set(diagnostics))
        super().__init__("\n".join(map(str, self.diagnostics)))


class EngineUnavailable(SchemactlError):
    """No database engine could be started or reached; says what was tried."""
