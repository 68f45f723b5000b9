"""The ``portal`` command: parses arguments and hands each subcommand to its module.

Exit codes: 0 success; 1 the work was refused (unpublishable posts, a failed check);
2 a usage or configuration error; 3 an unexpected crash; 130 interrupted.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.commands.applications import add_parser as add_applications_parser
from pipeline.commands.applications import run as run_applications
from pipeline.commands.options import day, timestamp
from pipeline.errors import ConfigError, PortalError, ProblemList
from pipeline.output import setup_logging

logger = logging.getLogger(__name__)

EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_CRASH = 3


# argparse's own messages, as people reading Chinese help expect them.
_ARGPARSE_MESSAGES = (
    (
        re.compile(r"^the following arguments are required: (.*)$"),
        r"缺少必需的参数：\1",
    ),
    (re.compile(r"^unrecognized arguments: (.*)$"), r"无法识别的参数：\1"),
    (
        re.compile(r"^argument (\S+): invalid choice: (.*?) \(choose from (.*)\)$"),
        r"参数 \1 的值 \2 无效；可选：\3",
    ),
    (re.compile(r"^argument (\S+): expected one argument$"), r"参数 \1 后面须写一个值"),
    (
        re.compile(r"^argument (\S+): invalid (\w+) value: (.*)$"),
        r"参数 \1 的值 \3 无效",
    ),
)


class _Formatter(argparse.HelpFormatter):
    def add_usage(
        self, usage: str | None, actions: Any, groups: Any, prefix: str | None = None
    ) -> None:
        super().add_usage(
            usage, actions, groups, "用法：" if prefix is None else prefix
        )


class _Parser(argparse.ArgumentParser):
    """argparse in Chinese: headings, the help option, usage errors."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        add_help = kwargs.pop("add_help", True)
        kwargs["add_help"] = False
        # The parents' options join this parser's groups by title, so the titles are
        # set before the parents are added.
        parents = kwargs.pop("parents", [])
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        for parent in parents:
            parent._optionals.title = self._optionals.title
            parent._positionals.title = self._positionals.title
            self._add_container_actions(parent)
            defaults = getattr(parent, "_defaults", {})
            self._defaults.update(defaults)
        if add_help:
            self.add_argument(
                "-h",
                "--help",
                action="help",
                default=argparse.SUPPRESS,
                help="显示本帮助并退出",
            )

    def error(self, message: str) -> None:  # type: ignore[override]
        for pattern, chinese in _ARGPARSE_MESSAGES:
            message = pattern.sub(chinese, message)
        self.print_usage(sys.stderr)
        sys.stderr.write(f"portal: 用法错误：{message}\n")
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = _Parser(prog="portal", description="常熟市科学技术局门户网站发布流水线")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="更多输出")
    parser.add_argument("-q", "--quiet", action="store_true", help="只输出错误")
    parser.add_argument(
        "--root",
        type=Path,
        default=None,
        help="仓库根目录（默认：向上查找含 site_config/ 的目录）",
    )
    commands = parser.add_subparsers(
        dest="command", required=True, parser_class=_Parser
    )
    # --root is accepted after the subcommand too (portal sign … --root DIR).
    common = _Parser(add_help=False)
    common.add_argument(
        "--root", type=Path, default=argparse.SUPPRESS, help="仓库根目录"
    )
    # The pinned trust root comes from outside the repository (see governance).
    trusted = _Parser(add_help=False)
    trusted.add_argument(
        "--trust-root",
        default=None,
        metavar="SHA256",
        help="钉住的信任根摘要（默认：环境变量 PORTAL_TRUST_ROOT）",
    )

    verify = commands.add_parser(
        "verify", parents=[common, trusted], help="检查每篇稿件能否发布"
    )
    verify.add_argument("--format", choices=("text", "json", "github"), default="text")
    verify.add_argument("--production", action="store_true", help="拒绝演示钥匙的签名")
    verify.add_argument(
        "--base",
        type=Path,
        default=None,
        help="目标分支的检出目录：其中已有的签名不得被删去",
    )

    sign = commands.add_parser("sign", parents=[common], help="以某一角色签名审批稿件")
    sign.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="content/ 下的稿件，或受管文件（如 site_config/roster.yml）",
    )
    sign.add_argument(
        "--batch",
        metavar="NAME",
        default=None,
        help="一次签名批准所列全部稿件：写入 reviews/_batches/NAME.yml",
    )
    _signing_options(
        sign, "handler、section_head、supervising_leader、principal_leader"
    )

    withdraw = commands.add_parser(
        "withdraw",
        parents=[common],
        help="签名同意撤下已发布的稿件（撤稿，附件1 第十五条）",
    )
    withdraw.add_argument("post", metavar="POST", help="content/ 下已发布的稿件")
    withdraw.add_argument(
        "--reason", default="", help="撤稿原因（第一位签名人必填，显示在撤稿说明中）"
    )
    _signing_options(withdraw, "section_head、supervising_leader")

    takedown = commands.add_parser(
        "takedown",
        parents=[common],
        help="紧急撤下误发的涉密或个人信息并登记事件（附件4 第八条）",
    )
    takedown.add_argument("post", metavar="POST", help="content/ 下已发布的稿件")
    takedown.add_argument("--what", default="", help="发现了什么（不要复述泄露的内容）")
    takedown.add_argument("--found-by", default="", help="由谁发现")
    takedown.add_argument(
        "--found-at", type=timestamp, default=None, help="发现时间（默认：现在）"
    )
    takedown.add_argument("--reported-to", default="", help="已向谁报告")
    takedown.add_argument("--remedy", default="", help="补救措施（有默认写法）")
    takedown.add_argument(
        "--fragment",
        action="append",
        default=[],
        metavar="TEXT",
        help="另须从网站上清除的文字（如泄露的电话号码），可重复",
    )
    takedown.add_argument(
        "--register", type=Path, default=None, help="内部登记簿目录（默认按本机设置）"
    )
    _signing_options(takedown, "office_staff（先行撤下）、supervising_leader（确认）")
    commands.add_parser(
        "takedown-key",
        parents=[common],
        help="新建紧急撤下密钥（交办公室保管，设为部署的机密，不进仓库）",
    )

    attach = commands.add_parser(
        "attach",
        parents=[common],
        help="把文件作为附件放到稿件旁，并在稿件中登记其哈希",
    )
    attach.add_argument("post", metavar="POST", help="content/ 下的稿件")
    attach.add_argument("files", nargs="+", type=Path, metavar="FILE", help="附件文件")

    payload = commands.add_parser(
        "payload", parents=[common], help="输出一个签名所覆盖的确切字节"
    )
    payload.add_argument("record", help="reviews/ 下的审查记录")
    payload.add_argument("--index", type=int, default=0, help="第几个签名（从 0 起）")
    payload.add_argument(
        "--armor", action="store_true", help="输出签名本身（SSHSIG）而非其内容"
    )

    commands.add_parser(
        "trust-root",
        parents=[common, trusted],
        help="显示信任根（第一版花名册）的摘要和未经批准的受管文件改动",
    )

    commands.add_parser(
        "allowed-signers",
        parents=[common],
        help="按花名册输出 OpenSSH allowed_signers 文件",
    )

    owners = commands.add_parser(
        "codeowners",
        parents=[common],
        help="按栏目、科室和花名册生成 .github/CODEOWNERS（GitHub 据此要求审查）",
    )
    owners.add_argument(
        "--check", action="store_true", help="只检查文件是否最新，不写入"
    )
    owners.add_argument(
        "--on", type=day, default=None, help="按哪一天在任的角色（默认：今天）"
    )

    scan = commands.add_parser(
        "scan",
        parents=[common],
        help="内容检查：密级标志、个人信息、文号日期链接等规范、隐藏内容（签名前运行）",
    )
    scan.add_argument("paths", nargs="*", metavar="PATH", help="默认：全部稿件")
    scan.add_argument(
        "--format", choices=("text", "json", "github", "short"), default="text"
    )
    scan.add_argument(
        "--mask",
        action="store_true",
        help="先把稿件中的个人信息就地改为打码形式（如 138****1234）",
    )

    check_posts = commands.add_parser(
        "check-posts",
        parents=[common],
        help="签名前的检查：front matter、保密审查、正文（供 pre-commit 使用）",
    )
    check_posts.add_argument("paths", nargs="*", metavar="PATH", help="默认：全部稿件")

    build = commands.add_parser(
        "build", parents=[common, trusted], help="只用已审批的稿件构建网站，并逐页核对"
    )
    build.add_argument("--site-dir", type=Path, default=Path("site"))
    build.add_argument(
        "--exclude-unapproved", action="store_true", help="跳过未审批的稿件而不是失败"
    )
    build.add_argument("--production", action="store_true", help="拒绝演示钥匙的签名")

    check = commands.add_parser(
        "check-site", parents=[common, trusted], help="逐页核对已构建的网站与审批记录"
    )
    check.add_argument("site_dir", type=Path)
    check.add_argument("--production", action="store_true", help="拒绝演示钥匙的签名")

    keys = commands.add_parser(
        "keys", parents=[common], help="各把钥匙的有效期和状态，及失效后所作的签名"
    )
    keys.add_argument("--on", type=day, default=None, help="按哪一天判断（默认：今天）")
    keys.add_argument(
        "--within", type=int, default=30, help="提前多少天提示到期（默认：30）"
    )
    keys.add_argument("--format", choices=("text", "json"), default="text")

    expiry = commands.add_parser(
        "expiry",
        parents=[common],
        help="已失效、即将失效、已废止或被取代的文件，及链接它们的稿件（附件1 第十四条）",
    )
    expiry.add_argument(
        "--on", type=day, default=None, help="按哪一天判断（默认：今天）"
    )
    expiry.add_argument(
        "--within", type=int, default=30, help="提前多少天提示失效（默认：30）"
    )
    expiry.add_argument("--format", choices=("text", "json", "github"), default="text")

    issues = commands.add_parser(
        "expiry-issues",
        parents=[common],
        help="按 portal expiry 的结果为每个科室维护一个 GitHub 议题（新建、更新、关闭）",
    )
    issues.add_argument(
        "--on", type=day, default=None, help="按哪一天判断（默认：今天）"
    )
    issues.add_argument(
        "--within", type=int, default=30, help="提前多少天提示失效（默认：30）"
    )
    issues.add_argument(
        "--repo",
        default=None,
        metavar="OWNER/NAME",
        help="GitHub 仓库（默认：环境变量 GITHUB_REPOSITORY）",
    )
    issues.add_argument(
        "--api",
        default=None,
        metavar="URL",
        help="GitHub API 地址（默认：GITHUB_API_URL 或 https://api.github.com）",
    )
    issues.add_argument(
        "--dry-run", action="store_true", help="只列出将做的改动，不写入 GitHub"
    )

    add_applications_parser(commands, common)
    report = commands.add_parser(
        "annual-report",
        parents=[common],
        help="政府信息公开工作年度报告（表二至表四由数据生成，次年 1 月 31 日前发布）",
    )
    report.add_argument("--year", type=int, required=True, help="报告年度")
    report.add_argument("--register", type=Path, default=None, help="登记簿目录")
    report.add_argument(
        "--out", type=Path, default=None, help="输出目录（默认：当前目录）"
    )

    importer = commands.add_parser(
        "import-laws", parents=[common], help="从 LawRefBook 语料导入法律法规稿件"
    )
    importer.add_argument(
        "corpus", type=Path, help="语料目录（含 index/ 与 lawrefbook-laws/）"
    )
    importer.add_argument(
        "--selection", type=Path, default=Path("imports/lawrefbook.yml")
    )
    importer.add_argument(
        "--date", type=day, default=None, help="保密审查日期（默认：今天）"
    )
    return parser


