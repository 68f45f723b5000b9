"""``portal verify``: may every post be published?"""

from __future__ import annotations

from pathlib import Path

from pipeline.config import load_config
from pipeline.errors import PortalError
from pipeline.findings import ERROR, to_json
from pipeline.output import result
from pipeline.verify import verify_repository


def verify(
    root: Path, *, output_format: str, production: bool, base: Path | None = None
) -> int:
    """Print the findings in ``output_format``; 0 when all may be published, else 1.

    ``base``, a checkout of the target branch, makes records there append-only.
    """
    config = load_config(root)
    if base is not None and not (base / "site_config").is_dir():
        raise PortalError(
            f"--base {base} 不是网站仓库的检出目录（其中没有 site_config/）。",
            hint="请给出目标分支（如 main）的检出目录。",
        )
    report = verify_repository(root, config, production=production, base=base)
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
