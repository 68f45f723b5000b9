"""A post: a Markdown file under ``content/<column>/`` with YAML front matter.

The front matter declares what the post is (title, column, department, tier, kind,
dates, document number) and its secrecy review (附件4 第四条). ``read_post`` returns
the post together with every problem found, each naming file, line and field.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from frontmatter.default_handlers import YAMLHandler

from pipeline import yamlfile
from pipeline.attachments import Attachment, folder_of, name_problem
from pipeline.config import KINDS, SiteConfig
from pipeline.errors import FrontMatterError, PortalError
from pipeline.fields import Fields
from pipeline.policy import OPINION_LABELS, OPINIONS

CONTENT_DIR = "content"
STATUSES = {
    "effective": "现行有效",
    "amended": "已修改",
    "repealed": "已废止",
    "expired": "已失效",
}
FIELDS = (
    "title",
    "column",
    "department",
    "tier",
    "published",
    "doc_number",
    "kind",
    "issuer",
    "effective",
    "expires",
    "status",
    "superseded_by",
    "attachments",
    "corrections",
    "secrecy_review",
)
RESERVED_NAMES = {"index.md", "README.md"}
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_CODE = re.compile(r"^[a-z][a-z-]*:[0-9a-f]{12}$")
# Only a line of exactly three hyphens opens or closes front matter, so that every
# Markdown tool finds the same end.
_HANDLER = YAMLHandler(fm_boundary=re.compile(r"^---$", re.MULTILINE))


@dataclass(frozen=True)
class Acknowledgement:
    """The handler's word on one content-check finding: seen, and why it may stay.

    ``finding`` is the finding's code (``<kind>:<fingerprint>``), bound to its place
    and text, so a new finding is never covered by an old acknowledgement.
    """

    finding: str
    reason: str
    line: int


@dataclass(frozen=True)
class SecrecyReview:
    """The handler's secrecy-review opinion on a post (附件4 第四条)."""

    handler: str
    opinion: str
    basis: str
    date: dt.date
    acknowledged: tuple[Acknowledgement, ...] = ()


@dataclass(frozen=True)
class Correction:
    """A dated correction note (更正说明, 附件1 第十五条) and the approved version it
    replaces, by SHA-256."""

    date: dt.date
    note: str
    replaces: str
    line: int


@dataclass(frozen=True)
class Listed:
    """An attachment as the front matter lists it: file name and SHA-256."""

    name: str
    sha256: str
    line: int


@dataclass(frozen=True)
class Post:
    """A post's identity (path and exact bytes) and its validated front matter."""

    path: str
    data: bytes
    title: str
    column: str
    department: str
    tier: str
    published: dt.date
    kind: str
    secrecy_review: SecrecyReview
    body: str
    doc_number: str | None = None
    issuer: str | None = None
    effective: dt.date | None = None
    # The last day the document is in effect (失效日期的前一天), when it says so.
    expires: dt.date | None = None
    status: str | None = None
    superseded_by: str | None = None
    listed: tuple[Listed, ...] = ()
    corrections: tuple[Correction, ...] = ()
    # The listed attachments with their bytes, once ``read_post`` has checked them.
    attachments: tuple[Attachment, ...] = ()

    @property
    def sha256(self) -> str:
        """SHA-256 of the file's exact bytes, in hex."""
        return sha256_hex(self.data)

    @property
    def name(self) -> str:
        """The file name without ``.md``."""
        return PurePosixPath(self.path).stem


def sha256_hex(data: bytes) -> str:
    """SHA-256 of ``data`` in lower-case hex."""
    return hashlib.sha256(data).hexdigest()


def post_paths(root: Path) -> list[str]:
    """Every Markdown file under ``content/``, as sorted repository-relative paths."""
    folder = root / CONTENT_DIR
    if not folder.is_dir():
        return []
    return sorted(
        p.relative_to(root).as_posix() for p in folder.rglob("*.md") if p.is_file()
    )


