"""One GitHub issue per department (``pipeline.expiry_issues``, ``portal expiry-issues``).

The command talks to a fake GitHub API served on 127.0.0.1 by ``http.server``: it
keeps issues, comments and labels in memory and records every request, so each test
can check what was sent and that nothing else was.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from pipeline.expiry_issues import (
    CLOSE_CLEAN,
    CLOSE_DUPLICATE,
    CREATE,
    LABEL,
    UPDATE,
    OpenIssue,
    department_issues,
    issue_title,
    marked_department,
    marker,
    plan,
)
from pipeline.lifecycle import expiry_report
from pipeline.main import main
from pipeline.post import post_index
from tests.helpers.repo import Repo, post_text
from tests.test_lifecycle import law_text

DAY = dt.date(2026, 12, 4)
TOKEN = "ghs_secret-token-for-tests-0123456789"
REPOSITORY = "changshu-kjj/portal"
POLICY_TITLE = issue_title("政策法规科")
OFFICE_TITLE = issue_title("办公室")


# --------------------------------------------------------------------------- fake API


@dataclass
class FakeGitHub:
    """Issues, comments and labels of one repository, and every request received."""

    base: str = ""
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, list[str]] = field(default_factory=dict)
    labels: set[str] = field(default_factory=set)
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    refuse_with: int | None = None

    def add_issue(
        self, title: str, body: str, *, labels: tuple[str, ...] = (LABEL,)
    ) -> int:
        number = max(self.issues, default=0) + 1
        self.issues[number] = {
            "number": number,
            "title": title,
            "body": body,
            "state": "open",
            "labels": [{"name": name} for name in labels],
        }
        return number

    def open_marked(self, department: str) -> list[int]:
        return [
            number
            for number, issue in sorted(self.issues.items())
            if issue["state"] == "open"
            and marked_department(issue["body"]) == department
        ]

    @property
    def writes(self) -> list[tuple[str, str, Any]]:
        return [r for r in self.requests if r[0] != "GET"]

    def handle(self, method: str, url: str, data: Any) -> tuple[int, Any, str]:
        """Status, JSON answer and Link header for one request."""
        self.requests.append((method, url, data))
        if self.refuse_with:
            return self.refuse_with, {"message": "Resource not accessible"}, ""
        parts = urlsplit(url)
        path = parts.path.removeprefix(f"/repos/{REPOSITORY}")
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        if method == "GET" and path == f"/labels/{LABEL}":
            found = LABEL in self.labels
            return (200, {"name": LABEL}, "") if found else (404, {}, "")
        if method == "POST" and path == "/labels":
            self.labels.add(data["name"])
            return 201, {"name": data["name"]}, ""
        if method == "GET" and path == "/issues":
            return self._list(query)
        if method == "POST" and path == "/issues":
            number = self.add_issue(
                data["title"], data["body"], labels=tuple(data["labels"])
            )
            return 201, self.issues[number], ""
        number = int(path.split("/")[2])
        if method == "PATCH":
            self.issues[number].update(data)
            return 200, self.issues[number], ""
        self.comments.setdefault(number, []).append(data["body"])
        return 201, {"body": data["body"]}, ""

    def _list(self, query: dict[str, str]) -> tuple[int, Any, str]:
        assert query["state"] == "open" and query["labels"] == LABEL
        size, page = int(query["per_page"]), int(query.get("page", "1"))
        listed = [
            issue
            for _, issue in sorted(self.issues.items())
            if issue["state"] == "open"
            and LABEL in [label["name"] for label in issue["labels"]]
        ]
        link = ""
        if page * size < len(listed):
            after = f"{self.base}/repos/{REPOSITORY}/issues?state=open&labels={LABEL}"
            link = f'<{after}&per_page={size}&page={page + 1}>; rel="next"'
        return 200, listed[(page - 1) * size : page * size], link


def _handler(fake: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            data = json.loads(self.rfile.read(length)) if length else None
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                fake.requests.append((self.command, self.path, data))
                status, answer, link = 401, {"message": "Bad credentials"}, ""
            else:
                status, answer, link = fake.handle(self.command, self.path, data)
            raw = json.dumps(answer).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            if link:
                self.send_header("Link", link)
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = do_PATCH = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    fake = FakeGitHub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.delenv("GITHUB_REPOSITORY", raising=False)
    monkeypatch.delenv("GITHUB_API_URL", raising=False)
    return TOKEN


def run(repo: Repo, github: FakeGitHub, *extra: str, on: str = "2026-12-04") -> int:
    return main(
        [
            "--root",
            str(repo.root),
            "expiry-issues",
            "--on",
            on,
            "--repo",
            REPOSITORY,
            "--api",
            github.base,
            *extra,
        ]
    )


# --------------------------------------------------------------------------- posts


def write_law(
    repo: Repo, name: str, title: str, extra: str = "", body: str = ""
) -> str:
    text = law_text(title, extra, body=body)
    path = f"content/laws/{name}.md"
    repo.write(path, text)
    return path


def write_notice(repo: Repo, name: str, title: str, extra: str) -> str:
    path = f"content/notices/{name}.md"
    repo.write(path, post_text(title=title, extra=extra))
    return path


@pytest.fixture
def site(repo: Repo) -> Repo:
    """政策法规科: one to correct, one labelled, one expiring; 办公室: one expiring."""
    write_law(repo, "新法", "科技成果登记办法（2026年修订）", "effective: 2026-01-01\n")
    write_law(
        repo,
        "废止",
        "科技成果登记办法",
        "status: repealed\nexpires: 2025-12-31\nsuperseded_by: content/laws/新法.md\n",
    )
    write_law(
        repo, "过期", "科技计划项目管理办法", "status: effective\nexpires: 2025-12-31\n"
    )
    write_law(repo, "暂行", "科技创新券管理暂行办法", "expires: 2026-12-20\n")
    write_notice(
        repo, "申报", "关于开展高新技术企业申报的通知", "expires: 2026-12-31\n"
    )
    return repo


# --------------------------------------------------------------------------- core


def wanted_for(repo: Repo, on: dt.date = DAY) -> dict[str, Any]:
    config = repo.config
    report = expiry_report(post_index(repo.root, config), config, on=on, within=30)
    return department_issues(report, config)


def test_each_department_gets_one_issue_listing_its_items_in_order(site: Repo) -> None:
    wanted = wanted_for(site)
    assert list(wanted) == ["office", "policy"]
    policy = wanted["policy"]
    assert policy.title == "【文件效力】政策法规科：需要处理的文件"
    assert policy.body.startswith(marker("policy") + "\n")
    assert marked_department(policy.body) == "policy"
    body = policy.body
    assert (
        body.index("## 须更正")
        < body.index("content/laws/过期.md")
        < body.index("## 已不再有效、页面已如实标注")
        < body.index("content/laws/废止.md")
        < body.index("## 即将失效")
        < body.index("content/laws/暂行.md")
    )
    assert "已失效，自 2026-01-01 起" in body and "稿件仍标为现行有效" in body
    assert "已废止，自 2026-01-01 起" in body
    assert "取代它的文件：`content/laws/新法.md`" in body
    assert "即将失效，最后有效日为 2026-12-20" in body
    assert "怎么办：请及时评估" in body
    assert "content/notices" not in body
    assert "关于开展高新技术企业申报的通知" in wanted["office"].body
    # Deterministic: the same posts give the same bytes.
    assert wanted_for(site) == wanted


def test_ended_documents_that_say_so_open_no_issue(repo: Repo) -> None:
    write_law(repo, "废止", "科技成果登记办法", "status: repealed\n")
    assert wanted_for(repo) == {}


def test_a_link_to_a_repealed_document_must_be_corrected(repo: Repo) -> None:
    write_law(repo, "废止", "科技成果登记办法", "status: repealed\n")
    write_law(
        repo,
        "引用",
        "科技成果转化实施细则",
        body="依据[《科技成果登记办法》](废止.md)制定。\n",
    )
    body = wanted_for(repo)["policy"].body
    assert "链接了已废止或已失效的文件 `content/laws/废止.md`" in body
    assert "请改为链接现行有效的文件" in body


def test_titles_cannot_break_the_markdown(repo: Repo) -> None:
    write_law(
        repo, "暂行", "关于加强*科技*[试点]_管理_的暂行办法", "expires: 2026-12-20\n"
    )
    body = wanted_for(repo)["policy"].body
    assert "《关于加强\\*科技\\*\\[试点\\]\\_管理\\_的暂行办法》" in body


def test_the_plan_matches_by_marker_never_by_title(site: Repo) -> None:
    wanted = wanted_for(site)
    policy = wanted["policy"]
    issues = [
        OpenIssue(3, "有人改了标题", policy.body),
        OpenIssue(5, POLICY_TITLE, "没有标记的议题"),
        OpenIssue(4, "另一个", f"{marker('policy')}\n旧的"),
        OpenIssue(9, "已撤销的科室", f"{marker('gone')}\n旧的"),
    ]
    actions = plan(wanted, issues, site.config)
    assert [(a.kind, a.department, a.number) for a in actions] == [
        (CLOSE_CLEAN, "gone", 9),
        (CLOSE_DUPLICATE, "policy", 4),
        (CREATE, "office", None),
    ]
    assert "#3" in actions[1].comment
    changed = [OpenIssue(3, POLICY_TITLE, policy.body.replace("须更正", "旧"))]
    assert [a.kind for a in plan(wanted, changed, site.config)][0] == UPDATE


# --------------------------------------------------------------------------- command


def test_first_run_creates_then_an_identical_run_changes_nothing(
    site: Repo,
    github: FakeGitHub,
    token: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(site, github) == 0
    assert github.labels == {LABEL}
    titles = {issue["title"] for issue in github.issues.values()}
    assert titles == {POLICY_TITLE, OFFICE_TITLE}
    assert len(github.open_marked("policy")) == len(github.open_marked("office")) == 1
    assert all(
        [label["name"] for label in issue["labels"]] == [LABEL]
        for issue in github.issues.values()
    )
    out, err = capsys.readouterr()
    assert "已新建议题 #" in out and "政策法规科" in out
    assert token not in out + err

    github.requests.clear()
    assert run(site, github) == 0
    assert github.writes == []
    assert len(github.issues) == 2


def test_a_change_updates_the_body_only(
    site: Repo, github: FakeGitHub, token: str
) -> None:
    assert run(site, github) == 0
    (number,) = github.open_marked("policy")
    write_law(site, "暂行二", "科技人才引进暂行办法", "expires: 2026-12-25\n")
    github.requests.clear()
    assert run(site, github) == 0
    assert [(method, url) for method, url, _ in github.writes] == [
        ("PATCH", f"/repos/{REPOSITORY}/issues/{number}")
    ]
    assert "科技人才引进暂行办法" in github.issues[number]["body"]
    assert github.open_marked("policy") == [number]


def test_a_department_that_became_clean_gets_its_issue_closed(
    site: Repo, github: FakeGitHub, token: str
) -> None:
    assert run(site, github) == 0
    (number,) = github.open_marked("office")
    (site.root / "content/notices/申报.md").unlink()
    assert run(site, github) == 0
    issue = github.issues[number]
    assert (issue["state"], issue["state_reason"]) == ("closed", "completed")
    (comment,) = github.comments[number]
    assert "办公室" in comment and "一切正常" in comment
    assert github.open_marked("policy") != []


def test_a_duplicate_is_closed_and_the_oldest_kept(
    site: Repo, github: FakeGitHub, token: str
) -> None:
    body = wanted_for(site)["policy"].body
    oldest = github.add_issue("人工改过的标题", body)
    newer = github.add_issue(POLICY_TITLE, body)
    assert run(site, github) == 0
    assert github.open_marked("policy") == [oldest]
    assert github.issues[newer]["state_reason"] == "not_planned"
    assert f"#{oldest}" in github.comments[newer][0]
    assert github.issues[oldest]["title"] == "人工改过的标题"
    assert github.open_marked("office") != []


def test_open_issues_are_read_across_pages(
    site: Repo, github: FakeGitHub, token: str
) -> None:
    for index in range(150):
        github.add_issue(f"其他议题 {index}", "不是本流水线的议题")
    kept = github.add_issue(POLICY_TITLE, wanted_for(site)["policy"].body)
    assert run(site, github) == 0
    pages = [url for method, url, _ in github.requests if "/issues?" in url]
    assert len(pages) == 2 and "page=2" in pages[1]
    assert all("per_page=100" in url for url in pages)
    assert github.open_marked("policy") == [kept]
    creates = [w for w in github.writes if w[1].endswith("/issues")]
    assert [data["title"] for _, _, data in creates] == [OFFICE_TITLE]


@pytest.mark.parametrize(
    ("status", "expected"), [(401, "GITHUB_TOKEN"), (403, "issues: write")]
)
def test_refusals_give_a_clear_error_without_the_token(
    site: Repo,
    github: FakeGitHub,
    token: str,
    capsys: pytest.CaptureFixture[str],
    status: int,
    expected: str,
) -> None:
    github.refuse_with = status
    assert run(site, github) == 1
    out, err = capsys.readouterr()
    assert f"HTTP {status}" in err and expected in err
    assert token not in out + err
    assert github.writes == []


def test_a_wrong_token_is_refused(
    site: Repo,
    github: FakeGitHub,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_wrong-token")
    assert run(site, github) == 1
    err = capsys.readouterr().err
    assert "HTTP 401" in err and "Bad credentials" in err
    assert "ghs_wrong-token" not in err


def test_no_token_or_no_repository_is_a_usage_error(
    site: Repo,
    github: FakeGitHub,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("GITHUB_REPOSITORY", raising=False)
    assert run(site, github) == 2
    assert "GITHUB_TOKEN" in capsys.readouterr().err
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    root = ["--root", str(site.root), "expiry-issues", "--api", github.base]
    assert main(root) == 2
    assert "GITHUB_REPOSITORY" in capsys.readouterr().err
    assert main([*root, "--repo", REPOSITORY, "--api", "http://example.org"]) == 2
    assert "https://" in capsys.readouterr().err
    assert github.requests == []


def test_the_environment_names_the_repository_and_api(
    site: Repo,
    github: FakeGitHub,
    token: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GITHUB_REPOSITORY", REPOSITORY)
    monkeypatch.setenv("GITHUB_API_URL", github.base)
    argv = ["--root", str(site.root), "expiry-issues", "--on", "2026-12-04"]
    assert main(argv) == 0
    assert len(github.issues) == 2


def test_dry_run_sends_no_writes(
    site: Repo,
    github: FakeGitHub,
    token: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    github.add_issue("重复", f"{marker('policy')}\n旧")
    github.add_issue("重复", f"{marker('policy')}\n旧")
    assert run(site, github, "--dry-run") == 0
    assert github.writes == []
    out = capsys.readouterr().out
    assert "将新建标签 portal-expiry" in out
    assert "将更新议题 #1（政策法规科" in out
    assert "将关闭重复的议题 #2" in out
    assert "将新建议题（办公室" in out
