"""Emergency takedown (附件4 第八条): the leak leaves every built file, quoting posts
are held back, the incident is registered outside the site, and only a leader's return
undoes it."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest
from docx import Document

from pipeline.incident import INCIDENTS_DIR
from pipeline.main import main
from pipeline.post import read_post
from pipeline.register import MARKER, marker_text
from pipeline.register_git import init_register
from pipeline.sign import SigningKey
from pipeline.site import page_path, site_sources
from pipeline.takedown import KEY_VARIABLE, SIZE, Guard, normalised, readable, runs
from pipeline.verify import Report, verify_repository
from pipeline.withdrawal import (
    TAKEDOWN,
    WITHDRAWAL,
    read_withdrawal,
    record_path,
    sign_withdrawal,
)
from tests.helpers.repo import TZ, Repo, post_text
from tests.test_build import make_site_repo

LAW = "content/notices/中华人民共和国科学技术进步法.md"
LAW_SENTENCE = "国家鼓励科学技术研究开发，推动应用科学技术改造提升传统产业"
LEAK = "content/notices/关于科技项目评审专家名单的通知.md"
LEAK_TITLE = "关于科技项目评审专家名单的通知"
SECRET = "评审专家王晓明现住常熟市虞山街道琴川路十八号"
ID_NUMBER = "320581198001010013"
LEAK_BODY = f"根据规定，{LAW_SENTENCE}。\n\n{SECRET}，身份证号码{ID_NUMBER}。\n"
RECORD = record_path(TAKEDOWN, LEAK)
# A takedown key for the tests only (the office's real one is a deployment secret).
KEY = "5e" * 32
AT = dt.datetime(2026, 5, 20, 9, 0, tzinfo=TZ)
NOW = dt.datetime(2026, 5, 20, 12, 0, tzinfo=TZ)


def test_the_guard_ignores_spacing_markup_and_full_width_forms() -> None:
    guard = Guard.of([SECRET], key=KEY)
    page = "<p>评审专家<b>王晓明</b></p> 现住&#x5e38;熟市虞山街道".encode()
    assert guard.found(readable(page, "x.html")) is not None
    assert guard.found("评审专家：王晓明。") is None  # shorter than a run
    assert guard.found("评审专家 王晓明 现住 常熟市 虞山街道") is not None
    assert guard.found("ＡＢＣ" + SECRET[3:14]) is not None
    assert normalised("Ｐａｒｔ １２，三") == "part123"


def test_the_guard_leaves_out_what_the_site_had_before() -> None:
    guard = Guard.of([LEAK_BODY], key=KEY, before=[LAW_SENTENCE + "。"])
    assert guard.found(f"《法》规定：{LAW_SENTENCE}。") is None
    assert guard.found(SECRET[2:14]) is not None
    assert guard.found(ID_NUMBER[:SIZE]) is not None
    # Text named on its own is guarded whatever its length, and nothing is stored
    # in clear.
    short = Guard.of([], key=KEY, extra=["王晓明"])
    assert short.found("联系人：王晓明") is not None
    assert "王晓明" not in json.dumps(short.entry(), ensure_ascii=False)
    assert all(len(run) == SIZE for run in runs("一二三四五六七八九十甲乙", SIZE))


@pytest.fixture(autouse=True)
def takedown_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_VARIABLE, KEY)


@pytest.fixture
def register(tmp_path: Path) -> Path:
    folder = tmp_path / "register"
    init_register(folder)
    (folder / MARKER).write_text(marker_text(), encoding="utf-8")
    return folder


def docx_with(text: str) -> bytes:
    document = Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def leaked_repo(repo: Repo) -> Repo:
    """A law, committed first; then the leaked notice; both approved and committed."""
    repo.write(
        LAW, post_text(title="中华人民共和国科学技术进步法", body=LAW_SENTENCE + "。\n")
    )
    repo.approve_all(LAW)
    repo.commit("法律")
    text = post_text(title=LEAK_TITLE, body=LEAK_BODY)
    repo.write(LEAK, text)
    # What leaked is what the content checks caught and the handler (wrongly)
    # acknowledged, so that it was published.
    report = verify_repository(repo.root, repo.config, now=NOW, takedown_key=KEY)
    codes = [f.code for f in report.findings if f.path == LEAK and f.code]
    assert codes
    acknowledged = "".join(
        f"    - finding: {code}\n      reason: 经核对可以公开\n" for code in codes
    )
    repo.write(
        LEAK,
        text.replace(
            "  date: 2026-03-01\n",
            f"  date: 2026-03-01\n  acknowledged:\n{acknowledged}",
        ),
    )
    repo.approve_all(LEAK)
    repo.commit("误发的通知")
    return repo


def take_down(repo: Repo, register: Path, *extra: str, person: str = "clerk") -> int:
    role = "office_staff" if person == "clerk" else "supervising_leader"
    return main(
        [
            "--root",
            str(repo.root),
            "takedown",
            LEAK,
            "--role",
            role,
            "--key",
            str(repo.keys[person]),
            "--at",
            AT.isoformat(),
            "--what",
            "通知中含有评审专家的住址和身份证号码",
            "--found-by",
            "办公室 陈办事员（日常巡查）",
            "--reported-to",
            "分管领导吴分管、市保密办",
            "--register",
            str(register),
            *extra,
        ]
    )


def verdict(repo: Repo, now: dt.datetime = NOW) -> tuple[Report, list[tuple[str, str]]]:
    report = verify_repository(repo.root, repo.config, now=now, takedown_key=KEY)
    return report, [(f.path, f.rule) for f in report.findings]


@pytest.fixture
def leaked(repo: Repo) -> Repo:
    return leaked_repo(repo)


def test_the_office_takes_it_down_at_once_and_registers_the_incident(
    leaked: Repo, register: Path
) -> None:
    assert take_down(leaked, register) == 0
    record, problems = read_withdrawal(leaked.root, RECORD)
    assert problems == [] and record is not None and record.guard is not None
    text = (leaked.root / RECORD).read_text("utf-8")
    for clear in (SECRET[:6], ID_NUMBER, "王晓明", "住址"):
        assert clear not in text
    report, findings = verdict(leaked)
    assert [p.path for p in report.publishable] == [LAW]
    assert [r.post for r in report.withdrawn] == [LEAK]
    assert (RECORD, "takedown-pending") in findings
    # The incident is in the private register, committed, and nowhere in the site.
    incidents = list((register / INCIDENTS_DIR).rglob("*.yml"))
    assert len(incidents) == 1
    incident = incidents[0].read_text("utf-8")
    assert "分管领导吴分管、市保密办" in incident and "陈办事员" in incident
    assert not list(leaked.root.rglob(f"{INCIDENTS_DIR}/*"))
    # Leaders have 24 hours to confirm; after that it is overdue, still in force.
    later = AT + dt.timedelta(hours=25)
    report, findings = verdict(leaked, later)
    assert (RECORD, "takedown-unconfirmed") in findings and report.withdrawn
    assert take_down(leaked, register, person="lead") == 0
    report, findings = verdict(leaked, later)
    assert [r.post for r in report.withdrawn] == [LEAK]
    assert not [f for f in findings if f[1].startswith("takedown")]


def test_the_incident_must_say_who_found_it_and_who_was_told(
    leaked: Repo, register: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "--root",
            str(leaked.root),
            "takedown",
            LEAK,
            "--role",
            "office_staff",
            "--key",
            str(leaked.keys["clerk"]),
            "--register",
            str(register),
        ]
    )
    assert code != 0 and not (leaked.root / RECORD).exists()
    err = capsys.readouterr().err
    assert "--found-by" in err and "--reported-to" in err and "附件4 第八条" in err


def test_a_leader_return_lifts_it(leaked: Repo, register: Path) -> None:
    assert take_down(leaked, register) == 0
    assert (
        take_down(
            leaked, register, "--decision", "return", "--comment", "误报", person="lead"
        )
        == 0
    )
    report, findings = verdict(leaked)
    assert sorted(p.path for p in report.publishable) == sorted([LAW, LEAK])
    assert (RECORD, "withdrawal-returned") in findings


@pytest.mark.attack
def test_posts_quoting_the_leak_are_held_back_wherever_it_hides(
    leaked: Repo, register: Path
) -> None:
    assert take_down(leaked, register) == 0
    quoting = {
        "content/notices/转发通知.md": post_text(
            title="转发通知", body=f"原通知称：{SECRET[:4]} {SECRET[4:12]}……\n"
        ),
        "content/notices/标题引用.md": post_text(title=f"关于{SECRET[2:13]}的说明"),
    }
    for path, text in quoting.items():
        leaked.write(path, text)
        leaked.approve_all(path)
    attached = "content/notices/附件引用.md"
    leaked.write(attached, post_text(title="附件引用"))
    source = leaked.root.parent / "名单.docx"
    source.write_bytes(docx_with(f"专家：{SECRET[:13]}"))
    assert main(["--root", str(leaked.root), "attach", attached, str(source)]) == 0
    leaked.approve_all(attached)
    report, findings = verdict(leaked)
    assert [p.path for p in report.publishable] == [LAW]
    for path in [*quoting, attached]:
        assert (path, "takedown-quoted") in findings


@pytest.mark.attack
def test_fixing_the_leaked_post_keeps_the_quotes_out(
    leaked: Repo, register: Path
) -> None:
    assert take_down(leaked, register) == 0
    quoting = "content/notices/转发通知.md"
    leaked.write(quoting, post_text(title="转发通知", body=f"原文：{SECRET}\n"))
    leaked.approve_all(quoting)
    # The department corrects the notice: under its old name (its address and
    # title, new text when it leaked) it stays down; under a new one it comes back.
    leaked.write(LEAK, post_text(title=LEAK_TITLE, body="评审专家名单另行通知。\n"))
    leaked.approve_all(LEAK)
    report, findings = verdict(leaked)
    assert [p.path for p in report.publishable] == [LAW]
    fixed = "content/notices/评审专家名单另行公布的通知.md"
    (leaked.root / LEAK).unlink()
    leaked.write(
        fixed, post_text(title="评审专家名单另行公布的通知", body="另行公布。\n")
    )
    leaked.approve_all(fixed)
    report, findings = verdict(leaked)
    assert sorted(p.path for p in report.publishable) == sorted([LAW, fixed])
    assert (quoting, "takedown-quoted") in findings


@pytest.mark.attack
def test_deleting_the_committed_record_changes_nothing(
    leaked: Repo, register: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert take_down(leaked, register) == 0
    leaked.commit("紧急撤下")
    (leaked.root / RECORD).unlink()
    leaked.commit("删去撤下记录")
    capsys.readouterr()
    assert main(["--root", str(leaked.root), "verify"]) == 1
    out = capsys.readouterr().out
    assert "withdrawal-rewritten" in out and f"{RECORD}" in out
    report = verify_repository(
        leaked.root,
        leaked.config,
        now=NOW,
        earlier_records=_history(leaked),
        takedown_key=KEY,
    )
    assert [r.post for r in report.withdrawn] == [LEAK]


def _history(repo: Repo) -> dict[str, list[bytes]]:
    from pipeline.history import record_versions
    from pipeline.withdrawal import FOLDERS

    return record_versions(repo.root, FOLDERS.values())


# --------------------------------------------------------------------------- build


def built_text(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    if path.suffix == ".docx":
        return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    text = data.decode("utf-8", errors="replace")
    if path.suffix == ".json":
        text += json.dumps(json.loads(text), ensure_ascii=False)
    return text


@pytest.mark.slow
def test_no_fragment_of_the_leak_is_anywhere_in_the_built_site(
    tmp_path: Path,
    key_folder: Path,
    register: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = make_site_repo(tmp_path / "repo", key_folder)
    leaked_repo(repo)
    assert take_down(repo, register) == 0
    repo.commit("紧急撤下")
    assert main(["--root", str(repo.root), "build", "--exclude-unapproved"]) == 0
    site = repo.root / "site"
    # Every run of 8 characters of what leaked, and the title.
    fragments = set(runs(normalised(SECRET + ID_NUMBER), 8))
    for path in site.rglob("*"):
        if not path.is_file():
            continue
        shown = built_text(path)
        text = normalised(shown)
        hits = [f for f in fragments if f in text]
        assert hits == [], (path, hits[:3])
        assert LEAK_TITLE not in shown and quote(LEAK_TITLE) not in shown, path
    # The address itself held new text (the title): it leaves the site too.
    assert not (site / "notices" / LEAK_TITLE).exists()
    # The law the leaked notice quoted is still published.
    assert LAW_SENTENCE in (
        site / "notices" / "中华人民共和国科学技术进步法" / "index.html"
    ).read_text("utf-8")
    assert main(["--root", str(repo.root), "check-site", str(site)]) == 0
    # And a built file that holds the leak fails the page-by-page check.
    home = site / "index.html"
    home.write_text(
        home.read_text("utf-8") + f"<p>{SECRET[:5]}<b>{SECRET[5:]}</b></p>", "utf-8"
    )
    capsys.readouterr()
    assert main(["--root", str(repo.root), "check-site", str(site)]) == 1
    assert "[site-leak]" in capsys.readouterr().err
    shutil.rmtree(site)


@pytest.mark.attack
def test_quotations_in_references_links_and_file_names_are_held_back(
    leaked: Repo, register: Path
) -> None:
    assert take_down(leaked, register) == 0
    hidden = SECRET[2:14]
    quoting = {
        "content/notices/字符引用.md": post_text(
            title="字符引用", body="".join(f"&#{ord(c)};" for c in hidden) + "\n"
        ),
        "content/notices/链接.md": post_text(
            title="链接",
            body=f"[说明](https://www.example.gov.cn/s?q={quote(hidden)})\n",
        ),
        f"content/notices/关于{hidden}的说明.md": post_text(title="说明"),
    }
    for path, text in quoting.items():
        leaked.write(path, text)
        leaked.approve_all(path)
    report, findings = verdict(leaked)
    for path in quoting:
        assert (path, "takedown-quoted") in findings, path
    assert [p.path for p in report.publishable] == [LAW]


def test_the_office_cannot_name_text_the_site_already_had(
    leaked: Repo, register: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert take_down(leaked, register, "--fragment", "科学技术研究开发") != 0
    assert not (leaked.root / RECORD).exists()
    assert "之前已发布的内容" in capsys.readouterr().err
    assert take_down(leaked, register, "--fragment", "王") != 0


def test_numerals_of_every_form_read_as_digits() -> None:
    assert normalised("一三八○○一三八〇〇〇") == "13800138000"
    assert normalised("貳參陸 ٣٤ 壹") == "236341"


@pytest.mark.attack
def test_a_withdrawal_notice_quoting_the_leak_says_only_when(
    leaked: Repo, register: Path
) -> None:
    quoting = "content/notices/补充说明.md"
    leaked.write(quoting, post_text(title=f"关于{SECRET[2:14]}的补充说明"))
    leaked.approve_all(quoting)
    post, _ = read_post(leaked.root, quoting, leaked.config)
    assert post is not None
    for person, role in (("head", "section_head"), ("lead", "supervising_leader")):
        sign_withdrawal(
            leaked.root,
            leaked.config,
            post,
            kind=WITHDRAWAL,
            role=role,
            key=SigningKey(leaked.keys[person]),
            reason="内容有误",
            at=AT,
        )
    assert take_down(leaked, register) == 0
    report, _ = verdict(leaked)
    sources = site_sources(report, leaked.config, on=NOW.date())
    notice = sources.files[page_path("notices/补充说明.md")].decode()
    assert "撤稿" in notice and SECRET[2:14] not in notice and "内容有误" not in notice


def test_posts_the_leaked_one_links_to_stay_published(
    repo: Repo, register: Path
) -> None:
    rules = "content/notices/依申请公开制度.md"
    repo.write(
        rules,
        post_text(title="依申请公开制度", body="第一条 为规范工作，制定本制度。\n"),
    )
    repo.approve_all(rules)
    repo.commit("制度")
    repo.write(
        LEAK,
        post_text(
            title=LEAK_TITLE,
            body=f"见[依申请公开制度](依申请公开制度.md)。\n{SECRET}\n",
        ),
    )
    repo.approve_all(LEAK)
    repo.commit("通知")
    assert take_down(repo, register) == 0
    report, findings = verdict(repo)
    assert [p.path for p in report.publishable] == [rules]
    assert not [f for f in findings if f[1] == "takedown-quoted"]
