"""Secrecy markings and personal data in a post's text, with masking."""

from __future__ import annotations

import collections
import re
from pathlib import Path

import pytest
from stdnum import luhn
from stdnum.cn import ric, uscc

from pipeline.sensitive import KINDS, PERSONAL_KINDS, Hit, find_sensitive, mask_text

CONTENT = Path(__file__).resolve().parents[1] / "content"


def identity(body: str) -> str:
    """A resident identity number: ``body`` (17 digits) and its GB 11643 check digit.

    stdnum's ``calc_check_digit`` reads a whole number and ignores its last
    character, hence the placeholder.
    """
    return body + ric.calc_check_digit(body + "0")


def card(body: str) -> str:
    return body + luhn.calc_check_digit(body)


def credit_code(body: str) -> str:
    return body + uscc.calc_check_digit(body)


# Fake numbers, valid by their check digits (常熟市 320581, born 1990-03-07).
ID = identity("32058119900307251")
ID_X = identity("32058119900307105")  # check digit X
UNIONPAY = card("622202123456789")  # 16 digits
UNIONPAY_19 = card("621700123456789012")  # 19 digits
VISA = card("411111111111111")
CREDIT_CODE = credit_code("91320581MA1MBC8D7")


def found(text: str) -> list[tuple[str, str]]:
    return [(h.kind, text[h.start : h.end]) for h in find_sensitive(text)]


def test_the_fake_numbers_are_what_the_tests_need() -> None:
    assert ric.is_valid(ID) and ric.is_valid(ID_X) and ID_X.endswith("X")
    assert all(luhn.is_valid(n) for n in (UNIONPAY, UNIONPAY_19, VISA))
    assert (len(UNIONPAY), len(UNIONPAY_19)) == (16, 19)
    assert uscc.is_valid(CREDIT_CODE)


# (text, kind, the matched text, its masked form)
PERSONAL = [
    (f"申请人身份证号码：{ID}。", "id-number", ID, f"32{'*' * 13}51{ID[-1]}"),
    (f"身份证号{ID_X}", "id-number", ID_X, "32*************05X"),
    (f"身份证号{ID_X.lower()}", "id-number", ID_X.lower(), "32*************05x"),
    (
        f"身份证：{ID[:6]} {ID[6:14]} {ID[14:]}",
        "id-number",
        f"{ID[:6]} {ID[6:14]} {ID[14:]}",
        f"32**** ******** *51{ID[-1]}",
    ),
    ("旧身份证号320581900307251", "id-number", "320581900307251", "32**********251"),
    ("手机：13812345678", "mobile", "13812345678", "138****5678"),
    ("手机 138-1234-5678。", "mobile", "138-1234-5678", "138-****-5678"),
    (
        "联系人张三 +86 138 1234 5678",
        "mobile",
        "+86 138 1234 5678",
        "+86 138 **** 5678",
    ),
    ("手机8613912345678", "mobile", "8613912345678", "86139****5678"),
    ("手机（+86）15912345678", "mobile", "（+86）15912345678", "（+86）159****5678"),
    (
        "手机１３８１２３４５６７８",
        "mobile",
        "１３８１２３４５６７８",
        "１３８****５６７８",
    ),
    ("[拨打](tel:18612345678)", "mobile", "18612345678", "186****5678"),
    ("联系电话：0512-52701234", "landline", "0512-52701234", "0512-****1234"),
    ("电话(0512)52701234", "landline", "(0512)52701234", "(0512)****1234"),
    ("电话（0512）52701234", "landline", "（0512）52701234", "（0512）****1234"),
    ("电话 0512 5270 1234", "landline", "0512 5270 1234", "0512 **** 1234"),
    ("北京 010-62345678", "landline", "010-62345678", "010-****5678"),
    ("电话051252701234", "landline", "051252701234", "0512****1234"),
    ("总机 0512-52701234-801", "landline", "0512-52701234-801", "0512-****1234-801"),
    (f"收款账号：{UNIONPAY}", "bank-card", UNIONPAY, f"6222********{UNIONPAY[-4:]}"),
    (
        f"卡号 {UNIONPAY_19[:4]} {UNIONPAY_19[4:8]} {UNIONPAY_19[8:12]} "
        f"{UNIONPAY_19[12:16]} {UNIONPAY_19[16:]}",
        "bank-card",
        f"{UNIONPAY_19[:4]} {UNIONPAY_19[4:8]} {UNIONPAY_19[8:12]} "
        f"{UNIONPAY_19[12:16]} {UNIONPAY_19[16:]}",
        f"6217 **** **** ***{UNIONPAY_19[15]} {UNIONPAY_19[16:]}",
    ),
    (f"信用卡{VISA}", "bank-card", VISA, f"4111********{VISA[-4:]}"),
    ("邮箱：zhangsan@example.cn", "email", "zhangsan@example.cn", "z***@example.cn"),
    (
        "请发至 li.si@mail.example.com.cn。",
        "email",
        "li.si@mail.example.com.cn",
        "l***@mail.example.com.cn",
    ),
    ("邮箱 13812345678@163.com", "email", "13812345678@163.com", "1***@163.com"),
    ("护照号码：E12345678", "passport", "E12345678", "E*****678"),
    ("护照号 EA1234567", "passport", "EA1234567", "EA****567"),
    ("护照号码：\nE12345678", "passport", "E12345678", "E*****678"),
    ("证件类型：护照，证件号码：G12345678", "passport", "G12345678", "G*****678"),
    (
        "住址：常熟市海虞北路18号2幢301室",
        "address",
        "常熟市海虞北路18号2幢301室",
        "常熟市海虞北路**号*幢***室",
    ),
    ("家住长乐路123弄45号", "address", "家住长乐路123弄45号", "家住长乐路***弄**号"),
    ("住址：唐北村三组18号", "address", "唐北村三组18号", "唐北村三组**号"),
    (
        "住址：金色家园5号楼2单元301室",
        "address",
        "金色家园5号楼2单元301室",
        "金色家园*号楼*单元***室",
    ),
    (
        f"统一社会信用代码：{CREDIT_CODE}",
        "organisation-code",
        CREDIT_CODE,
        f"9132**********{CREDIT_CODE[-4:]}",
    ),
]


