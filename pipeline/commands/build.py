"""``portal build`` and ``portal check-site``: build from verified bytes, check page by page.

``build`` fails closed: it verifies every post, writes the sources of the publishable
ones (and nothing else) into a fresh staging folder, runs MkDocs on that folder, marks
the pages ``lang="zh-CN"`` (``declare_language``), checks the output page by page
against the approvals and only then swaps it in for the site folder, in one rename
where the system allows. The old site stays as it was whenever any step fails. None
of this rests on the ``portal`` MkDocs plugin: without it in ``mkdocs.yml`` the staging
folder still holds only verified sources, the navigation is set here, and the check
is the same.

Before anything is built, ``mkdocs.yml`` itself is read without running code and
refused when it could bring in content no approval covers: template overrides, hooks,
extra scripts, stylesheets or templates, plugins other than ``search`` and ``portal``,
and Markdown extensions outside a short list of ones that read no files.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from yaml_env_tag import construct_env_tag  # type: ignore[import-untyped]

from pipeline.commands.trust import governance_for, verified
from pipeline.config import MARKDOWN_EXTENSIONS as ALLOWED_EXTENSIONS
from pipeline.config import MKDOCS_BUILTIN_EXTENSIONS, SiteConfig
from pipeline.errors import BuildError
from pipeline.findings import ERROR, Finding, from_error
from pipeline.governance import Governance
from pipeline.output import result
from pipeline.post import sha256_hex
from pipeline.site import (
    STYLESHEET,
    THEME_FOLDER,
    SiteSources,
    check_site,
    site_sources,
    with_language,
    write_sources,
)
from pipeline.takedown import KEY_VARIABLE
from pipeline.verify import Report

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_REFUSED = 1
MKDOCS_FILE = "mkdocs.yml"
PROTECTED = ("content", "reviews", "site_config", ".git")
ALLOWED_PLUGINS = ("search", "portal")


def build(
    root: Path,
    *,
    site_dir: Path,
    exclude: bool,
    production: bool = False,
    trust_root: str | None = None,
) -> int:
    """Build the site into ``site_dir`` (relative to ``root``) from approved posts only.

    Returns 0 when the site was built, checked and put in place; 1 when ``mkdocs.yml``
    is refused, unapproved posts stop the build (unless ``exclude``), MkDocs fails or
    the check finds problems, or a governed file has an unapproved change (never
    skipped, whatever ``exclude`` says). With ``production``, signatures made with
    demo keys do not count and the trust root must be pinned.
    """
    started = time.monotonic()
    governance = _governance(root, trust_root, production)
    if governance is None:
        return EXIT_REFUSED
    config = governance.config
    settings, problems = read_mkdocs_config(root / MKDOCS_FILE)
    problems = problems or dialect_problems(settings, config)
    if problems:
        _log_config_problems(problems)
        return EXIT_REFUSED
    report = verified(root, governance, production=production)
    if report.unchecked:
        logger.error(
            f"有 {len(report.unchecked)} 项紧急撤下在生效，但本机没有紧急撤下密钥（环境变量 "
            f"{KEY_VARIABLE}），无法确认其他稿件没有引用撤下的内容；网站没有构建，"
            "原网站目录未改动（附件4 第八条）。请设置密钥后重试（部署工作流从 Actions 机密读取）。"
        )
        return EXIT_REFUSED
    blocked = report.blocked()
    # A takedown takes effect at once: posts quoting the leak are left out of this
    # build whatever --exclude-unapproved says, so they never keep the old site up.
    held = {
        path: findings
        for path, findings in blocked.items()
        if all(f.rule == "takedown-quoted" for f in findings)
    }
    for path, findings in held.items():
        for item in findings:
            logger.warning(item.text())
        logger.warning(f"紧急撤下期间暂不发布：{path}")
    blocked = {path: f for path, f in blocked.items() if path not in held}
    leaked = any(f.rule == "register-in-site" for f in report.findings)
    # Personal data in the repository: never build around it.
    if not _may_go_on(blocked, exclude=exclude and not leaked, leaked=leaked):
        return EXIT_REFUSED
    try:
        target = site_target(root, site_dir)
        sources = site_sources(report, config)
        findings = _build_and_swap(
            root, target, sources, report, settings, exclude=exclude
        )
    except BuildError as exc:
        logger.error(exc.diagnostics())
        return EXIT_REFUSED
    except OSError as exc:
        logger.error(
            f"无法写入网站目录 {site_dir}：{exc.strerror or exc}。原网站目录未改动。"
            "请检查 --site-dir 是否指向一个可写的目录（不能位于普通文件之下）。"
        )
        return EXIT_REFUSED
    if findings:
        for item in findings:
            logger.error(item.text())
        logger.error(
            f"构建出的网站有 {len(findings)} 处未通过逐页核对，已丢弃；"
            f"原网站目录 {target} 未改动。请按上面各条的提示处理后重新运行 portal build。"
        )
        return EXIT_REFUSED
    elapsed = time.monotonic() - started
    result(
        f"网站已构建并通过逐页核对：{len(sources.pages)} 个页面"
        f"（稿件 {len(report.publishable)} 篇），排除未获批准的文件 {len(blocked)} 个，"
        f"用时 {elapsed:.1f} 秒；输出目录 {target}。"
    )
    return EXIT_OK


def _may_go_on(
    blocked: dict[str, list[Finding]], *, exclude: bool, leaked: bool = False
) -> bool:
    """Log why each blocked file is blocked; True when the build may leave them out."""
    level = logging.WARNING if exclude else logging.ERROR
    for findings in blocked.values():
        for item in findings:
            logger.log(level, item.text())
    if blocked and not exclude:
        logger.error(
            f"有 {len(blocked)} 个文件不能发布，网站没有构建，原网站目录未改动。"
            + (
                "请按上面的提示处理；若要先发布其余已批准的稿件，"
                "请用 portal build --exclude-unapproved。"
                if not leaked
                else "网站仓库中有依申请公开登记簿的文件（含个人信息），必须先从仓库删除"
                "（见上面的 register-in-site），--exclude-unapproved 对此不起作用。"
            )
        )
        return False
    for path in blocked:
        logger.warning(f"未获批准，已排除：{path}")
    return True


def _log_config_problems(problems: list[BuildError]) -> None:
    for problem in problems:
        logger.error(problem.diagnostics())
    logger.error(
        f"{MKDOCS_FILE} 有 {len(problems)} 处设置会让未经审批的内容上网，"
        "网站没有构建，原网站目录未改动。请按上面的提示修改后重试。"
    )


def _governance(
    root: Path, trust_root: str | None, production: bool
) -> Governance | None:
    """The approved configuration; ``None`` (reasons logged) while a governed file
    has an unapproved change: the working tree would not be what was approved."""
    governance = governance_for(root, trust_root=trust_root, production=production)
    for item in governance.findings:
        if item.severity == ERROR:
            logger.error(item.text())
        else:
            logger.warning(item.text())
    if governance.ok:
        return governance
    logger.error(
        "受管文件（花名册、审批规则、栏目、网站设置、mkdocs.yml）有未经批准的改动，"
        "网站没有构建，原网站目录未改动。请按上面的提示批准或撤销这些改动。"
    )
    return None


def check_site_command(
    root: Path,
    site_dir: Path,
    *,
    production: bool = False,
    trust_root: str | None = None,
) -> int:
    """Verify the repository and check the built site in ``site_dir`` page by page.

    ``site_dir`` is relative to ``root`` unless absolute. Returns 0 when ``mkdocs.yml``
    is acceptable and every file of the site matches the approvals, 1 otherwise.
    """
    governance = _governance(root, trust_root, production)
    if governance is None:
        return EXIT_REFUSED
    config = governance.config
    report = verified(root, governance, production=production)
    target = site_dir if site_dir.is_absolute() else root / site_dir
    sources = site_sources(report, config)
    blocked = report.blocked()
    if blocked:
        logger.warning(
            f"有 {len(blocked)} 个文件未获批准，它们不应出现在网站上："
            + "、".join(blocked)
        )
    findings = _check_built_site(root, target, sources, report, config)
    for item in findings:
        logger.error(item.text())
    if findings:
        result(
            f"网站 {target} 未通过逐页核对：{len(findings)} 处问题。"
            "请按上面的提示处理后运行 portal build 重新构建，不要部署这个目录。"
        )
        return EXIT_REFUSED
    result(f"网站 {target} 通过逐页核对：{len(sources.pages)} 个页面均与审批记录一致。")
    return EXIT_OK


def _check_built_site(
    root: Path, target: Path, sources: SiteSources, report: Report, config: SiteConfig
) -> list[Finding]:
    """``mkdocs.yml`` first (its theme says which theme files may be in the site)."""
    settings, problems = read_mkdocs_config(root / MKDOCS_FILE)
    problems = problems or dialect_problems(settings, config)
    try:
        allowed = {} if problems else theme_files(settings)
    except BuildError as exc:
        problems = [exc]
    if problems:
        return [from_error("site-config", problem) for problem in problems]
    return check_site(target, sources, report, theme_files=allowed)


# --------------------------------------------------------------------------- config


class _SettingsLoader(yaml.SafeLoader):
    """Reads ``mkdocs.yml`` as plain data: no Python tags; ``!ENV`` as MkDocs reads it."""


_SettingsLoader.add_constructor("!ENV", construct_env_tag)


def read_mkdocs_config(
    config_file: Path, shown: str = MKDOCS_FILE
) -> tuple[dict[str, Any], list[BuildError]]:
    """The settings in ``config_file``, read without running code, and every refusal.

    Each refusal names the file (as ``shown``) and the key, says why and what to do.
    A file that cannot be read this way (e.g. it uses ``!!python/…`` tags, which
    MkDocs would execute) is refused as a whole.
    """
    try:
        settings = yaml.load(config_file.read_text("utf-8"), Loader=_SettingsLoader)
    except FileNotFoundError:
        return {}, [_missing_config(shown)]
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return {}, [_unreadable_config(shown, exc)]
    if not isinstance(settings, dict):
        return {}, [
            BuildError(
                "内容不是“键: 值”形式的设置。",
                path=shown,
                hint="请参照仓库中的 mkdocs.yml 样例重写。",
            )
        ]
    problems: list[BuildError] = []
    for check in _SETTING_CHECKS:
        problems.extend(check(settings, shown))
    return settings, problems


def _missing_config(shown: str) -> BuildError:
    return BuildError(
        "找不到网站构建配置。",
        path=shown,
        hint="请在仓库根目录放置 mkdocs.yml（见 README）。",
    )


def _unreadable_config(shown: str, exc: Exception) -> BuildError:
    line, problem = None, str(exc)
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        line, problem = exc.problem_mark.line + 1, str(exc.problem)
    return BuildError(
        f"无法按普通设置读取（{problem}）。",
        path=shown,
        line=line,
        hint="mkdocs.yml 只能写普通的设置值（可以用 !ENV）；"
        "请删除 !!python/… 等会引用或执行代码的标签，并检查 YAML 语法。",
    )


def _refusal(shown: str, key: str, why: str, what: str) -> BuildError:
    return BuildError(why, path=shown, field=key, hint=what)


def _entries(value: object) -> list[str]:
    """The entries of a setting that is a list, a mapping or a single value."""
    if value is None or value == [] or value == {}:
        return []
    if isinstance(value, dict):
        return [str(name) for name in value]
    if isinstance(value, list):
        return [_entry_name(item) for item in value]
    return [str(value)]


def _entry_name(item: object) -> str:
    """``name`` of a list item written ``name`` or ``name: {options}``."""
    if isinstance(item, dict) and len(item) == 1:
        return str(next(iter(item)))
    return str(item)


def _check_inherit(settings: dict[str, Any], shown: str) -> list[BuildError]:
    if "INHERIT" not in settings:
        return []
    return [
        _refusal(
            shown,
            "INHERIT",
            f"继承了另一个配置文件 {settings['INHERIT']}，其中的设置未经本流程检查。",
            "请把需要的设置直接写进 mkdocs.yml，并删除 INHERIT。",
        )
    ]


def _check_hooks(settings: dict[str, Any], shown: str) -> list[BuildError]:
    hooks = _entries(settings.get("hooks"))
    if not hooks:
        return []
    return [
        _refusal(
            shown,
            "hooks",
            f"hooks（{'、'.join(hooks)}）会在构建时运行任意 Python 代码，"
            "可以改写已批准的稿件或加入未经审批的内容。",
            "请删除 hooks 设置；网站内容只能来自已批准的稿件。",
        )
    ]


def _check_theme(settings: dict[str, Any], shown: str) -> list[BuildError]:
    theme = settings.get("theme")
    if not isinstance(theme, dict) or not theme.get("custom_dir"):
        return []
    return [
        _refusal(
            shown,
            "theme.custom_dir",
            f"主题覆盖目录 {theme['custom_dir']} 中的模板和文件会原样出现在网站上，"
            "未经任何审批。",
            "请删除 custom_dir；页面样式只能由主题和 portal 生成的样式表决定。",
        )
    ]


def _check_plugins(settings: dict[str, Any], shown: str) -> list[BuildError]:
    refused = [
        name
        for name in _entries(settings.get("plugins"))
        if name not in ALLOWED_PLUGINS
    ]
    if not refused:
        return []
    return [
        _refusal(
            shown,
            "plugins",
            f"插件 {'、'.join(refused)} 不在允许范围内；插件可以在构建时改写页面或加入文件。",
            f"请从 plugins 中删除它们；只允许 {'、'.join(ALLOWED_PLUGINS)}。",
        )
    ]


def dialect_problems(
    settings: Mapping[str, Any], config: SiteConfig, shown: str = MKDOCS_FILE
) -> list[BuildError]:
    """A refusal unless MkDocs renders posts with exactly the Markdown extensions of
    ``site.yml`` (MkDocs always adds its own three): the extensions the content scan
    rendered them with. Another extension could turn text the scan saw as harmless
    into markup, or hide markup the site then shows."""
    used = {*MKDOCS_BUILTIN_EXTENSIONS, *_entries(settings.get("markdown_extensions"))}
    wanted = set(config.site.markdown_extensions)
    if used == wanted:
        return []
    return [
        _refusal(
            shown,
            "markdown_extensions",
            f"MkDocs 会用的 Markdown 扩展（{'、'.join(sorted(used))}）与 site_config/site.yml "
            f"的 markdown_extensions（{'、'.join(sorted(wanted))}）不一致；稿件审查时按后者渲染。",
            "请让两处一致（MkDocs 总会加上 toc、tables、fenced_code）。",
        )
    ]


def _check_extensions(settings: dict[str, Any], shown: str) -> list[BuildError]:
    refused = [
        name
        for name in _entries(settings.get("markdown_extensions"))
        if name not in ALLOWED_EXTENSIONS
    ]
    if not refused:
        return []
    return [
        _refusal(
            shown,
            "markdown_extensions",
            f"Markdown 扩展 {'、'.join(refused)} 不在允许范围内；"
            "有的扩展（如 pymdownx.snippets）会把稿件以外的文件插入页面。",
            "请从 markdown_extensions 中删除它们；允许的扩展有："
            f"{'、'.join(ALLOWED_EXTENSIONS)}。",
        )
    ]


def _check_extra_javascript(settings: dict[str, Any], shown: str) -> list[BuildError]:
    value = settings.get("extra_javascript")
    items = value if isinstance(value, list) else _entries(value)
    # Each script is a path, or a mapping with its path and attributes.
    scripts = [str(i.get("path", i)) if isinstance(i, dict) else str(i) for i in items]
    if not scripts:
        return []
    return [
        _refusal(
            shown,
            "extra_javascript",
            f"额外脚本 {'、'.join(scripts)} 会加入每个页面，未经任何审批。",
            "请删除 extra_javascript 设置。",
        )
    ]


def _check_extra_css(settings: dict[str, Any], shown: str) -> list[BuildError]:
    refused = [
        name for name in _entries(settings.get("extra_css")) if name != STYLESHEET
    ]
    if not refused:
        return []
    return [
        _refusal(
            shown,
            "extra_css",
            f"样式表 {'、'.join(refused)} 未经审批；"
            f"extra_css 只能列出 portal 生成的 {STYLESHEET}。",
            f"请从 extra_css 中删除它们，只保留 {STYLESHEET}。",
        )
    ]


def _check_extra_templates(settings: dict[str, Any], shown: str) -> list[BuildError]:
    templates = _entries(settings.get("extra_templates"))
    if not templates:
        return []
    return [
        _refusal(
            shown,
            "extra_templates",
            f"额外模板 {'、'.join(templates)} 会生成未经审批的页面。",
            "请删除 extra_templates 设置。",
        )
    ]


_SETTING_CHECKS: tuple[Callable[[dict[str, Any], str], list[BuildError]], ...] = (
    _check_inherit,
    _check_hooks,
    _check_theme,
    _check_plugins,
    _check_extensions,
    _check_extra_javascript,
    _check_extra_css,
    _check_extra_templates,
)


def theme_files(settings: Mapping[str, Any]) -> dict[str, str]:
    """SHA-256 of each file the theme of ``settings`` has under ``assets/``, by site path.

    Where the theme's folders hold the same path twice, the first wins, as in MkDocs.
    Raises ``BuildError`` when the theme is not installed.
    """
    from mkdocs.theme import Theme

    theme = settings.get("theme")
    name = theme.get("name") if isinstance(theme, dict) else theme
    try:
        dirs = Theme(name=name or "mkdocs").dirs
    except (KeyError, TypeError):
        raise BuildError(
            f"主题 {name} 没有安装，无从核对网站中的主题文件。",
            path=MKDOCS_FILE,
            field="theme",
            hint="请安装该主题，或在 mkdocs.yml 中改用 material。",
        ) from None
    files: dict[str, str] = {}
    for folder in map(Path, dirs):
        for path in sorted((folder / THEME_FOLDER).rglob("*")):
            relative = path.relative_to(folder).as_posix()
            if path.is_file() and relative not in files:
                files[relative] = sha256_hex(path.read_bytes())
    return files


# --------------------------------------------------------------------------- target


def site_target(root: Path, site_dir: Path) -> Path:
    """The site folder to replace, refusing any that holds or is the repository's own."""
    path = site_dir if site_dir.is_absolute() else root / site_dir
    path = path.parent.resolve() / path.name
    root = root.resolve()
    shown = str(site_dir)
    if path == root or root.is_relative_to(path) or path.name in ("", ".", ".."):
        raise BuildError(
            "网站目录不能是仓库本身或其上级目录。",
            path=shown,
            hint="请用 --site-dir 指定单独的目录，如 site。",
        )
    for name in PROTECTED:
        if path.is_relative_to(root / name):
            raise BuildError(
                f"网站目录不能放在 {name}/ 里。",
                path=shown,
                hint="请用 --site-dir 指定单独的目录，如 site。",
            )
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise BuildError(
            "网站目录已存在，但不是普通目录。",
            path=shown,
            hint="请删除它或换一个 --site-dir。",
        )
    if path.is_dir() and any(path.iterdir()) and not (path / "index.html").is_file():
        raise BuildError(
            "这个目录不像是以前构建的网站（没有 index.html），为安全起见不会覆盖它。",
            path=shown,
            hint="请换一个 --site-dir，或确认无用后手工删除该目录。",
        )
    return path


