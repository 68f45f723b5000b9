"""Content checks end to end: what blocks publication until the handler acknowledges
it, what ``portal scan`` shows and masks, and that no full number is ever printed."""

from __future__ import annotations

import json

import pytest
from stdnum.cn import ric

from pipeline.main import main
from pipeline.verify import verify_repository
from tests.helpers.repo import NOW, Repo, post_text

POST = "content/notices/2026年度科技奖励获奖名单.md"
# A fake identity number with a valid GB 11643 check digit.
ID_NUMBER = "32058119850312201" + ric.calc_check_digit("32058119850312201" + "0")


def blocked(repo: Repo) -> list[tuple[str, str]]:
    report = verify_repository(repo.root, repo.config, now=NOW)
    return [(f.rule, f.severity) for f in report.findings]


def acknowledging(text: str, code: str, reason: str) -> str:
    return text.replace(
        "  date: 2026-03-01\n",
        f"  date: 2026-03-01\n  acknowledged:\n    - finding: {code}\n"
        f"      reason: {reason}\n",
    )


@pytest.mark.attack
@pytest.mark.parametrize(
    ("body", "rule"),
    [
        (f"获奖人：张三，身份证号 {ID_NUMBER}。\n", "id-number"),
        ("机密★1年\n\n关于某项目的情况说明。\n", "secrecy-marking"),
        ("联系人：李四，手机 13812345678。\n", "mobile"),
        ("<script>alert(1)</script>\n", "unsafe-html"),
    ],
)
def test_a_post_with_a_high_finding_cannot_be_published(
    repo: Repo, body: str, rule: str, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(POST, post_text(body=body))
    repo.approve_all(POST)
    assert (rule, "error") in blocked(repo)
    for output in ("text", "json", "github"):
        main(["verify", "--root", str(repo.root), "--format", output])
        printed = capsys.readouterr()
        assert ID_NUMBER not in printed.out + printed.err
        assert "13812345678" not in printed.out + printed.err


def test_the_handler_acknowledges_a_finding_that_must_stay_public(repo: Repo) -> None:
    repo.write(POST, post_text(body=f"获奖人：张三，身份证号 {ID_NUMBER}。\n"))
    repo.approve_all(POST)
    report = verify_repository(repo.root, repo.config, now=NOW)
    [finding] = [f for f in report.findings if f.rule == "id-number"]
    assert finding.code and finding.code.startswith("id-number:")
    assert finding.message == "发现居民身份证号码：32*************015"
    assert finding.line == 15 and finding.column
    text = acknowledging(
        (repo.root / POST).read_text(encoding="utf-8"),
        finding.code,
        "依《科学技术奖励条例》公示获奖人身份信息，已经科室核对",
    )
    repo.write(POST, text)
    repo.approve_all(POST)
    report = verify_repository(repo.root, repo.config, now=NOW)
    assert [p.path for p in report.publishable] == [POST]
    assert [(f.rule, f.severity) for f in report.findings] == [("id-number", "warning")]


@pytest.mark.attack
def test_an_old_acknowledgement_does_not_cover_a_new_number(repo: Repo) -> None:
    repo.write(POST, post_text(body=f"获奖人：张三，身份证号 {ID_NUMBER}。\n"))
    report = verify_repository(repo.root, repo.config, now=NOW)
    [finding] = [f for f in report.findings if f.rule == "id-number"]
    assert finding.code
    other = "11010519491231002" + ric.calc_check_digit("11010519491231002" + "0")
    text = acknowledging(
        post_text(body=f"获奖人：张三，身份证号 {other}。\n"), finding.code, "已核对"
    )
    repo.write(POST, text)
    repo.approve_all(POST)
    assert blocked(repo) == [
        ("id-number", "error"),
        ("acknowledgement-unused", "warning"),
    ]


def test_scan_masks_personal_data_in_place_and_reports(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    body = f"联系人：李四，手机 138 1234 5678，身份证号 {ID_NUMBER}。\n"
    repo.write(POST, post_text(body=body))
    assert main(["scan", "--root", str(repo.root), POST, "--format", "short"]) == 1
    out = capsys.readouterr().out
    assert f"{POST}:15:" in out and "mobile" in out and "id-number" in out
    assert ID_NUMBER not in out
    assert main(["scan", "--root", str(repo.root), POST, "--mask"]) == 0
    out = capsys.readouterr().out
    assert "已把 2 处个人信息改为打码形式" in out
    text = (repo.root / POST).read_text(encoding="utf-8")
    assert "138 **** 5678" in text and "32*************015" in text
    assert ID_NUMBER not in text and post_text().split("---")[1] in text


def test_scan_json_gives_position_kind_and_code(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(POST, post_text(body="内部资料\n\n正文。\n"))
    assert main(["scan", "--root", str(repo.root), "--format", "json"]) == 1
    [item] = json.loads(capsys.readouterr().out)
    assert item["rule"] == "secrecy-marking" and item["severity"] == "error"
    assert (item["line"], item["column"]) == (15, 1)
    assert item["code"].startswith("secrecy-marking:")


def test_a_malformed_document_number_blocks_until_fixed(repo: Repo) -> None:
    repo.write(POST, post_text().replace("常科综〔2026〕3号", "常科综[2026]3号"))
    repo.approve_all(POST)
    assert ("doc-number", "error") in blocked(repo)


def test_the_signer_sees_the_findings_and_cannot_approve_a_blocked_post(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(POST, post_text(body="联系人：李四，手机 13812345678。\n"))
    sign = ["sign", "--root", str(repo.root), POST, "--role", "section_head"]
    sign += ["--key", str(repo.keys["head"])]
    assert main(sign) == 1
    err = capsys.readouterr().err
    assert "138****5678" in err and "须处理的问题" in err and "13812345678" not in err
    assert not (repo.root / "reviews/notices").exists()
    assert main([*sign, "--decision", "return", "--comment", "请删去手机号"]) == 0


def test_comments_in_the_front_matter_are_pointed_out(repo: Repo) -> None:
    text = post_text().replace(
        "tier: general\n", "tier: general  # 领导说先按一般处理\n# 内部意见：暂缓发布\n"
    )
    repo.write(POST, text)
    repo.approve_all(POST)
    report = verify_repository(repo.root, repo.config, now=NOW)
    assert [(f.rule, f.line) for f in report.findings] == [
        ("front-matter-comment", 5),
        ("front-matter-comment", 6),
    ]
    assert [p.path for p in report.publishable] == [POST]


MOBILE = "13912345678"
CARD = "6222020200112233446"  # Luhn-valid


@pytest.mark.attack
@pytest.mark.parametrize(
    ("body", "rule"),
    [
        ("&#51;2058119850312201" + ID_NUMBER[-1], "id-number"),
        (f"{ID_NUMBER[:6]}<span></span>{ID_NUMBER[6:]}", "id-number"),
        (f"_{ID_NUMBER}_", "id-number"),
        (f"__{CARD}__", "bank-card"),
        (
            "".join(chr(0x1D7E2 + int(d)) for d in ID_NUMBER[:-1]) + ID_NUMBER[-1],
            "id-number",
        ),
        ("139&nbsp;1234&nbsp;5678", "mobile"),
        ("139\u20091234\u20095678", "mobile"),
        (f"{ID_NUMBER[:6]}\n{ID_NUMBER[6:]}", "id-number"),
        ("139\n1234\n5678", "mobile"),
        (f"详见https://kjj.changshu.gov.cn/，手机{MOBILE}", "mobile"),
        (f"手机 {MOBILE} 人事科", "mobile"),
        (f"收款账号：{CARD} 户名：张七", "bank-card"),
        ("&#26426;&#23494;★&#38271;&#26399;", "secrecy-marking"),
        ("【內部資料】", "secrecy-marking"),
        ("絕密★長期", "secrecy-marking"),
        ("机<span></span>密★1年", "secrecy-marking"),
        ("机密✱1年", "secrecy-marking"),
        ("| 类型 | 号码 |\n|---|---|\n| 手机 | 139<br>12345678 |", "mobile"),
    ],
)
def test_numbers_and_markings_split_or_disguised_in_the_source_are_found(
    repo: Repo, body: str, rule: str
) -> None:
    repo.write(POST, post_text(body=body + "\n"))
    repo.approve_all(POST)
    report = verify_repository(repo.root, repo.config, now=NOW)
    assert report.publishable == []
    assert (rule, "error") in [(f.rule, f.severity) for f in report.findings]


def test_acknowledging_a_warning_records_the_reason(repo: Repo) -> None:
    repo.write(POST, post_text(body="咨询电话：0512-52712345。\n"))
    report = verify_repository(repo.root, repo.config, now=NOW)
    [warning] = [f for f in report.findings if f.rule == "landline"]
    assert warning.code
    assert "办公电话" in (warning.hint or "")
    text = acknowledging(
        (repo.root / POST).read_text(encoding="utf-8"), warning.code, "局办公室电话"
    )
    repo.write(POST, text)
    report = verify_repository(repo.root, repo.config, now=NOW)
    assert [
        (f.rule, f.severity)
        for f in report.findings
        if f.rule != "approval-missing" and f.rule != "review-missing"
    ] == [("landline", "warning")]
    [acknowledged] = [f for f in report.findings if f.rule == "landline"]
    assert "局办公室电话" in acknowledged.message


@pytest.mark.attack
@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        (
            "title",
            "\\u673a\\u5bc6\\u2605\\u957f\\u671f 关于人员调整的通知",
            "secrecy-marking",
        ),
        (
            "title",
            "关于张三同志" + "".join(f"\\u{ord(c):04x}" for c in ID_NUMBER) + "的公示",
            "id-number",
        ),
        (
            "issuer",
            "常熟市科学技术局 联系人手机" + "".join(f"\\x{ord(c):02x}" for c in MOBILE),
            "mobile",
        ),
    ],
)
def test_front_matter_values_are_judged_as_shown(
    repo: Repo, field: str, value: str, rule: str
) -> None:
    text = post_text(extra=f'{field}: "{value}"\n' if field != "title" else "")
    if field == "title":
        text = text.replace(
            "title: 关于开展科技创新券申报工作的通知", f'title: "{value}"'
        )
    repo.write(POST, text)
    repo.approve_all(POST)
    report = verify_repository(repo.root, repo.config, now=NOW)
    assert (rule, "error") in [(f.rule, f.severity) for f in report.findings]


@pytest.mark.attack
@pytest.mark.parametrize(
    "body",
    [
        "手机：139\u200b1234\u200b5678",
        "手机：139&#8203;1234&#xFEFF;5678",
        "手机：1\u03323\u03329\u03321\u03322\u03323\u03324\u03325\u03326\u03327\u03328\u0332",
        "手机：١٣٩١٢٣٤٥٦٧٨",
        "联系电话：13912345678人事科",
        "手机：139.1234.5678",
        "本通知属于内部资料，注意保存。",
        "秘密▲十年",
    ],
)
def test_more_disguises_are_seen_through(repo: Repo, body: str) -> None:
    repo.write(POST, post_text(body=body + "\n"))
    repo.approve_all(POST)
    report = verify_repository(repo.root, repo.config, now=NOW)
    assert report.publishable == [], body


def test_a_handler_from_another_department_is_caught_before_signing(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(POST, post_text(handler="pclerk"))  # 政策法规科 staff on an office post
    assert main(["check-posts", "--root", str(repo.root), POST]) == 1
    out = capsys.readouterr().out
    assert (
        "[secrecy-review] 字段 secrecy_review.handler：承办人 林办事员在 2026-03-01 不是办公室的人员"
        in out
    )
    assert "clerk（陈办事员）" in out
    sign = ["sign", "--root", str(repo.root), POST, "--role", "handler"]
    assert main([*sign, "--key", str(repo.keys["pclerk"])]) == 1
    assert "不是办公室的人员" in capsys.readouterr().err
    assert not (repo.root / "reviews").exists()
    # The signing core refuses too, whoever calls it.
    from pipeline.errors import PortalError
    from pipeline.sign import SigningKey, sign_post

    with pytest.raises(PortalError, match="不能作本稿的承办人"):
        sign_post(
            repo.root,
            repo.config,
            POST,
            role="handler",
            key=SigningKey(repo.keys["pclerk"]),
        )