@pytest.mark.parametrize(("text", "kind", "matched", "masked"), PERSONAL)
def test_personal_data_is_found_and_masked(
    text: str, kind: str, matched: str, masked: str
) -> None:
    [hit] = find_sensitive(text)
    assert (hit.kind, text[hit.start : hit.end], hit.masked) == (kind, matched, masked)
    assert (hit.label, hit.severity) == KINDS[kind]


# (text, the marking found in it)
MARKINGS = [
    ("机密★1年\n\n关于某项目的通知", "机密★1年"),
    ("秘密★长期", "秘密★长期"),
    ("绝密☆10年", "绝密☆10年"),
    ("机密＊1年", "机密＊1年"),
    ("机密*1年", "机密*1年"),
    ("秘密 ★ 6个月", "秘密 ★ 6个月"),
    ("绝密★启用前", "绝密★启用前"),
    ("本通知为机密★1年，请妥善保管。", "机密★1年"),
    ("机 密", "机 密"),
    ("内 部 资 料", "内 部 资 料"),
    ("不 得 外 传", "不 得 外 传"),
    ("## 内部资料", "内部资料"),
    ("# 绝密", "绝密"),
    ("**不得外传**", "不得外传"),
    ("严禁外传", "严禁外传"),
    ("> 内部使用", "内部使用"),
    ("密级：机密", "密级：机密"),
    ("| 文件 | 密级 |\n| --- | --- |\n| 会议纪要 | 机密 |", "机密"),
    ("“绝密”", "绝密"),
    ("【内部】关于召开项目评审会的通知", "内部"),
    ("（内部资料，注意保存）", "内部资料，注意保存"),
    ("![内部资料 会议纪要扫描件](img/jiyao.png)", "内部资料"),
    ("[机密-项目清单](files/list.xlsx)", "机密"),
    ("[项目清单](files/项目清单（内部）.xlsx)", "内部"),
    ("![扫描件](img/机密_名单.png)", "机密"),
    (
        "[附件](files/%E5%86%85%E9%83%A8-%E5%90%8D%E5%8D%95.pdf)",
        "%E5%86%85%E9%83%A8-%E5%90%8D%E5%8D%95.pdf",
    ),
    ('<img src="a.png" alt="机密 名单">', "机密"),
    ("---\ntitle: 通知\nclassification: 内部\n---\n正文", "内部"),
    ("---\ntitle: 内部 关于召开会议的通知\n---\n正文", "内部"),
    ('---\ntitle: "内部 关于召开会议的通知"\n---\n正文', "内部"),
    ("[名单]: files/名单-内部.pdf", "内部"),
    ("---\ntitle: 通知\n---\n秘密　　常科综〔2018〕35号\n\n各科室：", "秘密"),
    ("常科综〔2018〕35号\n\n内部资料 注意保存\n\n各科室：", "内部资料 注意保存"),
]


