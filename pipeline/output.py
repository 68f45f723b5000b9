"""Where the ``portal`` command's words go: results to stdout, diagnostics to stderr."""

from __future__ import annotations

import logging
import sys

logger = logging.getLogger("pipeline")


def result(text: str) -> None:
    """Write one result (a verdict, a table row, JSON) to standard output."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def setup_logging(verbosity: int) -> None:
    """Send the package's log records to stderr as ``portal: LEVEL: message``."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("portal: %(message)s"))
    logger.handlers[:] = [handler]
    logger.setLevel({-1: logging.ERROR, 0: logging.INFO}.get(verbosity, logging.DEBUG))
    logger.propagate = False
