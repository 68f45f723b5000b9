"""Strict YAML: reading with line numbers and without YAML 1.1's traps, atomic writing.

What is stricter than ``yaml.safe_load``:

- duplicate keys are an error instead of the last one silently winning;
- only ``true``/``false`` are booleans, so ``no``, ``on``, ``off`` and ``yes`` stay
  text (a column called ``no`` is not ``False``);
- dates and times stay text, so the caller decides what a date is and a date where
  text is expected is still text;
- every mapping remembers the line of each key, so messages can point at it.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import PortalError


class LineDict(dict[str, Any]):
    """A mapping read from YAML that knows the line (1-based) of each of its keys."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        """The line of ``key``, or of the mapping itself when the key is absent."""
        return self.key_lines.get(key, self.line)


# libyaml's parser where PyYAML was built with it; the rules below are the same.
_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_Base):  # type: ignore[valid-type,misc]
    line_offset = 0


_StrictLoader.yaml_implicit_resolvers = {}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
_StrictLoader.add_implicit_resolver(
    # Longer digit strings stay text: Python refuses to turn very long ones into ints.
    "tag:yaml.org,2002:int",
    re.compile(r"^[-+]?[0-9]{1,18}$"),
    list("-+0123456789"),
)
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null",
    re.compile(r"^(?:~|null|Null|NULL|)$"),
    ["~", "n", "N", ""],
)


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1 + loader.line_offset
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1 + loader.line_offset
        if not isinstance(key, str):
            raise _KeyProblem(
                line, f"键 {key!r} 不是文本；键必须是字母、数字或中文组成的名称。"
            )
        if key in result:
            raise _KeyProblem(
                line,
                f"键 {key} 重复出现（第 {result.key_lines[key]} 行已有）；"
                "每个键只能写一次，请删去多余的一处。",
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = line
    return result


_StrictLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


class _KeyProblem(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def load(
    text: str,
    *,
    path: str,
    error: type[PortalError] = PortalError,
    line_offset: int = 0,
) -> Any:
    """Read one YAML document strictly; raise ``error`` naming ``path`` and the line.

    ``line_offset`` is added to every line number, for YAML that starts further down a
    file (front matter starts on line 2).
    """
    loader = _StrictLoader(text)
    loader.line_offset = line_offset
    try:
        return loader.get_single_data()
    except _KeyProblem as problem:
        raise error(problem.message, path=path, line=problem.line) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark else None
        raise error(_explain(exc, text, mark), path=path, line=line) from None
    except yaml.YAMLError as exc:
        raise error(f"不是有效的 YAML：{exc}", path=path) from None
    finally:
        loader.dispose()


def _explain(exc: yaml.MarkedYAMLError, text: str, mark: Any) -> str:
    lines = text.split("\n")
    if mark is not None and mark.line < len(lines) and "\t" in lines[mark.line]:
        return "这一行含有制表符（Tab）；YAML 只能用空格缩进，请把 Tab 换成空格。"
    problem = exc.problem or "格式错误"
    return (
        f"不是有效的 YAML（{problem}）。请检查冒号、引号和缩进；"
        "含冒号或以特殊符号开头的值请用引号括起来。"
    )


def read_text(path: Path, *, shown_as: str, error: type[PortalError]) -> str:
    """A file's text as UTF-8 without BOM, with LF line ends; ``error`` if unreadable."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise error(f"无法读取文件：{exc.strerror}。", path=shown_as) from None
    return decode(data, shown_as=shown_as, error=error)


def decode(data: bytes, *, shown_as: str, error: type[PortalError]) -> str:
    """Decode UTF-8 (a BOM is dropped) and turn CRLF and CR line ends into LF."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise error(
            "不是 UTF-8 编码的文本；请用 UTF-8 另存此文件。",
            path=shown_as,
            line=line,
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


class _Dumper(yaml.SafeDumper):
    pass


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _represent_str)


def dump(data: Any, *, header: str = "") -> str:
    """YAML text for ``data``: UTF-8 as is, keys in the given order, long text as blocks."""
    body = yaml.dump(
        data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100
    )
    return header + body


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
