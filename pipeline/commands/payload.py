"""``portal payload``: the exact bytes one signature of a record covers."""

from __future__ import annotations

import sys
from pathlib import Path

from pipeline.config import load_config
from pipeline.errors import RecordError, raise_if_any
from pipeline.paths import repo_relative
from pipeline.review import read_record, signature_payload


def show_payload(root: Path, record: str, *, index: int, armor: bool) -> int:
    """Write signature ``index`` of ``record`` (or, with ``armor``, the signature) to stdout."""
    config = load_config(root)
    path = repo_relative(root, record)
    parsed, problems = read_record(root, path)
    raise_if_any(problems)
    assert parsed is not None
    if not 0 <= index < len(parsed.signatures):
        raise RecordError(
            f"记录中只有 {len(parsed.signatures)} 个签名，没有第 {index} 个（从 0 起数）。",
            path=path,
        )
    signature = parsed.signatures[index]
    if armor:
        sys.stdout.write(signature.armored)
    else:
        sys.stdout.buffer.write(signature_payload(config.site.id, parsed, signature))
    sys.stdout.flush()
    return 0