def find_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` that holds ``site_config/``."""
    for folder in (start, *start.parents):
        if (folder / "site_config").is_dir():
            return folder
    raise PortalError(
        f"在 {start} 及其上级目录中找不到 site_config/。",
        hint="请在网站仓库里运行 portal，或用 --root 指定仓库。",
    )


def _signing_options(parser: argparse.ArgumentParser, roles: str) -> None:
    parser.add_argument("--role", required=True, help=roles)
    parser.add_argument(
        "--key",
        type=Path,
        default=None,
        help="私钥文件，或 ssh-agent 中私钥的 .pub 文件",
    )
    parser.add_argument("--decision", choices=("approve", "return"), default="approve")
    parser.add_argument("--comment", default="", help="意见（退回时请写明原因）")
    parser.add_argument(
        "--at", type=timestamp, default=None, help="签名时间（默认：现在）"
    )


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "applications":
        return run_applications(args, site=_site_if_any(args.root))
    root = (args.root or find_root(Path.cwd())).resolve()
    if args.command == "annual-report":
        from pipeline.commands.annual_report import annual_report

        return annual_report(root, args.register, year=args.year, out=args.out)
    if args.command == "verify":
        from pipeline.commands.verify import verify

        return verify(
            root,
            output_format=args.format,
            production=args.production,
            base=args.base.resolve() if args.base else None,
            trust_root=args.trust_root,
        )
    if args.command == "trust-root":
        from pipeline.commands.trust import trust_root

        return trust_root(root, trust_root=args.trust_root)
    if args.command == "sign":
        from pipeline.commands.sign import sign

        return sign(
            root,
            args.paths,
            role=args.role,
            key=args.key,
            decision=args.decision,
            comment=args.comment,
            at=args.at,
            batch=args.batch,
        )
    if args.command == "withdraw":
        from pipeline.commands.withdraw import withdraw

        return withdraw(
            root,
            args.post,
            reason=args.reason,
            role=args.role,
            key=args.key,
            decision=args.decision,
            comment=args.comment,
            at=args.at,
        )
    if args.command == "takedown":
        from pipeline.commands.withdraw import takedown

        return takedown(
            root,
            args.post,
            role=args.role,
            key=args.key,
            what=args.what,
            found_by=args.found_by,
            found_at=args.found_at,
            reported_to=args.reported_to,
            remedy=args.remedy,
            fragments=args.fragment,
            register_dir=args.register,
            decision=args.decision,
            comment=args.comment,
            at=args.at,
        )
    if args.command == "takedown-key":
        from pipeline.commands.withdraw import takedown_key

        return takedown_key()
    if args.command == "attach":
        from pipeline.commands.attach import attach

        return attach(root, args.post, args.files)
    if args.command == "payload":
        from pipeline.commands.payload import show_payload

        return show_payload(root, args.record, index=args.index, armor=args.armor)
    if args.command == "scan":
        from pipeline.commands.scan import scan

        return scan(root, args.paths, output_format=args.format, mask=args.mask)
    if args.command == "check-posts":
        from pipeline.commands.check_posts import check_posts

        return check_posts(root, args.paths)
    if args.command == "allowed-signers":
        from pipeline.commands.allowed_signers import allowed_signers

        return allowed_signers(root)
    if args.command == "codeowners":
        from pipeline.commands.codeowners import codeowners

        return codeowners(root, check=args.check, on=args.on)
    if args.command == "build":
        from pipeline.commands.build import build

        return build(
            root,
            site_dir=args.site_dir,
            exclude=args.exclude_unapproved,
            production=args.production,
            trust_root=args.trust_root,
        )
    if args.command == "check-site":
        from pipeline.commands.build import check_site_command

        return check_site_command(
            root,
            args.site_dir,
            production=args.production,
            trust_root=args.trust_root,
        )
    if args.command == "keys":
        from pipeline.commands.keys import keys

        return keys(root, on=args.on, within=args.within, output_format=args.format)
    if args.command == "expiry":
        from pipeline.commands.expiry import expiry

        return expiry(root, on=args.on, within=args.within, output_format=args.format)
    if args.command == "expiry-issues":
        from pipeline.commands.expiry_issues import expiry_issues

        return expiry_issues(
            root,
            on=args.on,
            within=args.within,
            repo=args.repo,
            api=args.api,
            dry_run=args.dry_run,
        )
    from pipeline.commands.import_laws import import_laws

    return import_laws(root, args.corpus, selection=args.selection, date=args.date)


def _site_if_any(given: Path | None) -> Path | None:
    if given is not None:
        return given.resolve()
    try:
        return find_root(Path.cwd()).resolve()
    except PortalError:
        return None


def _is_configuration(error: PortalError) -> bool:
    problems = error.problems if isinstance(error, ProblemList) else [error]
    return all(type(p) in (ConfigError, PortalError) for p in problems)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``portal`` with ``argv``; return the exit code."""
    args = build_parser().parse_args(argv)
    setup_logging(-1 if args.quiet else args.verbose)
    try:
        return _dispatch(args)
    except PortalError as exc:
        logger.error(exc.diagnostics())
        return EXIT_USAGE if _is_configuration(exc) else EXIT_REFUSED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (``portal verify | head``): stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_REFUSED
    except Exception:
        logger.exception("内部错误（请把以下信息报告给办公室）：")
        return EXIT_CRASH


if __name__ == "__main__":
    raise SystemExit(main())
