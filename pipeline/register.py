"""The register of applications: a folder, outside the site, of one YAML file each.

Layout: ``applications/<year>/<number>.yml``, ``replies/<number>/…``, ``templates/``,
and the marker ``.portal-register``. The register is found through ``--register``,
then ``$PORTAL_REGISTER``, then the local setting ``register:`` in
``$XDG_CONFIG_HOME/portal/settings.yml``. It never lives inside the site repository,
and ``register_files_in_site`` finds any of its files that got there.

This module knows nothing of git; ``pipeline.register_git`` commits what it writes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import os
import re
import time
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from pipeline import yamlfile
from pipeline.application import (
    NUMBER,
    Application,
    ApplicationError,
    dump_application,
    read_application,
)
from pipeline.deadline import (
    Deadline,
    DeadlineRules,
    Extension,
    Receipt,
    receipt_date,
    reply_deadline,
)
from pipeline.errors import ConfigError, PortalError, raise_if_any
from pipeline.workdays import WorkCalendar

MARKER = ".portal-register"
FORMAT_VERSION = 1
ENV_VARIABLE = "PORTAL_REGISTER"
APPLICATIONS_DIR = "applications"
REPLIES_DIR = "replies"
TEMPLATES_DIR = "templates"
LOCK_FILE = ".portal-register.lock"
SETTING_KEY = "register"
CLERK_KEY = "clerk"
_INIT_HINT = (
    "请运行 portal applications init DIR 建立登记簿，"
    f"或设置环境变量 {ENV_VARIABLE}，或用 --register DIR 指定。"
)
_SKIPPED_DIRS = {".git", "node_modules", "__pycache__", ".venv", "venv", ".mypy_cache"}


class RegisterError(PortalError):
    """The register cannot be found, is in the wrong place, or its files leaked."""


# Locating


def settings_path(env: Mapping[str, str]) -> Path:
    """The local settings file: ``$XDG_CONFIG_HOME/portal/settings.yml``."""
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME", "~")) / ".config")
    return Path(base).expanduser() / "portal" / "settings.yml"


def _read_settings(path: Path) -> dict[str, object]:
    if not path.is_file():
        return {}
    text = yamlfile.read_text(path, shown_as=str(path), error=ConfigError)
    document = yamlfile.load(text, path=str(path), error=ConfigError)
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ConfigError("本机设置应是“键: 值”形式的映射。", path=str(path))
    return dict(document)


def record_setting(
    register: Path, env: Mapping[str, str], *, clerk: str | None = None
) -> Path:
    """Write ``register: <absolute path>`` (and ``clerk: <roster id>`` when given)
    into the local settings; the settings file."""
    path = settings_path(env)
    settings = _read_settings(path)
    settings[SETTING_KEY] = str(register.resolve())
    if clerk:
        settings[CLERK_KEY] = clerk
    header = "# portal 本机设置（不属于任何仓库）。\n"
    yamlfile.write_atomic(path, yamlfile.dump(settings, header=header).encode())
    return path


def remembered_clerk(env: Mapping[str, str]) -> str | None:
    """The clerk ``init --clerk`` recorded in the local settings, if any."""
    value = _read_settings(settings_path(env)).get(CLERK_KEY)
    return value if isinstance(value, str) and value else None


def locate_register(option: Path | None, env: Mapping[str, str]) -> Path:
    """The register folder: ``option``, else ``$PORTAL_REGISTER``, else the setting.

    Raises ``RegisterError`` when none is given, the folder is not a register, or it
    lies inside the site repository.
    """
    if option is not None:
        folder, source = option, "--register"
    elif env.get(ENV_VARIABLE):
        folder, source = Path(env[ENV_VARIABLE]), f"环境变量 {ENV_VARIABLE}"
    else:
        path = settings_path(env)
        value = _read_settings(path).get(SETTING_KEY)
        if not isinstance(value, str) or not value:
            raise RegisterError("未指定依申请公开登记簿。", hint=_INIT_HINT)
        folder, source = Path(value), f"本机设置 {path}"
    folder = folder.expanduser().resolve()
    if not (folder / MARKER).is_file():
        raise RegisterError(
            f"{source} 指向的 {folder} 不是登记簿（缺少 {MARKER} 标记文件）。",
            hint=_INIT_HINT,
        )
    check_outside_site(folder)
    check_marker(folder)
    return folder


def site_repository_around(folder: Path) -> Path | None:
    """The site repository that holds ``folder``, if any: a git work tree (a folder
    with ``.git``) holding ``site_config/`` and ``content/``, at or above ``folder``.

    Nested repositories do not hide it: the register's own ``.git`` is looked past.
    """
    folder = folder.resolve()
    for candidate in (folder, *folder.parents):
        if (
            (candidate / ".git").exists()
            and (candidate / "site_config").is_dir()
            and (candidate / "content").is_dir()
        ):
            return candidate
    return None


def check_outside_site(folder: Path) -> None:
    """Raise ``RegisterError`` when ``folder`` lies inside the site repository."""
    site = site_repository_around(folder)
    if site is not None:
        raise RegisterError(
            f"登记簿 {folder} 位于网站仓库 {site} 之内；申请登记含个人信息，"
            "不得进入公开网站的仓库。",
            hint="请把登记簿建在网站仓库以外的目录，如 ~/依申请公开登记簿。",
        )


README = """\
# 依申请公开登记簿

