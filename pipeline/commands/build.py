"""``portal build`` and ``portal check-site``: build from verified bytes, check page by page.

``build`` fails closed: it verifies every post, writes the sources of the publishable
ones (and nothing else) into a fresh staging folder, runs MkDocs on that folder, checks
the output page by page against the approvals and only then swaps it in for the site
folder, in one rename where the system allows. The old site stays as it was whenever
any step fails. None of this rests on the ``portal`` MkDocs plugin: without it in
``mkdocs.yml`` the staging folder still holds only verified sources, the navigation is
set here, and the check is the same.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.config import load_config
from pipeline.errors import BuildError
from pipeline.findings import Finding
from pipeline.output import result
from pipeline.site import (
    SiteSources,
    blocked_posts,
    check_site,
    site_sources,
    write_sources,
)
from pipeline.verify import Report, verify_repository

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_REFUSED = 1
MKDOCS_FILE = "mkdocs.yml"
PROTECTED = ("content", "reviews", "site_config", ".git")


def build(
    root: Path, *, site_dir: Path, exclude: bool, production: bool = False
) -> int:
    """Build the site into ``site_dir`` (relative to ``root``) from approved posts only.

    Returns 0 when the site was built, checked and put in place; 1 when unapproved
    posts stop the build (unless ``exclude``), MkDocs fails or the check finds problems.
    With ``production``, signatures made with demo keys do not count.
    """
    started = time.monotonic()
    config = load_config(root)
    report = verify_repository(root, config, production=production)
    blocked = blocked_posts(report)
    if blocked:
        level = logging.WARNING if exclude else logging.ERROR
        for findings in blocked.values():
            for item in findings:
                logger.log(level, item.text())
        if not exclude:
            logger.error(
                f"有 {len(blocked)} 个文件未获批准，网站没有构建，原网站目录未改动。"
                "请按上面的提示完成审批；若要先发布其余已批准的稿件，"
                "请用 portal build --exclude-unapproved。"
            )
            return EXIT_REFUSED
        for path in blocked:
            logger.warning(f"未获批准，已排除：{path}")
    try:
        target = site_target(root, site_dir)
        sources = site_sources(report, config)
        findings = _build_and_swap(root, target, sources, report, exclude=exclude)
    except BuildError as exc:
        logger.error(exc.diagnostics())
        return EXIT_REFUSED
    if findings:
        for item in findings:
            logger.error(item.text())
        logger.error(
            f"构建出的网站有 {len(findings)} 处未通过逐页核对，已丢弃；"
            f"原网站目录 {target} 未改动。请按上面的提示检查 mkdocs.yml 和主题设置。"
        )
        return EXIT_REFUSED
    elapsed = time.monotonic() - started
    result(
        f"网站已构建并通过逐页核对：{len(sources.pages)} 个页面"
        f"（稿件 {len(report.publishable)} 篇），排除未获批准的文件 {len(blocked)} 个，"
        f"用时 {elapsed:.1f} 秒；输出目录 {target}。"
    )
    return EXIT_OK


def check_site_command(root: Path, site_dir: Path, *, production: bool = False) -> int:
    """Verify the repository and check the built site in ``site_dir`` page by page.

    ``site_dir`` is relative to ``root`` unless absolute. Returns 0 when every page
    matches the approvals, 1 otherwise.
    """
    config = load_config(root)
    report = verify_repository(root, config, production=production)
    target = site_dir if site_dir.is_absolute() else root / site_dir
    try:
        sources = site_sources(report, config)
    except BuildError as exc:
        logger.error(exc.diagnostics())
        return EXIT_REFUSED
    blocked = blocked_posts(report)
    if blocked:
        logger.warning(
            f"有 {len(blocked)} 个文件未获批准，它们不应出现在网站上："
            + "、".join(blocked)
        )
    findings = check_site(target, sources, report)
    for item in findings:
        logger.error(item.text())
    if findings:
        result(
            f"网站 {target} 未通过逐页核对：{len(findings)} 处问题。"
            "请运行 portal build 重新构建，不要部署这个目录。"
        )
        return EXIT_REFUSED
    result(f"网站 {target} 通过逐页核对：{len(sources.pages)} 个页面均与审批记录一致。")
    return EXIT_OK


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
    root: Path, target: Path, sources: SiteSources, report: Report, *, exclude: bool
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
        findings = check_site(output, sources, report)
        if not findings:
            replace_directory(output, target)
        return findings


def run_mkdocs(
    root: Path, staging: Path, output: Path, sources: SiteSources, *, exclude: bool
) -> None:
    """Build ``staging`` into ``output`` with MkDocs in-process, using ``root/mkdocs.yml``."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config as load_mkdocs_config
    from mkdocs.exceptions import MkDocsException

    from pipeline.mkdocs_plugin import PortalPlugin

    config_file = root / MKDOCS_FILE
    if not config_file.is_file():
        raise BuildError(
            "找不到网站构建配置。",
            path=MKDOCS_FILE,
            hint="请在仓库根目录放置 mkdocs.yml（见 README）。",
        )
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
