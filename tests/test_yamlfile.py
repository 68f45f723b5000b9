"""Strict YAML reading and atomic writing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline import yamlfile
from pipeline.errors import ConfigError


def test_only_true_and_false_are_booleans() -> None:
    data = yamlfile.load("a: no\nb: on\nc: yes\nd: true\ne: False\n", path="x.yml")
    assert data == {"a": "no", "b": "on", "c": "yes", "d": True, "e": False}


def test_dates_and_times_stay_text() -> None:
    data = yamlfile.load("a: 2018-05-02\nb: 2018-05-02T10:00:00+08:00\n", path="x.yml")
    assert data == {"a": "2018-05-02", "b": "2018-05-02T10:00:00+08:00"}


def test_lines_of_keys_with_offset() -> None:
    data = yamlfile.load("\na: 1\nb:\n  c: 2\n", path="x.yml", line_offset=10)
    assert data.line_of("a") == 12 and data["b"].line_of("c") == 14
    assert data.line_of("missing") == data.line


def test_errors_carry_the_given_type_path_and_line() -> None:
    with pytest.raises(ConfigError) as exc:
        yamlfile.load("a: 1\nb: [\n", path="site_config/x.yml", error=ConfigError)
    assert exc.value.path == "site_config/x.yml" and exc.value.line == 3


def test_non_text_keys_are_refused() -> None:
    with pytest.raises(ConfigError) as exc:
        yamlfile.load("1: a\n", path="x.yml", error=ConfigError)
    assert "不是文本" in exc.value.message


def test_decode_drops_bom_and_normalises_line_ends() -> None:
    text = yamlfile.decode(b"\xef\xbb\xbfa\r\nb\rc\n", shown_as="x", error=ConfigError)
    assert text == "a\nb\nc\n"


def test_dump_round_trips_chinese_and_blocks() -> None:
    data = {"标题": "常科综〔2018〕35号", "signature": "line one\nline two\n"}
    text = yamlfile.dump(data, header="# 头\n")
    assert text.startswith("# 头\n") and "常科综〔2018〕35号" in text
    assert yamlfile.load(text, path="x.yml") == data


def test_write_atomic_replaces_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "深" / "记录.yml"
    yamlfile.write_atomic(target, b"old")
    yamlfile.write_atomic(target, "新内容".encode())
    assert target.read_text(encoding="utf-8") == "新内容"
    assert sorted(p.name for p in target.parent.iterdir()) == ["记录.yml"]


def test_write_atomic_keeps_old_file_on_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "record.yml"
    target.write_bytes(b"old")

    def broken(*args: object) -> None:
        raise OSError("no space left")

    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(OSError):
        yamlfile.write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["record.yml"]
