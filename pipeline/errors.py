"""One family of expected errors, each able to say what went wrong and what to do."""

from __future__ import annotations


class PortalError(Exception):
    """Base of every error the pipeline expects; carries a location and a hint."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.field = field
        self.hint = hint

    def location(self) -> str:
        """``file:line`` (or just the file) where the problem is, or ``""``."""
        if self.path is None:
            return ""
        return f"{self.path}:{self.line}" if self.line else self.path

    def diagnostics(self) -> str:
        """The message a person reads: where, which field, what, and what to do."""
        parts = []
        if self.location():
            parts.append(f"{self.location()}: ")
        if self.field:
            parts.append(f"字段 {self.field}：")
        parts.append(self.message)
        if self.hint:
            parts.append(f" {self.hint}")
        return "".join(parts)

    def __str__(self) -> str:
        return self.diagnostics()


class ProblemList(PortalError):
    """Several problems found in one pass, reported together."""

    def __init__(self, problems: list[PortalError]) -> None:
        super().__init__(f"发现 {len(problems)} 处问题。")
        self.problems = problems

    def diagnostics(self) -> str:
        """Every problem, one per line, then the count."""
        lines = [problem.diagnostics() for problem in self.problems]
        return "\n".join([*lines, self.message])


def raise_if_any(problems: list[PortalError]) -> None:
    """Raise the one problem, or all of them together; do nothing when there are none."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ProblemList(problems)


class ConfigError(PortalError):
    """A file in ``site_config/`` is missing, malformed or inconsistent."""


class FrontMatterError(PortalError):
    """A post's front matter cannot be read or breaks the schema."""


class RecordError(PortalError):
    """A review record cannot be read or is malformed."""


class SignatureError(PortalError):
    """A signature cannot be parsed or does not verify."""


class SigningError(PortalError):
    """Signing failed: no usable key, or ``ssh-keygen`` refused."""


class BuildError(PortalError):
    """The site could not be built from verified content, or the built site fails its check."""