@pytest.mark.parametrize(("text", "marking"), MARKINGS)
def test_secrecy_markings_are_found(text: str, marking: str) -> None:
    [hit] = find_sensitive(text)
    assert (hit.kind, text[hit.start : hit.end]) == ("secrecy-marking", marking)
    assert (hit.severity, hit.masked) == ("high", marking)


WRONG_CHECK_DIGIT = ID[:-1] + ("1" if ID[-1] == "0" else "0")

LOOK_ALIKES = [
    # Document numbers, dates, articles, amounts, statistics.
    "常科综〔2018〕35号",
    "国务院令第731号公布",
    "2026年12月4日",
    "published: 2026-12-04",
    "第一百二十三条",
    "总金额 123456789012 元",
    f"合同金额 {UNIONPAY} 元",
    "共计 1,234,567 人次",
    "中小企业可以通过12345市民服务热线提出意见",
    "(1)在额定精度下转换速率大于每秒200000次完整的转换",
    # Phone-like runs inside longer strings, decimals, dates.
    "流水号 20181381234567890",
    "订单 913812345678",
    "比值 3.13812345678",
    "日期 2026.12.04",
    "编号 2026-0512-52701234",
    "编号 051252701234",
    # Identity-like numbers that are not valid ones.
    f"编号 {WRONG_CHECK_DIGIT}",
    f"编号 {identity('99058119900307251')}",  # no such region
    f"编号 {identity('32058119901307251')}",  # month 13
    f"编号 {identity('32058120990307251')}",  # born in 2099
    "编号 320581901307251",  # 15 digits, month 13
    # URLs, ISBNs.
    "见 https://www.example.cn/news/13812345678.html",
    f"见 https://www.example.cn/list?id={ID}",
    "ISBN 978-7-5617-1381-2",
    "ISBN 9787138123456",
    # Office mailboxes, and passports with nothing to say they are passports.
    "来信请寄 kjj@changshu.gov.cn 或 xxgk@example.cn",
    "请发送至 office@example.cn、zwgk2@example.cn",
    "设备型号 E12345678",
    "护照已办妥。\n\n设备型号 E12345678",
    # Roads and rooms without a house number.
    "提高路侧单元与道路交通管控设施的协同",
    "(七)惯性测量单元测试仪",
    # Secrecy words in running legal text (sentences from content/).
    "第十条 国家秘密的密级分为绝密、机密、秘密三级。",
    "绝密级国家秘密是最重要的国家秘密，泄露会使国家安全和利益遭受特别严重的损害；"
    "机密级国家秘密是重要的国家秘密，泄露会使国家安全和利益遭受严重的损害；"
    "秘密级国家秘密是一般的国家秘密，泄露会使国家安全和利益遭受损害。",
    "（一）国家事务重大决策中的秘密事项；",
    "（五）商业秘密；",
    "第七百八十五条 承揽人应当按照定作人的要求保守秘密，未经定作人许可，"
    "不得留存复制品或者技术资料。",
    "第二十五条 各单位应当建立、健全本单位内部会计监督制度，并将其纳入本单位内部控制制度。",
    "（四）对会计资料定期进行内部审计的办法和程序应当明确；",
    "（三）授权某一部门或某一单位的计量检定机构，对其内部使用的强制检定计量器具执行强制检定；",
    "国防专利机构对国防专利的指定实施予以登记，并在《国防专利内部通报》上刊登。",
    "第八条 任何公民和组织都应当依法支持、协助反间谍工作，保守所知悉的国家秘密和反间谍工作秘密。",
    "第九条 各科室、中心不得以保密为由，不履行公开义务。",
    "保护涉及国家安全和利益的科学技术机密。",
    "通过信函方式提出申请的，应当在信封左下角注明“政府信息公开申请”字样；",
    # Markings described, not stamped.
    "国家秘密的密级分为“绝密”、“机密”、“秘密”三级。",
    "在文件首页标注“秘密★1年”字样。",
    "文件按照绝密、机密、“秘密”分别管理。",
    "“绝密”、机密和秘密三种密级",
    "见“内部）",
    "会议在第1号楼3层召开",
    "数据的机密性、完整性和可用性",
    "## 第三章 国家秘密的范围和密级",
    "| 内部审计 | 内部控制 |",
    "[《依申请公开制度》](../rules/依申请公开制度.md)",
]


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alikes_are_not_reported(text: str) -> None:
    assert found(text) == []