本目录是依申请公开政府信息的登记簿（附件2），由 `portal applications` 维护。
登记簿含申请人的个人信息，**不得**放入门户网站的仓库，也不得公开。

- `applications/<年>/<编号>.yml`：每件申请一个文件（编号形如 2026-0007，拆分的加 -1、-2）；
- `replies/<编号>/`：告知书及其保密审查记录；
- `templates/`：告知书模板，办公室可以修改；
- `.portal-register`：登记簿标记，请勿删除。

每次改动都是一次 git 提交，提交人就是经办人，以备查考。请用 `portal applications`
命令登记和办理，不要手工改动文件；确需手工改动的，改后请提交并写明原因。
"""
GITIGNORE = f"{LOCK_FILE}\n.*.tmp\n"


def create_layout(folder: Path) -> list[str]:
    """Write a new register's folders, marker, README and ``.gitignore`` into
    ``folder`` (no git); the register-relative files written."""
    written = []
    for name in (APPLICATIONS_DIR, REPLIES_DIR, TEMPLATES_DIR):
        (folder / name).mkdir(parents=True, exist_ok=True)
        (folder / name / ".gitkeep").touch()
        written.append(f"{name}/.gitkeep")
    for name, text in (
        (MARKER, marker_text()),
        ("README.md", README),
        (".gitignore", GITIGNORE),
    ):
        yamlfile.write_atomic(folder / name, text.encode("utf-8"))
        written.append(name)
    return written


def marker_text() -> str:
    """The content of the ``.portal-register`` marker."""
    return (
        "# 依申请公开登记簿（portal applications）。请勿删除此文件。\n"
        f"format: {FORMAT_VERSION}\n"
    )


def check_marker(root: Path) -> None:
    """Raise when the marker names a format this version cannot read."""
    shown = str(root / MARKER)
    text = yamlfile.read_text(root / MARKER, shown_as=shown, error=RegisterError)
    document = yamlfile.load(text, path=shown, error=RegisterError)
    version = document.get("format") if isinstance(document, dict) else None
    if version != FORMAT_VERSION:
        raise RegisterError(
            f"登记簿格式版本为 {version!r}，本程序只能读写第 {FORMAT_VERSION} 版。",
            path=shown,
            field="format",
            hint="请升级 portal，或检查标记文件是否被改动。",
        )


# Reading and writing applications


def application_path(number: str) -> str:
    """The register-relative path of application ``number``."""
    return f"{APPLICATIONS_DIR}/{number[:4]}/{number}.yml"


def replies_path(number: str) -> str:
    """The register-relative folder of the notices sent for ``number``."""
    return f"{REPLIES_DIR}/{number}"


def read_file(
    root: Path, relative: str
) -> tuple[Application | None, list[PortalError]]:
    """Parse the file ``relative`` and check that its number matches its path."""
    path = root / relative
    text = yamlfile.read_text(path, shown_as=relative, error=ApplicationError)
    app, problems = read_application(relative, text)
    if app is not None and application_path(app.number) != relative:
        problems.append(
            ApplicationError(
                f"文件中的编号 {app.number} 与文件位置不符（应为 "
                f"{application_path(app.number)}）。",
                path=relative,
                line=1,
                field="number",
                hint="编号一经登记不得更改；请把编号改回与文件名一致。",
            )
        )
        app = None
    return app, problems


def load_application(root: Path, number: str) -> Application:
    """Application ``number``; raises naming file, line and field when it is unusable."""
    if not NUMBER.match(number):
        raise ApplicationError(
            f"“{number}”不是申请编号。",
            hint="编号形如 2026-0007（拆分的如 2026-0007-1）。",
        )
    relative = application_path(number)
    if not (root / relative).is_file():
        raise ApplicationError(
            f"登记簿中没有编号为 {number} 的申请。",
            path=relative,
            hint="请用 portal applications list 查看已登记的编号。",
        )
    app, problems = read_file(root, relative)
    raise_if_any(problems)
    assert app is not None
    return app


def application_files(root: Path) -> list[str]:
    """Every application file in the register, register-relative, in number order."""
    folder = root / APPLICATIONS_DIR
    if not folder.is_dir():
        return []
    found = [
        path.relative_to(root).as_posix()
        for path in folder.glob("*/*.yml")
        if not path.name.startswith(".")
    ]
    return sorted(found, key=_number_key)


def _number_key(relative: str) -> tuple[int, ...]:
    stem = Path(relative).stem
    return tuple(int(part) if part.isdigit() else 0 for part in stem.split("-"))


def load_all(root: Path) -> tuple[list[Application], list[PortalError]]:
    """Every application that can be read, and the problems of those that cannot."""
    apps: list[Application] = []
    problems: list[PortalError] = []
    for relative in application_files(root):
        app, found = read_file(root, relative)
        problems.extend(found)
        if app is not None:
            apps.append(app)
    return apps, problems


def save_application(root: Path, app: Application) -> str:
    """Write ``app`` atomically; its register-relative path.

    The text is read back first, so a file the register itself could not read is
    never written.
    """
    relative = application_path(app.number)
    text = dump_application(app)
    again, problems = read_application(relative, text)
    raise_if_any(problems)
    if again != app:
        raise ApplicationError("写出的内容与读回的不一致，未写入。", path=relative)
    yamlfile.write_atomic(root / relative, text.encode("utf-8"))
    return relative


def next_number(root: Path, year: int) -> str:
    """The next free number of ``year`` (call it under ``register_lock``)."""
    folder = root / APPLICATIONS_DIR / str(year)
    highest = 0
    if folder.is_dir():
        for path in folder.glob(f"{year}-*.yml"):
            match = NUMBER.match(path.stem)
            if match and not match.group(3):
                highest = max(highest, int(match.group(2)))
    if highest >= 9999:
        raise ApplicationError(f"{year} 年的编号已用完（9999 件）。")
    return f"{year}-{highest + 1:04d}"


def leftovers(root: Path) -> list[str]:
    """Temporary files an interrupted write left behind."""
    folder = root / APPLICATIONS_DIR
    if not folder.is_dir():
        return []
    return sorted(path.relative_to(root).as_posix() for path in folder.glob("*/.*.tmp"))


@contextlib.contextmanager
def register_lock(root: Path, *, timeout: float = 30.0) -> Iterator[None]:
    """Hold the register's lock: one change (number, file, commit) at a time."""
    path = root / LOCK_FILE
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() > deadline:
                    raise RegisterError(
                        f"登记簿正被另一条命令使用（{LOCK_FILE} 已加锁超过 {timeout:.0f} 秒）。",
                        path=str(path),
                        hint="请等它结束后再试。",
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(handle)


# Deadlines


def receipt_of(
    app: Application, rules: DeadlineRules, tz: dt.tzinfo
) -> tuple[Receipt | None, list[PortalError]]:
    """The day ``app`` counts as received under ``rules`` (附件2 第六条 or the 2019
    regulation's 第三十一条), or the problems that keep it unknown."""
    problems: list[PortalError] = []
    received = app.received
    receipt = receipt_date(
        received.channel,
        received.at,
        rules,
        signed_for=received.signed_for_at,
        confirmed=received.confirmed_at,
        problems=problems,
        path=application_path(app.number),
        error=ApplicationError,
        tz=tz,
    )
    return receipt, problems


def deadline_of(
    app: Application, calendar: WorkCalendar, rules: DeadlineRules, tz: dt.tzinfo
) -> tuple[Deadline | None, list[PortalError]]:
    """The reply deadline of ``app`` with its explanation: the receipt day per channel,
    the restart at the last correction, third-party pauses and the extension."""
    receipt, problems = receipt_of(app, rules, tz)
    if receipt is None:
        return None, problems
    corrected = app.last_event("corrected")
    pauses: list[tuple[dt.date, dt.date | None]] = []
    for event in app.events:
        if event.kind == "third_party_sent":
            pauses.append((event.day(), None))
        elif event.kind == "third_party_answered" and pauses and pauses[-1][1] is None:
            pauses[-1] = (pauses[-1][0], event.day())
    extended = app.last_event("extended")
    extension = None
    if extended is not None:
        assert extended.approved_on and extended.notified_on and extended.days
        extension = Extension(
            extended.approved_by,
            extended.approved_on,
            extended.notified_on,
            extended.days,
            extended.reason,
        )
    found = reply_deadline(
        receipt,
        calendar,
        rules,
        pauses=pauses,
        extension=extension,
        corrected=(
            corrected.at.astimezone(tz).date()
            if corrected is not None and corrected.at is not None
            else None
        ),
    )
    return found, []


# The site must hold none of it


_TEXT_SUFFIXES = (
    ".yml",
    ".yaml",
    ".txt",
    ".text",
    ".md",
    ".markdown",
    ".json",
    ".csv",
    ".tsv",
    ".xml",
    ".html",
    ".htm",
    ".log",
    ".ini",
    ".toml",
)
_ANY_NUMBER = re.compile(
    r"""(?:^|[{,])[\s\-]*["']?number["']?\s*[:=,]\s*["']?\d{4}-\d{4}(-\d+)?["']?""",
    re.MULTILINE,
)
_ANY_RECEIVED = re.compile(
    r"""(?:^|[{,])[\s\-]*["']?received["']?\s*[:=,]""", re.MULTILINE
)
_REPLY_RECORD = re.compile(r"^post:\s*['\"]?replies/", re.MULTILINE)
# The first line of every notice the register writes (``notices.MARKER_PREFIX``).
_NOTICE_MARK = b"<!-- portal-register-notice "
_HEAD = 16384


def register_files_in_site(site_root: Path) -> list[PortalError]:
    """A problem for every register file found anywhere in the site tree.

    Found: the ``.portal-register`` marker; an application (a top-level ``number:``
    with ``received:``) saved under any text extension (YAML, Markdown, text, JSON,
    CSV…); a reply's review record (``post: replies/…``); a notice .docx written from
    the register (``notice_docx.NOTICE_MARKER`` in its core properties) or its
    Markdown (first line ``<!-- portal-register-notice …``); every
    incident (``kind: incident``), wherever it was copied, ``content/`` included.
    Only the first 16 KiB of a text file is read.
    """
    problems: list[PortalError] = []
    for folder, dirs, files in os.walk(site_root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS)
        for name in sorted(files):
            path = Path(folder) / name
            relative = path.relative_to(site_root).as_posix()
            what = _register_kind(path, name)
            if what is not None:
                problems.append(_leak(relative, what))
    return problems


def _register_kind(path: Path, name: str) -> str | None:
    if name == MARKER:
        return "依申请公开登记簿的标记文件"
    lower = name.lower()
    if lower.endswith(".docx"):
        return "依申请公开登记簿中的告知书" if _is_register_docx(path) else None
    if not lower.endswith(_TEXT_SUFFIXES):
        return None
    head = _head(path)
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(_NOTICE_MARK):
        return "依申请公开登记簿中的告知书"
    if b"number" in head and b"received" in head and _is_application(head):
        return "依申请公开登记簿中的申请"
    if b"replies/" in head and _REPLY_RECORD.search(head.decode("utf-8", "replace")):
        return "依申请公开登记簿中答复告知书的保密审查记录"
    if lower.endswith((".yml", ".yaml")) and b"\nkind: incident\n" in b"\n" + head:
        return "泄密（误发）事件登记"
    return None


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(_HEAD)
    except OSError:
        return b""


def _is_application(head: bytes) -> bool:
    text = head.decode("utf-8", "replace")
    return bool(_ANY_NUMBER.search(text)) and bool(_ANY_RECEIVED.search(text))


def _is_register_docx(path: Path) -> bool:
    """Whether the .docx carries the register's notice marker in its core properties."""
    from pipeline.notice_docx import NOTICE_MARKER

    try:
        with zipfile.ZipFile(path) as archive:
            core = archive.read("docProps/core.xml")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False
    return NOTICE_MARKER.encode() in core


def _leak(relative: str, what: str) -> RegisterError:
    return RegisterError(
        f"这是{what}，含申请人的个人信息，不得放在网站仓库中。",
        path=relative,
        hint="请从网站仓库删除此文件（git rm），申请只保存在独立的登记簿仓库中；"
        "如已推送，请报告办公室处理。",
    )
