"""``portal verify``: may every post be published?"""

from __future__ import annotations

from pathlib import Path

from pipeline.commands.trust import governance_for, verified
from pipeline.config import SiteConfig
from pipeline.errors import PortalError
from pipeline.findings import ERROR, WARNING, Finding, finding, to_json
from pipeline.output import result


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
    report = verified(root, governance, production=production, base=base)
    findings = [*governance.findings, *report.findings, *_site_findings(config)]
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


def _site_findings(config: SiteConfig) -> list[Finding]:
    """What the site as a whole lacks (附件2 第三条)."""
    if config.site.disclosure_office is not None:
        return []
    return [
        finding(
            "site_config/site.yml",
            "disclosure-office",
            "网站没有公布依申请公开的受理机构（名称、办公地址、办公时间、联系电话、"
            "传真号码、电子邮箱）。",
            severity=WARNING,
            field="disclosure_office",
            hint="请在 site_config/site.yml 中填写 disclosure_office（须经审批）。",
        )
    ]