def post_index(root: Path, config: SiteConfig) -> dict[str, Post]:
    """Every valid post under ``root/content`` by path (for links between posts)."""
    index = {}
    for path in post_paths(root):
        post, _ = read_post(root, path, config)
        if post is not None:
            index[path] = post
    return index


def check_path(path: str, config: SiteConfig) -> list[PortalError]:
    """Problems with where a post lives: ``content/<column>/<name>.md``, NFC, not reserved."""
    problems: list[PortalError] = []
    parts = PurePosixPath(path).parts
    if unicodedata.normalize("NFC", path) != path:
        problems.append(
            FrontMatterError(
                "文件名不是 NFC 规范形式的 Unicode（常见于从 macOS 复制的文件）。",
                path=path,
                hint="请用 portal 推荐的方式重新命名此文件。",
            )
        )
    if len(parts) != 3 or parts[0] != CONTENT_DIR:
        problems.append(
            FrontMatterError(
                "稿件应放在 content/<栏目>/<文件名>.md，不能直接放在 content/ 下或更深的目录里。",
                path=path,
            )
        )
    elif parts[1] not in config.columns:
        problems.append(
            FrontMatterError(
                f"目录 {parts[1]} 不是已设立的栏目；栏目有：{'、'.join(config.columns)}。",
                path=path,
                hint="新设栏目须由办公室提出、局领导同意（附件1 第十一条）。",
            )
        )
    elif parts[2] in RESERVED_NAMES:
        problems.append(
            FrontMatterError(
                f"文件名 {parts[2]} 留给栏目首页使用。",
                path=path,
                hint="请换一个文件名。",
            )
        )
    problems.extend(_name_problems(path, parts[-1]))
    return problems


