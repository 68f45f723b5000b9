"""Front matter: the schema, and YAML's traps handled with file, line and field."""

from __future__ import annotations

import pytest

from pipeline.errors import PortalError
from pipeline.post import parse_post, read_post
from tests.helpers.repo import Repo, post_text

PATH = "content/notices/关于开展科技创新券申报工作的通知.md"


def problems(repo: Repo, data: bytes | str, path: str = PATH) -> list[PortalError]:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return parse_post(path, data, repo.config)[1]


def test_valid_post_with_chinese_title(repo: Repo) -> None:
    post, found = parse_post(PATH, post_text().encode(), repo.config)
    assert found == [] and post is not None
    assert post.title == "关于开展科技创新券申报工作的通知"
    assert post.tier == "general" and post.secrecy_review.handler == "clerk"


@pytest.mark.parametrize(
    ("label", "tier"), [("一般", "general"), ("较重要", "important"), ("重要", "major")]
)
def test_chinese_tier_labels(repo: Repo, label: str, tier: str) -> None:
    post, found = parse_post(PATH, post_text(tier=label).encode(), repo.config)
    assert found == [] and post is not None and post.tier == tier


def test_unknown_tier_names_line_field_and_choices(repo: Repo) -> None:
    [problem] = problems(repo, post_text(tier="urgent"))
    assert (problem.line, problem.field) == (5, "tier")
    assert "general" in problem.message and "较重要" in problem.message


def test_date_where_text_is_expected_stays_text(repo: Repo) -> None:
    post, found = parse_post(PATH, post_text(title="2018-05-02").encode(), repo.config)
    assert found == [] and post is not None and post.title == "2018-05-02"


def test_no_and_on_are_not_booleans(repo: Repo) -> None:
    [problem] = problems(repo, post_text(opinion="no"))
    assert problem.field == "secrecy_review.opinion" and "“no”" in problem.message
    post, found = parse_post(PATH, post_text(title="on").encode(), repo.config)
    assert post is not None and post.title == "on"


def test_number_where_text_is_expected(repo: Repo) -> None:
    [problem] = problems(repo, post_text(title="2018"))
    assert problem.field == "title" and "引号" in (problem.hint or "")


@pytest.mark.attack
def test_duplicate_keys_rejected(repo: Repo) -> None:
    text = post_text().replace("tier: general\n", "tier: general\ntier: major\n")
    [problem] = problems(repo, text)
    assert problem.line == 6 and "重复" in problem.message


def test_tab_indentation(repo: Repo) -> None:
    [problem] = problems(repo, post_text().replace("  handler:", "\thandler:"))
    assert "制表符" in problem.message and problem.line == 10


def test_bom_and_crlf_are_read(repo: Repo) -> None:
    data = b"\xef\xbb\xbf" + post_text().replace("\n", "\r\n").encode()
    post, found = parse_post(PATH, data, repo.config)
    assert found == [] and post is not None
    assert post.data == data  # the hash covers the exact bytes


def test_empty_front_matter(repo: Repo) -> None:
    [problem] = problems(repo, "---\n---\n正文\n")
    assert "为空" in problem.message


def test_missing_front_matter(repo: Repo) -> None:
    [problem] = problems(repo, "# 标题\n正文\n")
    assert problem.line == 1 and "缺少 front matter" in problem.message


def test_unclosed_front_matter(repo: Repo) -> None:
    [problem] = problems(repo, "---\ntitle: x\n")
    assert "没有结束" in problem.message


def test_every_problem_reported_at_once(repo: Repo) -> None:
    text = post_text(tier="urgent", department="nowhere").replace(
        "published: 2026-03-01", "published: 2026-02-30"
    )
    fields = sorted(p.field or "" for p in problems(repo, text))
    assert fields == ["department", "published", "tier"]


def test_unknown_field_and_invalid_utf8(repo: Repo) -> None:
    [problem] = problems(repo, post_text(extra="author: 张三\n"))
    assert problem.field == "author" and "未知字段" in problem.message
    [problem] = problems(repo, post_text().encode("gbk"))
    assert "UTF-8" in problem.message


def test_column_must_match_folder(repo: Repo) -> None:
    [problem] = problems(repo, post_text(column="laws"))
    assert problem.field == "column"


