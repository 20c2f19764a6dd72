"""The one error the screening engine raises for bad admin input."""

from __future__ import annotations

from pathlib import Path


class PolicyError(ValueError):
    """A category table, list file or term the engine cannot use.

    `file` and `line` point the admin at the problem (line is 1-based and
    None when the source has no lines, e.g. a TOML table parsed without
    positions). The node keeps its previous policy when this is raised.
    """

    def __init__(self, message: str, *, file: Path | str | None = None,
                 line: int | None = None) -> None:
        where = ""
        if file is not None:
            where = f"{file}:{line}: " if line is not None else f"{file}: "
        super().__init__(f"{where}{message}")
        self.message = message
        self.file = None if file is None else Path(file)
        self.line = line

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only fields: the default pickling (cls(*args)) would lose
        # them, and a reload built in a child process sends this error back.
        return (_rebuild, (self.message, self.file, self.line))


def _rebuild(message: str, file: Path | None, line: int | None) -> PolicyError:
    return PolicyError(message, file=file, line=line)
