"""Validity of documents (``pipeline.lifecycle``) and ``portal expiry``.

Small posts in a temporary repository test each rule; the imported real regulations
in ``content/`` (and, when ``../shared`` is present, the corpus index they came from)
check that exactly the documents whose real metadata says repealed, amended or expired
are flagged.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pytest

from pipeline import corpus as lc
from pipeline.config import SiteConfig, load_config
from pipeline.errors import ConfigError
from pipeline.lifecycle import (
    AMENDED,
    EXPIRED,
    EXPIRING,
    IN_FORCE,
    NOT_YET,
    REPEALED,
    REPLACED,
    Standing,
    expiry_report,
    standing,
)
from pipeline.main import main
from pipeline.policy import load_policy
from pipeline.post import Post, parse_post, post_index
from pipeline.yamlfile import load
from tests.helpers.repo import Repo, default_policy, post_text

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus"
SELECTION = REPO / "imports" / "lawrefbook.yml"
DAY = dt.date(2026, 12, 4)
ENDED_STATUSES = ("repealed", "amended", "expired")

without_shared = pytest.mark.skipif(
    not (SHARED / lc.INDEX_PATH).is_file(),
    reason=f"needs the shared law corpus at {SHARED}",
)


def law_text(
    title: str, extra: str, *, kind: str = "regulation", body: str = ""
) -> str:
    text = post_text(
        title=title,
        column="laws",
        department="policy",
        handler="pclerk",
        extra=extra,
        body=body or "第一条 为了规范管理，制定本办法。\n",
    )
    return text.replace("kind: notice", f"kind: {kind}")


def write_law(
    repo: Repo, name: str, title: str, extra: str = "", **options: str
) -> str:
    path = f"content/laws/{name}.md"
    repo.write(path, law_text(title, extra, **options))
    return path


def parsed(repo: Repo, path: str) -> Post:
    post, problems = parse_post(path, (repo.root / path).read_bytes(), repo.config)
    assert post is not None, problems
    return post


def standing_of(repo: Repo, path: str, on: dt.date = DAY, within: int = 0) -> Standing:
    posts = post_index(repo.root, repo.config)
    return standing(posts[path], posts, repo.config, on=on, within=within)


# --------------------------------------------------------------------------- fields


def test_expires_is_read_and_checked_against_effective(repo: Repo) -> None:
    path = write_law(
        repo,
        "暂行办法",
        "科技计划项目管理暂行办法",
        "effective: 2026-01-01\nexpires: 2027-12-31\n",
    )
    assert parsed(repo, path).expires == dt.date(2027, 12, 31)
    text = law_text(
        "科技计划项目管理暂行办法", "effective: 2026-01-01\nexpires: 2025-12-31\n"
    )
    post, problems = parse_post(path, text.encode("utf-8"), repo.config)
    assert post is None
    (problem,) = problems
    assert (problem.path, problem.field, problem.line) == (path, "expires", 10)
    assert "早于施行日期" in problem.message


def test_expires_must_be_a_date(repo: Repo) -> None:
    text = law_text("科技计划项目管理暂行办法", "expires: 明年年底\n")
    post, problems = parse_post(
        "content/laws/办法.md", text.encode("utf-8"), repo.config
    )
    assert post is None and [p.field for p in problems] == ["expires"]


# --------------------------------------------------------------------------- policy


def test_policy_gives_normative_documents_their_periods() -> None:
    validity = load_policy(load(default_policy(), path="p.yml"), path="p.yml").validity
    assert validity is not None
    years = {
        title: getattr(validity.period_for("normative", title), "years", None)
        for title in (
            "关于促进科技创新的若干意见",
            "科技创新券管理暂行办法",
            "科技项目管理试行办法",
        )
    }
    assert list(years.values()) == [5, 2, 2]
    assert validity.period_for("regulation", "某某暂行条例") is None
    assert validity.default.article == "附件1 第十四条"


@pytest.mark.parametrize(
    ("section", "field"),
    [
        (
            "validity:\n  kinds: [normative]\n  years: 0\n  article: 附件1 第十四条\n",
            "validity.years",
        ),
        (
            "validity:\n  kinds: [normative]\n  years: '5'\n  article: 附件1 第十四条\n",
            "validity.years",
        ),
        (
            "validity:\n  kinds: [规范性]\n  years: 5\n  article: 附件1 第十四条\n",
            "validity.kinds",
        ),
        ("validity:\n  kinds: [normative]\n  years: 5\n", "validity.article"),
        (
            "validity:\n  kinds: [normative]\n  years: 5\n  article: 附件1 第十四条\n"
            "  provisional:\n    title_contains: [暂行]\n    years: 99\n    article: 附件1 第十四条\n",
            "validity.provisional.years",
        ),
    ],
)
def test_bad_validity_section_names_file_line_and_field(
    section: str, field: str
) -> None:
    text = default_policy().split("validity:")[0] + section
    with pytest.raises(ConfigError) as caught:
        load_policy(
            load(text, path="site_config/policy.yml"), path="site_config/policy.yml"
        )
    problems = getattr(caught.value, "problems", [caught.value])
    assert [(p.path, p.field) for p in problems] == [("site_config/policy.yml", field)]
    assert problems[0].line and problems[0].line > text.count("\n") - section.count(
        "\n"
    )


# --------------------------------------------------------------------------- standing


def test_normative_document_expires_after_the_policy_period(repo: Repo) -> None:
    path = write_law(
        repo,
        "若干意见",
        "关于促进科技创新的若干意见",
        "effective: 2021-12-05\n",
        kind="normative",
    )
    assert standing_of(repo, path, dt.date(2026, 12, 3)).state == IN_FORCE
    soon = standing_of(repo, path, dt.date(2026, 11, 20), within=30)
    assert (soon.state, soon.last_day) == (EXPIRING, dt.date(2026, 12, 4))
    late = standing_of(repo, path, dt.date(2026, 12, 5))
    assert (late.state, late.since, late.basis) == (
        EXPIRED,
        dt.date(2026, 12, 5),
        "policy",
    )
    assert late.presented_as_effective and late.flagged


def test_provisional_title_gets_the_shorter_period(repo: Repo) -> None:
    path = write_law(
        repo,
        "暂行办法",
        "科技创新券管理暂行办法",
        "effective: 2024-12-01\n",
        kind="normative",
    )
    item = standing_of(repo, path)
    assert (item.state, item.last_day) == (EXPIRED, dt.date(2026, 11, 30))


def test_stated_expiry_wins_over_the_policy_period(repo: Repo) -> None:
    path = write_law(
        repo,
        "暂行办法",
        "科技创新券管理暂行办法",
        "effective: 2024-12-01\nexpires: 2027-06-30\n",
        kind="normative",
    )
    item = standing_of(repo, path)
    assert (item.state, item.last_day, item.basis) == (
        IN_FORCE,
        dt.date(2027, 6, 30),
        "dates",
    )
    assert standing_of(repo, path, dt.date(2027, 7, 1)).basis == "expires"


def test_regulations_get_no_policy_period(repo: Repo) -> None:
    path = write_law(
        repo,
        "暂行条例",
        "专利代理暂行条例",
        "effective: 1991-04-01\nstatus: effective\n",
    )
    assert standing_of(repo, path).state == IN_FORCE


def test_status_and_successor(repo: Repo) -> None:
    new = write_law(
        repo, "新法", "中华人民共和国科学技术进步法", "effective: 2022-01-01\n"
    )
    old = write_law(
        repo,
        "旧法",
        "中华人民共和国科学技术进步法（2007年修订）",
        f"status: amended\nsuperseded_by: {new}\n",
    )
    item = standing_of(repo, old)
    assert (item.state, item.since, item.successor) == (
        AMENDED,
        dt.date(2022, 1, 1),
        new,
    )
    assert not item.presented_as_effective
    gone = write_law(
        repo, "废止", "科技成果登记办法", "status: repealed\nexpires: 2025-03-31\n"
    )
    assert (standing_of(repo, gone).state, standing_of(repo, gone).since) == (
        REPEALED,
        dt.date(2025, 4, 1),
    )


def test_replaced_but_still_marked_effective(repo: Repo) -> None:
    new = write_law(repo, "新办法", "科技计划项目管理办法", "effective: 2027-01-01\n")
    old = write_law(
        repo,
        "旧办法",
        "科技计划项目管理暂行办法",
        f"status: effective\nsuperseded_by: {new}\n",
    )
    assert standing_of(repo, old).state == IN_FORCE  # the successor is not in force yet
    assert standing_of(repo, new).state == NOT_YET
    item = standing_of(repo, old, dt.date(2027, 1, 1))
    assert (item.state, item.presented_as_effective) == (REPLACED, True)
    assert item.findings()[0].field == "status"


def test_link_to_a_repealed_document_is_flagged(repo: Repo) -> None:
    gone = write_law(repo, "废止", "科技成果登记办法", "status: repealed\n")
    write_law(
        repo,
        "引用",
        "科技成果转化实施细则",
        body="依据[《科技成果登记办法》](废止.md#第一条)制定。\n",
    )
    write_law(
        repo, "另一", "科技奖励办法", body="参见[专利法](https://example.org/a.md)。\n"
    )
    report = expiry_report(
        post_index(repo.root, repo.config), repo.config, on=DAY, within=0
    )
    flagged = {item.path: item for item in report.flagged}
    assert set(flagged) == {gone, "content/laws/引用.md"}
    assert flagged["content/laws/引用.md"].dead_links == (gone,)
    (link,) = flagged["content/laws/引用.md"].findings()
    assert link.rule == "link-to-ended" and link.article == "附件1 第十四条"


# --------------------------------------------------------------------------- command


def test_command_lists_with_department_and_exits_one(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    write_law(
        repo, "废止", "科技成果登记办法", "status: repealed\nexpires: 2025-03-31\n"
    )
    write_law(repo, "暂行办法", "科技创新券管理暂行办法", "expires: 2026-12-20\n")
    write_law(
        repo, "过期", "科技计划项目管理办法", "status: effective\nexpires: 2025-12-31\n"
    )
    argv = ["--root", str(repo.root), "expiry", "--on", "2026-12-04", "--within", "30"]
    assert main(argv) == 1
    out = capsys.readouterr().out
    assert (
        "content/laws/废止.md：《科技成果登记办法》已废止（自 2025-04-01 起）；维护科室：政策法规科。"
        in out
    )
    assert "《科技创新券管理暂行办法》即将失效：2026-12-20 后失效，还剩 16 天" in out
    assert (
        "已废止 1 篇" in out
        and "2 篇已不再有效或链接了失效文件，其中 1 篇须更正；1 篇即将失效" in out
    )
    assert main([*argv, "--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["counts"]["repealed"] == 1 and document["flagged"] == 2
    assert {d["label"] for d in document["documents"]} == {
        "已废止",
        "已失效",
        "即将失效",
    }
    assert document["documents"][0]["department_name"] == "政策法规科"
    assert main([*argv, "--format", "github"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert any(
        line.startswith("::warning file=content/laws/废止.md,title=document-repealed::")
        for line in lines
    )
    assert any(line.startswith("::error file=content/laws/过期.md") for line in lines)
    assert any(
        line.startswith("::warning file=content/laws/暂行办法.md") for line in lines
    )


def test_command_exits_zero_when_only_expiring(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    write_law(repo, "暂行办法", "科技创新券管理暂行办法", "expires: 2026-12-20\n")
    assert main(["--root", str(repo.root), "expiry", "--on", "2026-12-04"]) == 0
    assert main(["--root", str(repo.root), "expiry", "--on", "2026-12-21"]) == 1
    assert main(["--root", str(repo.root), "expiry", "--within", "-1"]) == 2
    assert "不能是负数" in capsys.readouterr().err


# --------------------------------------------------------------------------- real content


@pytest.fixture(scope="module")
def real() -> tuple[dict[str, Post], SiteConfig]:
    config = load_config(REPO)
    return post_index(REPO, config), config


def test_real_regulations_flagged_exactly_by_their_status(
    real: tuple[dict[str, Post], SiteConfig],
) -> None:
    posts, config = real
    report = expiry_report(posts, config, on=DAY, within=30)
    stated = {path for path, post in posts.items() if post.status in ENDED_STATUSES}
    assert {item.path for item in report.flagged} == stated
    assert report.expiring == [] and report.ok
    counts = Counter(
        post.status for post in posts.values() if post.kind == "regulation"
    )
    states = report.counts()
    assert states[AMENDED] == counts["amended"] >= 10
    assert states[EXPIRED] == counts["expired"] >= 10
    assert states[REPEALED] == counts["repealed"]
    assert states[IN_FORCE] == len(posts) - len(stated)
    assert all(not item.presented_as_effective for item in report.flagged)


def test_real_command_on_the_repository(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(REPO), "expiry", "--on", "2026-12-04"]) == 0
    out = capsys.readouterr().out
    assert "已修改 21 篇" in out and "已失效 17 篇" in out


@pytest.mark.shared
@without_shared
def test_real_flags_match_the_corpus_metadata(
    real: tuple[dict[str, Post], SiteConfig],
) -> None:
    posts, config = real
    index = lc.load_index(SHARED)
    chosen = lc.select(
        index, lc.load_selection(SELECTION, shown="imports/lawrefbook.yml")
    )
    imported, problems = lc.build_posts(SHARED, chosen, review_date=DAY)
    assert problems == []
    ended = {
        post.path
        for post in imported
        if lc.STATUS_BY_HINT[index[post.source].status_hint] in ENDED_STATUSES
    }
    report = expiry_report(posts, config, on=DAY, within=0)
    assert {item.path for item in report.flagged} == ended
    assert len(ended) >= 20