def _name_problems(path: str, name: str) -> list[PortalError]:
    # Site generators skip hidden files, and control characters in a name can forge
    # lines in logs and CI annotations.
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return [
            FrontMatterError(
                "文件名不是 UTF-8 编码（可能由其他系统以 GBK 等编码建立）。",
                path=path.encode("utf-8", "backslashreplace").decode("utf-8"),
                hint="请重新输入文件名。",
            )
        ]
    if name.startswith("."):
        return [
            FrontMatterError(
                "文件名不能以点（.）开头：这样的文件在网站上不会生成页面。",
                path=path,
                hint="请去掉开头的点。",
            )
        ]
    hidden = [c for c in path if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")]
    if hidden:
        shown = "、".join(f"U+{ord(c):04X}" for c in hidden)
        return [
            FrontMatterError(
                f"文件路径含有不可见的控制字符（{shown}）。",
                path=path.encode("unicode_escape").decode("ascii"),
                hint="请重新输入文件名，只用文字、数字、连字符和常用标点。",
            )
        ]
    return []


def through_symlink(root: Path, path: str) -> bool:
    """Whether ``root/path`` or any folder between it and ``root`` is a symbolic link."""
    current = root
    for part in PurePosixPath(path).parts:
        current = current / part
        if current.is_symlink():
            return True
    return False


def read_post(
    root: Path, path: str, config: SiteConfig
) -> tuple[Post | None, list[PortalError]]:
    """Read ``root/path``; return the post (``None`` if unusable) and every problem."""
    problems = check_path(path, config)
    if through_symlink(root, path):
        problems.append(
            FrontMatterError(
                "稿件是符号链接（或位于符号链接目录中）；审批只认仓库中的普通文件。",
                path=path,
                hint="请把内容存为普通文件。",
            )
        )
    try:
        data = (root / path).read_bytes()
    except OSError as exc:
        return None, [
            *problems,
            FrontMatterError(f"无法读取：{exc.strerror}。", path=path),
        ]
    post, more = parse_post(path, data, config)
    if post is not None and post.listed:
        post = _with_attachments(root, post, more)
    return (post if not problems and not more else None), problems + more


def _with_attachments(root: Path, post: Post, problems: list[PortalError]) -> Post:
    """``post`` with the bytes of each listed attachment; a problem for each missing
    or changed file (its bytes must be exactly those whose hash is listed)."""
    folder = folder_of(post.path)
    found = []
    for index, entry in enumerate(post.listed):
        path = f"{folder}/{entry.name}"
        field = f"attachments[{index}]"
        if through_symlink(root, path) or not (root / path).is_file():
            problems.append(
                FrontMatterError(
                    f"找不到附件 {path}（须是普通文件，放在与稿件同名的文件夹中）。",
                    path=post.path,
                    line=entry.line,
                    field=f"{field}.file",
                    hint="请用 portal attach 添加附件，它会把文件放到正确位置并写入哈希；"
                    "若本机有这个文件，请确认它已随稿件一起 git add 提交。",
                )
            )
            continue
        data = (root / path).read_bytes()
        if sha256_hex(data) != entry.sha256:
            problems.append(
                FrontMatterError(
                    f"附件 {path} 与稿件中登记的 SHA-256 不符：文件在登记之后被改动或替换过。",
                    path=post.path,
                    line=entry.line,
                    field=f"{field}.sha256",
                    hint="若是有意更新附件，请用 portal attach 重新登记，再请审批人重新签名。",
                )
            )
            continue
        found.append(Attachment(entry.name, entry.sha256, path, data))
    return replace(post, attachments=tuple(found))


def parse_post(
    path: str, data: bytes, config: SiteConfig
) -> tuple[Post | None, list[PortalError]]:
    """Parse and validate a post's bytes; the post is ``None`` when any problem is found."""
    try:
        text = yamlfile.decode(data, shown_as=path, error=FrontMatterError)
        document, body = _split(text, path)
        meta = yamlfile.load(document, path=path, error=FrontMatterError)
    except FrontMatterError as exc:
        return None, [exc]
    if meta is None:
        return None, [
            FrontMatterError(
                "front matter 为空。",
                path=path,
                line=1,
                hint="请按 README 的样例填写标题、栏目、科室、等级、日期和保密审查。",
            )
        ]
    problems: list[PortalError] = []
    fields = Fields(meta, path=path, error=FrontMatterError, problems=problems, line=1)
    post = _validate(fields, path, data, body, config)
    return (post if not problems else None), problems


def _split(text: str, path: str) -> tuple[str, str]:
    if not text.startswith("---\n") and text.strip() != "---":
        raise FrontMatterError(
            "缺少 front matter：文件第一行应为 ---，随后是标题、栏目等字段，再以 --- 结束。",
            path=path,
            line=1,
            hint="请参照 README 中的稿件样例。",
        )
    try:
        document, body = _HANDLER.split(text)
    except ValueError:
        raise FrontMatterError(
            "front matter 没有结束：找不到第二个 --- 行。", path=path, line=1
        ) from None
    return document, body


def _validate(
    fields: Fields, path: str, data: bytes, body: str, config: SiteConfig
) -> Post | None:
    fields.only(FIELDS)
    title = fields.text("title", what="标题")
    if title and any(c in title for c in "\n<>"):
        fields.fail(
            "title",
            "标题不能分行，也不能含有 < 或 >（会被当作网页代码）。",
            "书名号请用《》，需要时用全角的＜＞。",
        )
    column = fields.text("column", choices=list(config.columns))
    parts = PurePosixPath(path).parts
    if column and len(parts) == 3 and parts[1] != column:
        fields.fail(
            "column",
            f"写的是 {column}，但文件放在 {parts[1]}/ 目录下。",
            "两者须一致。",
        )
    # An id or the Chinese name (高新技术科), as for tiers (一般).
    names = {d.name: d.id for d in config.departments.values()}
    department = fields.text(
        "department",
        choices=[f"{d.id}（{d.name}）" for d in config.departments.values()],
        accept=[*config.departments, *names],
    )
    department = names.get(department or "", department)
    tier = _tier(fields, config)
    published = fields.date("published")
    kind = fields.text("kind", choices=list(KINDS))
    review = _secrecy_review(fields)
    doc_number = fields.text("doc_number", required=False, what="文号")
    issuer = fields.text("issuer", required=False, what="发布机关")
    effective = fields.date("effective", required=False)
    expires = fields.date("expires", required=False)
    if effective and expires and expires < effective:
        fields.fail(
            "expires",
            f"失效前的最后一天 {expires} 早于施行日期 {effective}。",
            "expires 写文件有效的最后一天（YYYY-MM-DD），不能早于 effective。",
        )
    status = fields.text("status", required=False, choices=list(STATUSES))
    superseded_by = fields.text(
        "superseded_by", required=False, what="content/ 下的稿件路径"
    )
    listed = _listed(fields)
    corrections = _corrections(fields)
    if None in (title, column, department, tier, published, kind, review):
        return None
    assert title and column and department and tier and published and kind and review
    return Post(
        path=path,
        data=data,
        title=title,
        column=column,
        department=department,
        tier=tier,
        published=published,
        kind=kind,
        secrecy_review=review,
        body=body,
        doc_number=doc_number,
        issuer=issuer,
        effective=effective,
        expires=expires,
        status=status,
        superseded_by=superseded_by,
        listed=listed,
        corrections=corrections,
    )


def _corrections(fields: Fields) -> tuple[Correction, ...]:
    found: list[Correction] = []
    for item in fields.list_of("corrections", required=False):
        item.only(["date", "note", "replaces"])
        date = item.date("date")
        note = item.text("note", what="更正说明（更正了什么）")
        replaces = item.text(
            "replaces",
            pattern=_HEX64,
            what="更正前已批准版本的 SHA-256（64 位十六进制）",
        )
        if note and any(c in note for c in "<>"):
            item.fail("note", "更正说明不能含有 < 或 >（会被当作网页代码）。")
            continue
        if date and note and replaces:
            found.append(Correction(date, note, replaces, item.mapping.line))
    if [c.date for c in found] != sorted(c.date for c in found):
        fields.fail("corrections", "更正说明应按日期先后排列，最新的写在最后。")
    return tuple(found)


def _listed(fields: Fields) -> tuple[Listed, ...]:
    listed: list[Listed] = []
    for item in fields.list_of("attachments", required=False):
        item.only(["file", "sha256"])
        name = item.text("file", what="附件文件名")
        sha = item.text("sha256", pattern=_HEX64, what="64 位小写十六进制 SHA-256")
        if name is not None and (problem := name_problem(name)):
            item.fail("file", problem)
            continue
        if name is not None and any(entry.name == name for entry in listed):
            item.fail("file", f"附件 {name} 列出了两次。")
            continue
        if name is not None and sha is not None:
            listed.append(Listed(name, sha, item.line_of("file")))
    return tuple(listed)


def _tier(fields: Fields, config: SiteConfig) -> str | None:
    names = [n for tier in config.policy.tiers.values() for n in (tier.id, tier.label)]
    value = fields.text("tier", choices=names)
    if value is None:
        return None
    tier = config.policy.tier_named(value)
    return tier.id if tier else None


def _secrecy_review(fields: Fields) -> SecrecyReview | None:
    review = fields.mapping_of("secrecy_review")
    if review is None:
        return None
    review.only(["handler", "opinion", "basis", "date", "acknowledged"])
    handler = review.ident("handler")
    labels = {label: opinion for opinion, label in OPINION_LABELS.items()}
    opinion = review.text(
        "opinion",
        choices=[f"{o}（{OPINION_LABELS[o]}）" for o in OPINIONS],
        accept=[*OPINIONS, *labels],
    )
    opinion = labels.get(opinion or "", opinion)
    basis = review.text("basis", what="审查依据")
    date = review.date("date")
    acknowledged = []
    for item in review.list_of("acknowledged", required=False):
        item.only(["finding", "reason"])
        code = item.text(
            "finding", pattern=_CODE, what="检查结果的确认码，如 id-number:3f2a9c0b1d4e"
        )
        reason = item.text("reason", what="可以保留的理由")
        if code and reason:
            acknowledged.append(Acknowledgement(code, reason, item.line_of("finding")))
    if handler and opinion and basis and date:
        return SecrecyReview(handler, opinion, basis, date, tuple(acknowledged))
    return None
