"""``portal verify``: may every post be published?"""

from __future__ import annotations

from pathlib import Path

from pipeline.commands.trust import governance_for
from pipeline.errors import PortalError
from pipeline.findings import ERROR, to_json
from pipeline.output import result
from pipeline.verify import verify_repository


def verify(
    root: Path,
    *,
    output_format: str,
    production: bool,
    base: Path | None = None,
    trust_root: str | None = None,
) -> int:
    """Print the findings in ``output_format``; 0 when all may be published, else 1.

    Posts are judged by the configuration in force (approved governed files only,
    from the history and the pinned ``trust_root``). ``base``, a checkout of the
    target branch, makes records there append-only.
    """
    governance = governance_for(root, trust_root=trust_root, production=production)
    config = governance.config
    if base is not None and not (base / "site_config").is_dir():
        raise PortalError(
            f"--base {base} 不是网站仓库的检出目录（其中没有 site_config/）。",
            hint="请给出目标分支（如 main）的检出目录。",
        )
    report = verify_repository(
        root, config, production=production, base=base, witness=governance.witness
    )
    findings = [*governance.findings, *report.findings]
    if output_format == "json":
        result(to_json(findings))
    elif output_format == "github":
        for item in findings:
            result(item.github())
    else:
        for item in findings:
            result(item.text())
    if output_format != "json":
        blocked = report.checked - len(report.publishable)
        errors = sum(1 for f in findings if f.severity == ERROR)
        result(
            f"检查了 {report.checked} 篇稿件：{len(report.publishable)} 篇可以发布，"
            f"{blocked} 篇不能发布；{errors} 个错误。"
        )
    return 0 if report.ok and governance.ok else 1
