"""``portal allowed-signers``: the roster as an OpenSSH allowed_signers file."""

from __future__ import annotations

from pathlib import Path

from pipeline.config import load_config
from pipeline.output import result
from pipeline.review import NAMESPACE
from pipeline.roster import allowed_signers as render


def allowed_signers(root: Path) -> int:
    """Print the allowed_signers file for ``ssh-keygen -Y verify``."""
    result(render(load_config(root).roster, NAMESPACE))
    return 0