def test_markings_set_apart_count_only_at_the_head() -> None:
    line = "内部　　常科综〔2018〕35号"
    head = "---\ntitle: 通知\n---\n\n常熟市科学技术局文件\n\n急件\n\n"
    assert found(f"{head}{line}\n正文") == [("secrecy-marking", "内部")]
    body = "".join(f"第{n}条 正文。\n" for n in "一二三四五")
    assert found(f"---\ntitle: 通知\n---\n{body}{line}\n") == []


def test_wrong_check_digit_is_really_wrong() -> None:
    assert not ric.is_valid(WRONG_CHECK_DIGIT)
    assert ric.is_valid(
        WRONG_CHECK_DIGIT[:-1] + ric.calc_check_digit(WRONG_CHECK_DIGIT)
    )


def test_passport_under_a_table_header() -> None:
    text = (
        "| 姓名 | 护照号码 |\n| --- | --- |\n| 张三 | E12345678 |\n| 李四 | E87654321 |"
    )
    assert found(text) == [("passport", "E12345678"), ("passport", "E87654321")]


def test_line_and_column_count_characters() -> None:
    text = "---\ntitle: 通知\n---\n第一行\n联系人：张三，手机13812345678。\n"
    [hit] = find_sensitive(text)
    assert (hit.line, hit.column) == (5, 10)
    assert text.split("\n")[hit.line - 1][hit.column - 1 :].startswith("13812345678")


def test_hits_come_in_text_order_and_do_not_overlap() -> None:
    text = f"机密★1年\n身份证{ID}，手机13812345678，邮箱 zhangsan@example.cn\n"
    hits = find_sensitive(text)
    assert [h.kind for h in hits] == ["secrecy-marking", "id-number", "mobile", "email"]
    assert all(a.end <= b.start for a, b in zip(hits, hits[1:], strict=False))


def fingerprint(text: str) -> str:
    [hit] = find_sensitive(text)
    return hit.fingerprint


def test_fingerprint_covers_kind_line_and_exact_text() -> None:
    first = fingerprint("手机13812345678")
    assert re.fullmatch("[0-9a-f]{12}", first)
    assert fingerprint("手机13812345678") == first
    assert fingerprint("手机：13812345678") == first  # same line, same number
    assert fingerprint("\n手机13812345678") != first  # another line
    assert fingerprint("手机13812345679") != first  # another number
    assert fingerprint("手机138-1234-5678") != first  # written otherwise


def test_masks_never_show_the_whole_number() -> None:
    text = "\n".join(t for t, *_ in PERSONAL)
    for hit in find_sensitive(text):
        digits = re.sub(r"\D", "", text[hit.start : hit.end])
        assert "*" in hit.masked
        assert len(digits) < 4 or re.sub(r"\D", "", hit.masked) != digits, hit


def test_mask_text_masks_personal_data_and_leaves_the_rest() -> None:
    text = (
        "---\ntitle: 名单\n---\n机密★1年\n\n"
        f"| 姓名 | 身份证号 | 手机 |\n| --- | --- | --- |\n| 张三 | {ID_X} | 13812345678 |\n\n"
        f"单位代码 {CREDIT_CODE}，办公室 0512-52701234，kjj@example.cn。\r\n"
    )
    masked, count = mask_text(text)
    assert count == 3
    assert masked == (
        "---\ntitle: 名单\n---\n机密★1年\n\n"
        "| 姓名 | 身份证号 | 手机 |\n| --- | --- | --- |\n"
        "| 张三 | 32*************05X | 138****5678 |\n\n"
        f"单位代码 {CREDIT_CODE}，办公室 0512-****1234，kjj@example.cn。\r\n"
    )
    assert find_sensitive(masked)[0].kind == "secrecy-marking"
    assert [h.kind for h in find_sensitive(masked)][1:] == ["organisation-code"]


