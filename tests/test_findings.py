"""Findings rendered for people, for tools and for GitHub annotations."""

from __future__ import annotations

import json

from pipeline.findings import finding, to_json


def test_text_names_file_line_field_rule_and_article() -> None:
    item = finding(
        "content/a/通知.md",
        "front-matter",
        "值无效。",
        line=5,
        field="tier",
        hint="请改正。",
    )
    assert item.text() == (
        "content/a/通知.md:5: 错误 [front-matter] 字段 tier：值无效。（附件1 第九条） 请改正。"
    )


def test_github_annotations_cannot_be_broken_out_of() -> None:
    item = finding(
        "content/a/x\n::stop-commands::pause\n.md",
        "front-matter",
        "第一行\n第二行 100%",
    )
    line = item.github()
    assert "\n" not in line
    assert line.startswith(
        "::error file=content/a/x%0A%3A%3Astop-commands%3A%3Apause%0A.md,"
    )
    assert line.endswith("第一行%0A第二行 100%25（附件1 第九条）")


def test_json_keeps_chinese_readable() -> None:
    text = to_json([finding("a.md", "returned", "退回", severity="warning")])
    assert "退回" in text and json.loads(text)[0]["severity"] == "warning"
