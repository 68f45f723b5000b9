"""The ``portal`` MkDocs plugin: a thin adapter that feeds MkDocs the verified sources.

Enforcement does not rest on this plugin: ``portal build`` writes the same sources to
a clean staging folder and checks the built site page by page, with or without it.
The plugin makes a plain ``mkdocs build`` (or ``mkdocs serve``) show the same site:

- ``on_config`` refuses a ``mkdocs.yml`` that could bring in unapproved content
  (the rules of ``portal build``: no hooks, template overrides, extra scripts or
  templates, other plugins or file-reading Markdown extensions; hooks and Python tags
  have already run by then, which only ``portal build`` prevents), then verifies the
  repository (the folder of ``mkdocs.yml``); unapproved posts stop the build, or
  with ``exclude_unapproved: true`` are left out with a warning each; the navigation
  becomes the generated one (home and column indexes);
- ``on_files`` replaces every documentation file by the generated sources, so pages
  are rendered from the bytes that were verified, not re-read from ``docs_dir``.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from pipeline.commands.build import read_mkdocs_config
from pipeline.commands.trust import verified
from pipeline.errors import BuildError, PortalError
from pipeline.findings import Finding
from pipeline.history import pin_from, trusted_governance
from pipeline.site import SiteSources, site_sources, with_language

log = get_plugin_logger(__name__)


class PortalPluginConfig(base.Config):  # type: ignore[no-untyped-call]
    """Options of the ``portal`` plugin in ``mkdocs.yml``."""

    exclude_unapproved = c.Type(bool, default=False)


class PortalPlugin(BasePlugin[PortalPluginConfig]):  # type: ignore[no-untyped-call]
    """Builds the site from verified posts only (see the module docstring)."""

    #: Sources already verified by ``portal build``; the plugin then does not verify again.
    prepared: SiteSources | None = None
    sources: SiteSources | None = None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        """Check the settings and the repository, leave out unapproved posts, set the nav."""
        _refuse_unsafe_settings(config)
        if not config.use_directory_urls:
            raise PluginError(
                "portal 插件要求 mkdocs.yml 中 use_directory_urls: true（逐页核对按此规则）。"
            )
        self.sources = self.prepared or self._verified_sources(config)
        config.nav = list(self.sources.nav)
        return config

    def _verified_sources(self, config: MkDocsConfig) -> SiteSources:
        if not config.config_file_path:
            raise PluginError("portal 插件需要从 mkdocs.yml 所在的仓库读取稿件。")
        root = Path(config.config_file_path).resolve().parent
        try:
            governance = trusted_governance(root, pin=pin_from(None))
            if not governance.ok:
                raise PluginError(
                    "受管文件有未经批准的改动，网站不能构建：\n"
                    + "\n".join(f.text() for f in governance.findings)
                )
            site_config = governance.config
            used = set(config.markdown_extensions)
            if used != set(site_config.site.markdown_extensions):
                raise PluginError(
                    f"mkdocs.yml 的 Markdown 扩展（{'、'.join(sorted(used))}）与 "
                    "site_config/site.yml 的 markdown_extensions 不一致；"
                    "稿件审查时按后者渲染，网站必须与之相同。"
                )
            report = verified(root, governance)
            blocked = report.blocked()
            if blocked and not self.config.exclude_unapproved:
                raise PluginError(_refusal(blocked))
            for path, findings in blocked.items():
                reasons = "；".join(f.message for f in findings)
                log.warning(f"未获批准，已排除 {path}：{reasons}")
            return site_sources(report, site_config)
        except PortalError as exc:
            raise PluginError(
                f"无法判断哪些稿件可以发布：\n{exc.diagnostics()}"
            ) from None

    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str:
        """Declare the page's language as zh-CN (presentation only)."""
        return with_language(output)

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        """Replace every documentation file by the generated, verified sources."""
        assert self.sources is not None
        docs_dir = Path(config.docs_dir).resolve()
        kept = [
            file
            for file in files
            if not file.is_documentation_page()
            and not (file.src_dir and Path(file.src_dir).resolve() == docs_dir)
        ]
        result = Files(kept)
        for src_uri, data in self.sources.files.items():
            existing = result.get_file_from_path(src_uri)
            if existing is not None:
                result.remove(existing)
            result.append(File.generated(config, src_uri, content=data))
        # Theme files hidden by a same-named file in docs_dir come back.
        result.add_files_from_theme(config.theme.get_env(), config)
        return result


def _refuse_unsafe_settings(config: MkDocsConfig) -> None:
    """Raise ``PluginError`` when the configuration file is one ``portal build`` refuses.

    Unchecked only when MkDocs was given no file (``portal build`` checks its own).
    """
    if not config.config_file_path:
        return
    config_file = Path(config.config_file_path)
    _, problems = read_mkdocs_config(config_file, config_file.name)
    if problems:
        raise PluginError(_settings_refusal(problems))


def _settings_refusal(problems: list[BuildError]) -> str:
    lines = ["网站构建配置会让未经审批的内容上网，网站不能构建："]
    lines.extend(f"  - {problem.diagnostics()}" for problem in problems)
    lines.append("请按提示修改后重试。")
    return "\n".join(lines)


def _refusal(blocked: dict[str, list[Finding]]) -> str:
    lines = [f"有 {len(blocked)} 个文件未获批准，网站不能构建："]
    for path, findings in blocked.items():
        lines.append(f"  {path}")
        lines.extend(f"    - {f.text()}" for f in findings)
    lines.append(
        "请按提示完成审批后重试；若要先发布其余已批准的稿件，"
        "请在 mkdocs.yml 中为 portal 插件设置 exclude_unapproved: true，"
        "或运行 portal build --exclude-unapproved。"
    )
    return "\n".join(lines)