def test_mask_text_by_kind() -> None:
    text = f"机密★1年\n手机13812345678，单位代码{CREDIT_CODE}\n"
    assert mask_text(text, ["mobile"]) == (text.replace("1234", "****"), 1)
    assert mask_text(text, ["secrecy-marking"]) == (
        text.replace("机密★1年", "*****"),
        1,
    )
    masked, count = mask_text(text, KINDS)
    assert count == 3 and CREDIT_CODE not in masked and "13812345678" not in masked
    assert mask_text(text, []) == (text, 0)
    with pytest.raises(ValueError, match="unknown kinds: phone"):
        mask_text(text, ["phone"])


def test_mask_text_on_clean_text_changes_nothing() -> None:
    text = "第一条 为了规范科技计划管理，制定本办法。\r\n第二条 本办法自2026年12月4日起施行。"
    assert mask_text(text) == (text, 0)


def test_personal_kinds() -> None:
    assert PERSONAL_KINDS == set(KINDS) - {"secrecy-marking", "organisation-code"}


# --- The real content -------------------------------------------------------------

# Every hit on content/ was looked at. There are none: the 228 laws and regulations
# and the bureau's 5 posts hold no personal data and no stamp (no telephone, e-mail,
# address, card or identity number, no ★, no marking line, cell or bracket). What
# comes closest, and must stay unreported:
# - 秘密 1,154 times, 内部 94, 绝密 30, 机密 30, all inside sentences: 国家秘密,
#   商业秘密, 秘密事项, 绝密级/机密级/秘密级, “分为绝密、机密、秘密三级”, 内部审计,
#   内部控制, 内部使用 (计量法实施细则, 4 times), 《国防专利内部通报》, 科学技术机密;
#   5 lines of the secrecy laws begin with 绝密级国家秘密… or 绝密级密品…;
# - 注明“政府信息公开申请”字样 (a quoted token in a sentence);
# - 12345市民服务热线, 每秒200000次, 610 dates (2026-12-04 …), 121 国务院令第…号
#   and 9 document numbers such as 常科综〔2018〕35号.
REAL_HITS: dict[str, int] = {}


def content_hits() -> collections.Counter[str]:
    counts: collections.Counter[str] = collections.Counter()
    for path in sorted(CONTENT.rglob("*.md")):
        counts.update(h.kind for h in find_sensitive(path.read_text(encoding="utf-8")))
    return counts


def test_real_content_has_exactly_the_hits_judged_real() -> None:
    posts = list(CONTENT.rglob("*.md"))
    assert len(posts) == 233
    text = "".join(p.read_text(encoding="utf-8") for p in posts)
    # The content is a real test of precision: the words are there.
    assert text.count("秘密") > 1000 and text.count("内部") > 80
    assert dict(content_hits()) == REAL_HITS


def test_hits_planted_in_a_real_law_are_all_found() -> None:
    law = (CONTENT / "laws" / "保守国家秘密法-2024-02-27.md").read_text(
        encoding="utf-8"
    )
    head, body = law.split("\n---\n", 1)
    planted = (
        f"{head}\n---\n机密★1年\n\n{body}\n"
        f"联系人：张三，手机13812345678，身份证号{ID}，住址：常熟市海虞北路18号。\n"
        "![内部资料](img/scan.png)\n"
    )
    kinds = [h.kind for h in find_sensitive(planted)]
    assert kinds == [
        "secrecy-marking",
        "mobile",
        "id-number",
        "address",
        "secrecy-marking",
    ]


def test_hit_is_frozen() -> None:
    [hit] = find_sensitive("手机13812345678")
    assert isinstance(hit, Hit)
    with pytest.raises(AttributeError):
        hit.kind = "email"  # type: ignore[misc]


def test_identity_numbers_of_this_county_are_found() -> None:
    # python-stdnum's county table lacks 320581 (常熟市); the check must not need it.
    from stdnum.cn import ric

    base = "32058119850312201"
    number = base + ric.calc_check_digit(base + "0")
    [hit] = find_sensitive(f"身份证号：{number}")
    assert hit.kind == "id-number" and hit.masked == "32*************015"


def test_a_table_column_of_internal_and_external_is_no_marking() -> None:
    table = "| 类型 | 说明 |\n|---|---|\n| 内部 | 局内培训 |\n| 外部 | 公开讲座 |\n"
    assert find_sensitive(table) == []
    assert [h.masked for h in find_sensitive(table + "| 内部资料 | 材料 |\n")] == [
        "内部资料"
    ]
