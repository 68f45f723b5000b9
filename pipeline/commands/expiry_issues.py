"""``portal expiry-issues``: keep one open GitHub issue per department up to date.

Talks to the GitHub REST API with the standard library only. The token comes from
``GITHUB_TOKEN`` and is sent only to the API's own origin, never on a redirect, and
never printed.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from pipeline.config import SiteConfig, load_config
from pipeline.errors import PortalError
from pipeline.expiry_issues import (
    CLOSE_CLEAN,
    CLOSE_DUPLICATE,
    CREATE,
    LABEL,
    LABEL_COLOR,
    LABEL_DESCRIPTION,
    UPDATE,
    Action,
    OpenIssue,
    department_issues,
    plan,
)
from pipeline.lifecycle import expiry_report
from pipeline.output import result
from pipeline.post import post_index

logger = logging.getLogger(__name__)

DEFAULT_API = "https://api.github.com"
TIMEOUT = 30
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')
_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
_PERMISSIONS = "工作流的 permissions 须含 issues: write（以及 contents: read）"
_VERBS = {
    CREATE: ("将新建议题", "已新建议题"),
    UPDATE: ("将更新议题", "已更新议题"),
    CLOSE_DUPLICATE: ("将关闭重复的议题", "已关闭重复的议题"),
    CLOSE_CLEAN: ("将关闭已无须处理的议题", "已关闭已无须处理的议题"),
}


class GitHubError(PortalError):
    """The GitHub API refused a request or could not be reached.

    ``status`` is the HTTP status of a refusal, ``None`` when there was no answer.
    """

    def __init__(
        self, message: str, *, status: int | None = None, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status


@dataclass(frozen=True)
class GitHub:
    """A repository on a GitHub API, and the token to use there (may be empty)."""

    api: str
    repo: str
    token: str

    def request(self, method: str, path: str, data: object = None) -> Any:
        """Send one request to ``path`` under the repository; return its JSON."""
        return self._send(method, f"{self.api}/repos/{self.repo}{path}", data)[0]

    def pages(self, path: str) -> list[Any]:
        """Every item of a listing, following the ``Link: rel="next"`` headers."""
        url: str | None = f"{self.api}/repos/{self.repo}{path}"
        items: list[Any] = []
        while url is not None:
            page, link = self._send("GET", url, None)
            if not isinstance(page, list):
                raise GitHubError(f"GitHub 对 {path} 的回答不是列表。")
            items += page
            url = _next_page(link, self.api)
        return items

    def _send(self, method: str, url: str, data: object) -> tuple[Any, str]:
        body = None if data is None else json.dumps(data).encode("utf-8")
        request = urllib.request.Request(url, data=body, method=method)
        request.add_header("Accept", "application/vnd.github+json")
        request.add_header("X-GitHub-Api-Version", "2022-11-28")
        request.add_header("User-Agent", "portal-pipeline")
        if body is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            # NOTE: unredirected, so a redirect never carries the token elsewhere.
            request.add_unredirected_header("Authorization", f"Bearer {self.token}")
        shown = f"{method} {urlsplit(url).path}"
        logger.debug("GitHub：%s", shown)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                raw = response.read()
                link = response.headers.get("Link", "")
        except urllib.error.HTTPError as exc:
            raise _http_error(exc, shown, self.repo) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise GitHubError(
                f"无法连接 GitHub API {self.api}（{shown}）：{reason}。",
                hint="请检查网络，以及 --api / GITHUB_API_URL 是否正确。",
            ) from None
        return (json.loads(raw) if raw.strip() else None), link


def expiry_issues(
    root: Path,
    *,
    on: dt.date | None,
    within: int,
    repo: str | None,
    api: str | None,
    dry_run: bool,
    environ: Mapping[str, str] | None = None,
) -> int:
    """Create, update or close each department's ``portal-expiry`` issue.

    The repository and API come from ``repo``/``api`` or, as GitHub Actions sets
    them, ``GITHUB_REPOSITORY``/``GITHUB_API_URL``; the token from ``GITHUB_TOKEN``.
    ``dry_run`` prints what would be done and changes nothing. Returns 0.
    """
    environ = os.environ if environ is None else environ
    github = _github(repo, api, environ, dry_run=dry_run)
    if within < 0:
        raise PortalError(
            f"--within {within} 无效：提前提示的天数不能是负数。",
            hint="请给出 0 或正整数，如 --within 30。",
        )

    # 1. What each department's issue should say, from the posts on the day.
    config = load_config(root)
    day = on or dt.datetime.now(config.site.tz).date()
    report = expiry_report(post_index(root, config), config, on=day, within=within)
    wanted = department_issues(report, config)

    # 2. What is open on GitHub, and what must change.
    _ensure_label(github, dry_run=dry_run)
    listed = github.pages(
        f"/issues?state=open&labels={LABEL}&per_page=100&sort=created&direction=asc"
    )
    open_issues = [_open_issue(item) for item in listed if "pull_request" not in item]
    actions = plan(wanted, open_issues, config)

    # 3. Make the changes (or say what they would be).
    for action in actions:
        number = action.number if dry_run else _apply(github, action)
        verb = _VERBS[action.kind][0 if dry_run else 1]
        shown = f" #{number}" if number is not None else ""
        result(f"{verb}{shown}（{_name(action, config)}）")
    changed = "将有" if dry_run else "共"
    result(
        f"{day}：{len(wanted)} 个科室有需要处理的文件；"
        f"已打开的议题 {len(open_issues)} 个；{changed} {len(actions)} 处改动。"
    )
    return 0


def _github(
    repo: str | None, api: str | None, environ: Mapping[str, str], *, dry_run: bool
) -> GitHub:
    repo = repo or environ.get("GITHUB_REPOSITORY", "")
    if not _REPOSITORY.match(repo):
        raise PortalError(
            f"仓库 {repo!r} 无效或未给出：应为 OWNER/NAME。",
            hint="请用 --repo 指定，或设置环境变量 GITHUB_REPOSITORY（GitHub Actions 会自动设置）。",
        )
    api = (api or environ.get("GITHUB_API_URL") or DEFAULT_API).rstrip("/")
    parts = urlsplit(api)
    local = parts.hostname in _LOCAL_HOSTS
    if not parts.hostname or (parts.scheme != "https" and not local):
        raise PortalError(
            f"GitHub API 地址 {api!r} 无效：须为 https:// 地址（仅本机可用 http://）。",
            hint="请检查 --api 或环境变量 GITHUB_API_URL。",
        )
    token = environ.get("GITHUB_TOKEN", "").strip()
    if not token and not dry_run:
        raise PortalError(
            "没有 GitHub 令牌：环境变量 GITHUB_TOKEN 为空。",
            hint=f"请在工作流步骤的 env 中设置 GITHUB_TOKEN: ${{{{ secrets.GITHUB_TOKEN }}}}，且{_PERMISSIONS}。",
        )
    return GitHub(api, repo, token)


def _ensure_label(github: GitHub, *, dry_run: bool) -> None:
    try:
        github.request("GET", f"/labels/{quote(LABEL)}")
        return
    except GitHubError as exc:
        if exc.status != 404:
            raise
    if dry_run:
        result(f"将新建标签 {LABEL}")
        return
    label = {"name": LABEL, "color": LABEL_COLOR, "description": LABEL_DESCRIPTION}
    try:
        github.request("POST", "/labels", label)
    except GitHubError as exc:
        # Another run may have just made it.
        if exc.status != 422:
            raise
    result(f"已新建标签 {LABEL}")


def _open_issue(item: Any) -> OpenIssue:
    return OpenIssue(
        int(item["number"]), item.get("title") or "", item.get("body") or ""
    )


def _apply(github: GitHub, action: Action) -> int | None:
    if action.kind == CREATE:
        created = github.request(
            "POST",
            "/issues",
            {"title": action.title, "body": action.body, "labels": [LABEL]},
        )
        return int(created["number"])
    issue = f"/issues/{action.number}"
    if action.kind == UPDATE:
        github.request("PATCH", issue, {"title": action.title, "body": action.body})
        return action.number
    github.request("POST", f"{issue}/comments", {"body": action.comment})
    reason = "not_planned" if action.kind == CLOSE_DUPLICATE else "completed"
    github.request("PATCH", issue, {"state": "closed", "state_reason": reason})
    return action.number


def _name(action: Action, config: SiteConfig) -> str:
    known = config.departments.get(action.department)
    name = known.name if known else action.department
    return f"{name}：{action.title}" if action.title else name


def _next_page(link: str, api: str) -> str | None:
    match = _NEXT.search(link)
    if match is None:
        return None
    url = match.group(1)
    # The token goes with every request: follow only links to the API itself.
    here, there = urlsplit(api), urlsplit(url)
    if (there.scheme, there.netloc) != (here.scheme, here.netloc):
        raise GitHubError(f"GitHub 的翻页链接指向别的地址 {there.netloc}，已拒绝。")
    return url


def _http_error(exc: urllib.error.HTTPError, shown: str, repo: str) -> GitHubError:
    status = exc.code
    message = _github_message(exc)
    detail = f"GitHub API 拒绝了请求 {shown}：HTTP {status}"
    detail += f"（{message}）。" if message else "。"
    if status == 401:
        hint = "令牌无效或已过期：请检查 GITHUB_TOKEN（工作流中应为 secrets.GITHUB_TOKEN）。"
    elif status == 403:
        hint = (
            f"令牌权限不足或触发了速率限制：{_PERMISSIONS}；"
            "并检查仓库 Settings → Actions → General → Workflow permissions。"
        )
    elif status == 404:
        hint = f"找不到仓库 {repo} 或其资源：请检查 --repo / GITHUB_REPOSITORY，以及令牌能否访问该仓库。"
    elif status == 410:
        hint = "仓库关闭了 Issues：请在 Settings → General → Features 中开启 Issues。"
    elif status == 422:
        hint = "GitHub 认为请求内容无效：请把以上信息报告给办公室。"
    else:
        hint = "请稍后重试；如仍失败，请查看 https://www.githubstatus.com/ 。"
    return GitHubError(detail, status=status, hint=hint)


def _github_message(exc: urllib.error.HTTPError) -> str:
    try:
        document = json.loads(exc.read() or b"{}")
    except (ValueError, OSError):
        return ""
    message = document.get("message") if isinstance(document, dict) else None
    return " ".join(str(message).split())[:200] if message else ""
