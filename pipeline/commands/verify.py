"""``portal verify``: may every post be published?"""

from __future__ import annotations

from pathlib import Path

from pipeline.config import load_config
from pipeline.findings import ERROR, to_json
from pipeline.output import result
from pipeline.verify import verify_repository


def verify(root: Path, *, output_format: str, production: bool) -> int:
    """Print the findings in ``output_format``; 0 when all may be published, else 1."""
    config = load_config(root)
    report = verify_repository(root, config, production=production)
    if output_format == "json":
        result(to_json(report.findings))
    elif output_format == "github":
        for item in report.findings:
            result(item.github())
    else:
        for item in report.findings:
            result(item.text())
    if output_format != "json":
        blocked = report.checked - len(report.publishable)
        errors = sum(1 for f in report.findings if f.severity == ERROR)
        result(
            f"检查了 {report.checked} 篇稿件：{len(report.publishable)} 篇可以发布，"
            f"{blocked} 篇不能发布；{errors} 个错误。"
        )
    return 0 if report.ok else 1