# --------------------------------------------------------------------------- build


def _build_and_swap(
    root: Path,
    target: Path,
    sources: SiteSources,
    report: Report,
    settings: Mapping[str, Any],
    *,
    exclude: bool,
) -> list[Finding]:
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(
        prefix=f".{target.name}.build-", dir=target.parent
    ) as work:
        staging = Path(work) / "docs"
        output = Path(work) / target.name
        staging.mkdir()
        write_sources(sources, staging)
        run_mkdocs(root, staging, output, sources, exclude=exclude)
        declare_language(output)
        allowed = theme_files(settings)
        findings = check_site(output, sources, report, theme_files=allowed)
        if not findings:
            replace_directory(output, target)
        return findings


def declare_language(output: Path) -> None:
    """Declare ``lang="zh-CN"`` on each built HTML page (see ``site.with_language``);
    done here too so that no plugin needs to run for it."""
    for folder, _, names in os.walk(output, followlinks=False):
        for name in names:
            page = Path(folder) / name
            if page.suffix != ".html" or page.is_symlink():
                continue
            text = page.read_text(encoding="utf-8")
            declared = with_language(text)
            if declared != text:
                page.write_text(declared, encoding="utf-8")


def run_mkdocs(
    root: Path, staging: Path, output: Path, sources: SiteSources, *, exclude: bool
) -> None:
    """Build ``staging`` into ``output`` with MkDocs in-process, using ``root/mkdocs.yml``."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config as load_mkdocs_config
    from mkdocs.exceptions import MkDocsException

    from pipeline.mkdocs_plugin import PortalPlugin

    config_file = root / MKDOCS_FILE
    with _mkdocs_logging():
        try:
            config = load_mkdocs_config(
                config_file=str(config_file),
                docs_dir=str(staging),
                site_dir=str(output),
            )
            if not config.use_directory_urls:
                raise BuildError(
                    "逐页核对要求 use_directory_urls: true。",
                    path=MKDOCS_FILE,
                    hint="请在 mkdocs.yml 中设置 use_directory_urls: true。",
                )
            # Imported with the search plugin; its dictionary messages are noise here.
            logging.getLogger("jieba").setLevel(logging.WARNING)
            config.nav = list(sources.nav)
            for plugin in config.plugins.values():
                if isinstance(plugin, PortalPlugin):
                    plugin.config.exclude_unapproved = exclude
                    plugin.prepared = sources
            config.plugins.on_startup(command="build", dirty=False)
            try:
                mkdocs_build(config)
            finally:
                config.plugins.on_shutdown()
        except MkDocsException as exc:
            raise BuildError(
                f"MkDocs 构建失败：{exc}",
                path=MKDOCS_FILE,
                hint="请查看上面 MkDocs 的输出，检查 mkdocs.yml。",
            ) from None


@contextmanager
def _mkdocs_logging() -> Iterator[None]:
    """Show MkDocs's warnings as ``portal: mkdocs: …`` while it runs."""
    mkdocs_logger = logging.getLogger("mkdocs")
    handler = logging.StreamHandler()
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("portal: mkdocs: %(message)s"))
    saved = (mkdocs_logger.propagate, mkdocs_logger.level)
    mkdocs_logger.addHandler(handler)
    mkdocs_logger.propagate = False
    if mkdocs_logger.level == logging.NOTSET:
        mkdocs_logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        mkdocs_logger.removeHandler(handler)
        mkdocs_logger.propagate, level = saved
        mkdocs_logger.setLevel(level)


# --------------------------------------------------------------------------- swap

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2``); False where unsupported."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    renameat2.restype = ctypes.c_int
    code = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    if code == 0:
        return True
    number = ctypes.get_errno()
    if number in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(number, os.strerror(number), str(second))


def replace_directory(new: Path, target: Path) -> None:
    """Put the folder ``new`` at ``target``; readers see the old site or the new, whole.

    ``new`` must be on the same file system. The old site ends up at ``new`` (for the
    caller to delete) or is deleted here.
    """
    if not target.exists():
        os.rename(new, target)
        return
    if _exchange(new, target):
        return
    old = new.with_name(new.name + ".old")
    os.rename(target, old)
    try:
        os.rename(new, target)
    except OSError:
        os.rename(old, target)
        raise
    shutil.rmtree(old)
