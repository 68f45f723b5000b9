"""``portal import-laws``: write the selected LawRefBook documents as posts.

A thin adapter around ``pipeline.corpus``: it resolves paths, loads the site
configuration, writes each post atomically and reports counts. Re-running with the same
corpus, selection and ``--date`` rewrites nothing (the bytes are identical). A file that
is already at a target path is replaced only when it came from an earlier import (see
``pipeline.corpus.is_previous_import``); anything else is left alone and reported.
Nothing is ever deleted.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from pathlib import Path

from pipeline import corpus as lawcorpus
from pipeline.config import SiteConfig, load_config
from pipeline.output import result
from pipeline.post import STATUSES
from pipeline.yamlfile import write_atomic

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_INCOMPLETE = 1
EXIT_NO_CORPUS = 2


def import_laws(
    root: Path, corpus: Path, *, selection: Path, date: dt.date | None
) -> int:
    """Import the documents chosen by ``selection`` from ``corpus`` into ``root/content``.

    Returns 0 when every selected document was imported, 1 when any could not be (or
    a different, non-imported post is in the way), 2 when the corpus is missing.
    """
    try:
        lawcorpus.check_corpus(corpus)
    except lawcorpus.CorpusMissingError as exc:
        logger.error(exc.diagnostics())
        return EXIT_NO_CORPUS
    config = load_config(root)
    review_date = date or dt.datetime.now(config.site.tz).date()
    selection_path = selection if selection.is_absolute() else root / selection
    rules = lawcorpus.load_selection(selection_path, shown=_shown(selection_path, root))
    records = lawcorpus.select(lawcorpus.load_index(corpus), rules)
    logger.info(
        "选中 %d 件文档，保密审查日期 %s", len(records), review_date.isoformat()
    )
    posts, problems = lawcorpus.build_posts(corpus, records, review_date=review_date)
    failed = len(problems)
    outcomes: Counter[str] = Counter()
    imported: list[lawcorpus.ImportedPost] = []
    for post in posts:
        outcome = _write(root, post, config)
        outcomes[outcome] += 1
        if outcome in ("written", "updated", "unchanged"):
            imported.append(post)
        else:
            failed += 1
    _warn_stale(root, {post.path for post in posts}, config)
    _report(len(records), imported, outcomes, failed, config)
    return EXIT_INCOMPLETE if failed else EXIT_OK


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _write(root: Path, post: lawcorpus.ImportedPost, config: SiteConfig) -> str:
    problems = lawcorpus.validate_post(post, config)
    if problems:
        for problem in problems:
            logger.error(
                "生成的稿件未通过检查（%s）：%s", post.source, problem.diagnostics()
            )
        return "invalid"
    target = root / post.path
    if target.exists():
        existing = target.read_bytes()
        if existing == post.data:
            return "unchanged"
        if not lawcorpus.is_previous_import(post, existing, config):
            logger.error(
                "%s: 已有一篇不是由本导入生成的稿件（或已被人工修改得无法识别），未覆盖。"
                "请核对后手工处理：删除或改名后重新导入。来源：%s",
                post.path,
                post.source,
            )
            return "conflict"
        write_atomic(target, post.data)
        logger.debug("更新 %s", post.path)
        return "updated"
    write_atomic(target, post.data)
    logger.debug("写入 %s", post.path)
    return "written"


def _warn_stale(root: Path, generated: set[str], config: SiteConfig) -> None:
    """Name earlier imports this run did not produce; they are kept, not deleted."""
    for column in sorted(set(lawcorpus.COLUMNS_BY_LEVEL.values())):
        folder = root / "content" / column
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.md")):
            shown = path.relative_to(root).as_posix()
            if shown in generated:
                continue
            if lawcorpus.import_title(shown, path.read_bytes(), config) is not None:
                logger.warning(
                    "%s: 来自先前的导入，本次选取不再包含它；未删除，请人工决定。",
                    shown,
                )


def _report(
    selected: int,
    imported: list[lawcorpus.ImportedPost],
    outcomes: Counter[str],
    failed: int,
    config: SiteConfig,
) -> None:
    result(
        f"法律法规导入：选中 {selected} 件，导入 {len(imported)} 篇"
        f"（新写入 {outcomes['written']}，更新 {outcomes['updated']}，"
        f"未变 {outcomes['unchanged']}），未能导入 {failed} 件。"
    )
    result("按栏目：")
    by_column = Counter(post.column for post in imported)
    for column in config.columns:
        if by_column[column]:
            result(f"  {column}（{config.columns[column].title}）：{by_column[column]}")
    result("按状态：")
    by_status = Counter(post.status for post in imported)
    for status, label in STATUSES.items():
        if by_status[status]:
            result(f"  {status}（{label}）：{by_status[status]}")
    if by_status[None]:
        result(f"  （未写 status，源数据无状态）：{by_status[None]}")