def test_path_rules(repo: Repo) -> None:
    repo.write("content/unknown/a.md", post_text())
    repo.write("content/notices/index.md", post_text())
    repo.write("content/notices/deep/a.md", post_text())
    nfd = "content/notices/科技e\u0301.md"
    repo.write(nfd, post_text())
    for path, words in [
        ("content/unknown/a.md", "不是已设立的栏目"),
        ("content/notices/index.md", "栏目首页"),
        ("content/notices/deep/a.md", "content/<栏目>/<文件名>.md"),
    ]:
        post, found = read_post(repo.root, path, repo.config)
        assert post is None and words in found[0].message
    post, found = read_post(repo.root, nfd, repo.config)
    assert post is None and "NFC" in found[0].message


@pytest.mark.parametrize(
    ("name", "words"),
    [(".hidden.md", "不能以点"), ("...md", "不能以点"), ("a\nb.md", "控制字符")],
)
@pytest.mark.attack
def test_file_names_that_would_vanish_or_forge_lines(
    repo: Repo, name: str, words: str
) -> None:
    path = f"content/notices/{name}"
    repo.write(path, post_text())
    post, found = read_post(repo.root, path, repo.config)
    assert post is None and words in found[0].message
    assert "\n" not in (found[0].path or "")


def test_only_three_hyphens_close_front_matter(repo: Repo) -> None:
    text = post_text().replace(
        "  date: 2026-03-01\n---\n", "  date: 2026-03-01\n-----\n"
    )
    [problem] = problems(repo, text)
    assert "没有结束" in problem.message


def test_very_long_number_is_text_not_a_crash(repo: Repo) -> None:
    assert problems(repo, post_text(title="9" * 5000)) == []
    [problem] = problems(repo, post_text(title="9" * 5))
    assert "引号" in (problem.hint or "")


def test_invisible_characters_are_shown_in_messages(repo: Repo) -> None:
    [problem] = problems(repo, post_text(tier="一般\u200b"))
    assert "一般<U+200B>" in problem.message


def test_dates_outside_a_sane_range(repo: Repo) -> None:
    text = post_text().replace("published: 2026-03-01", "published: 0001-01-01")
    [problem] = problems(repo, text)
    assert problem.field == "published" and "1900" in problem.message


def test_alias_bomb_is_reported_briefly(repo: Repo) -> None:
    # Ten levels of ten aliases: 10^10 items if anything expands them. Run in a child
    # with a memory cap, so a regression fails this test instead of the machine.
    import resource
    import subprocess
    import sys

    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    text = post_text().replace("title:", "\n".join(levels) + "\nissuer: *a9\ntitle:")
    repo.write(PATH, text)
    script = (
        "import sys; from pathlib import Path; from pipeline.config import load_config;"
        "from pipeline.post import read_post;"
        "root = Path(sys.argv[1]); found = read_post(root, sys.argv[2], load_config(root))[1];"
        "print(max(len(p.diagnostics()) for p in found), [p.field for p in found])"
    )

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    done = subprocess.run(
        [sys.executable, "-c", script, str(repo.root), PATH],
        capture_output=True,
        text=True,
        preexec_fn=cap,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-500:]
    longest, fields = done.stdout.split(" ", 1)
    assert int(longest) < 400 and "'issuer'" in fields


def test_file_name_that_is_not_utf8(repo: Repo) -> None:
    import os

    name = os.fsdecode(b"content/notices/gbk\xff.md")
    (repo.root / "content/notices").mkdir(parents=True, exist_ok=True)
    (repo.root / name).write_text(post_text(), encoding="utf-8")
    post, found = read_post(repo.root, name, repo.config)
    assert post is None and "UTF-8" in found[0].message
    found[0].diagnostics().encode("utf-8")


@pytest.mark.attack
def test_a_direction_override_written_as_a_yaml_escape_is_refused(repo: Repo) -> None:
    text = post_text().replace(
        "title: 关于开展科技创新券申报工作的通知",
        'title: "关于开展科技创新券申报工作的通知\\u202E（已废止）\\u202C"',
    )
    [problem] = problems(repo, text)
    assert problem.field == "title" and "U+202E" in problem.message


def test_department_and_opinion_by_their_chinese_names(repo: Repo) -> None:
    text = post_text(department="办公室", opinion="可以公开")
    post, found = parse_post(PATH, text.encode(), repo.config)
    assert found == [] and post is not None
    assert post.department == "office" and post.secrecy_review.opinion == "publishable"
    [problem] = problems(repo, post_text(department="农村科技科"))
    assert problem.field == "department"
    assert (
        "office（办公室）" in problem.message
        and "policy（政策法规科）" in problem.message
    )
