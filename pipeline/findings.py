"""Findings: what verification reports about a file, and how each is rendered."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from pipeline.errors import PortalError

ERROR = "error"
WARNING = "warning"

# Rule id -> the article it enforces when the finding does not name one itself.
RULES = {
    "config": "附件1 第十一条",
    "front-matter": "附件1 第九条",
    "secrecy-review": "附件4 第四条",
    "secrecy-opinion": "附件4 第七条",
    "review-missing": "附件1 第九条",
    "review-invalid": "附件1 第九条",
    "review-path": "附件1 第九条",
    "review-orphan": "附件1 第九条",
    "review-rewritten": "附件1 第九条",
    "hash-mismatch": "附件1 第九条",
    "signature-invalid": "附件1 第十条",
    "signer-unknown": "附件1 第十条",
    "key-invalid": "附件1 第十条",
    "signed-in-future": "附件1 第十条",
    "signer-role": "附件1 第八条",
    "handler-mismatch": "附件4 第四条",
    "handler-self-approval": "附件4 第四条",
    "returned": "附件1 第八条",
    "approval-missing": "附件1 第八条",
    "distinct-persons": "附件1 第八条",
    "demo-key": "附件1 第十条",
    "unapproved-file": "附件1 第九条",
    "hidden-text": "附件1 第九条",
    "unsafe-html": "附件1 第九条",
    "signed-before-review": "附件4 第二条",
    "scheduled": "附件1 第八条",
    # Secrecy markings and personal data (pipeline/sensitive.py).
    "secrecy-marking": "附件4 第四条",
    "id-number": "附件4 第四条、附件2 第十二条",
    "mobile": "附件4 第四条、附件2 第十二条",
    "landline": "附件4 第四条、附件2 第十二条",
    "bank-card": "附件4 第四条、附件2 第十二条",
    "email": "附件4 第四条、附件2 第十二条",
    "passport": "附件4 第四条、附件2 第十二条",
    "address": "附件4 第四条、附件2 第十二条",
    "organisation-code": "附件4 第四条",
    # Attachments (附件4 第四条: what is published is reviewed, hidden content too).
    "attachment-type": "附件1 第九条",
    "attachment-metadata": "附件4 第四条",
    "attachment-comments": "附件4 第四条",
    "attachment-revisions": "附件4 第四条",
    "attachment-uninspectable": "附件4 第四条",
    "attachment-hidden": "附件4 第四条",
    "attachment-embedded": "附件4 第四条",
    "attachment-script": "附件1 第九条",
    "acknowledged": "附件4 第四条",
    "front-matter-comment": "附件4 第四条",
    "acknowledgement-unused": "附件4 第四条",
    # Governed files and the trust root.
    "governed-unapproved": "附件1 第十一条、第十二条",
    "governed-invalid": "附件1 第十一条",
    "approval-replayed": "附件1 第十一条、第十二条",
    "trust-unpinned": "附件1 第十一条",
    "history-unavailable": "附件1 第十一条",
    # The built site, checked page by page against the approvals.
    "site-extra-page": "附件1 第九条",
    "site-page-mismatch": "附件1 第九条",
    "site-page-missing": "附件1 第九条",
    "site-source-file": "附件1 第九条",
    "site-search-index": "附件1 第九条",
    "site-sitemap": "附件1 第九条",
    "site-extra-file": "附件1 第九条",
    "site-config": "附件1 第九条",
    # The normative form of a post (规范性): pipeline/norms.py.
    "doc-number": "附件1 第十八条",
    "doc-number-cited": "附件1 第十八条",
    "impossible-date": "附件1 第十八条",
    "title-punctuation": "附件1 第十八条",
    "image-alt": "附件1 第十八条",
    "broken-link": "附件1 第十八条",
    "insecure-link": "附件1 第十八条",
    # Validity of published documents (pipeline/lifecycle.py): columns stay valid.
    "document-expiring": "附件1 第十四条",
    "document-expired": "附件1 第十四条",
    "document-repealed": "附件1 第十四条",
    "document-amended": "附件1 第十四条",
    "document-replaced": "附件1 第十四条",
    "link-to-ended": "附件1 第十四条",
    "withdrawal-invalid": "附件1 第十五条",
    "withdrawal-rewritten": "附件1 第十五条、附件4 第八条",
    "withdrawal-returned": "附件1 第十五条",
    "withdrawal-pending": "附件1 第十五条",
    "takedown-pending": "附件4 第八条",
    "takedown-unconfirmed": "附件4 第八条",
    "takedown-quoted": "附件4 第八条",
    "takedown-key-missing": "附件4 第八条",
    "withdrawal-missing": "附件1 第十五条",
    "site-leak": "附件4 第八条",
    "correction-missing": "附件1 第十五条",
    "correction-unknown": "附件1 第十五条",
    "correction-unapproved": "附件1 第九条",
    "register-in-site": "附件2 第十五条、附件4 第四条",
    "disclosure-office": "附件2 第三条",
}


@dataclass(frozen=True)
class Finding:
    """One problem with one file, tied to a rule and the article behind it."""

    path: str
    rule: str
    article: str
    severity: str
    message: str
    line: int | None = None
    field: str | None = None
    hint: str | None = None
    column: int | None = None
    # For a content-check finding the handler may acknowledge: ``<kind>:<fingerprint>``.
    code: str | None = None

    def text(self) -> str:
        """``path:line:column: [rule] message（article）hint`` for people."""
        where = f"{self.path}:{self.line}" if self.line else self.path
        if self.line and self.column:
            where += f":{self.column}"
        field = f"字段 {self.field}：" if self.field else ""
        level = "错误" if self.severity == ERROR else "警告"
        hint = f" {self.hint}" if self.hint else ""
        return f"{where}: {level} [{self.rule}] {field}{self.message}（{self.article}）{hint}"

    def github(self) -> str:
        """A GitHub Actions workflow command that annotates the file."""
        level = "error" if self.severity == ERROR else "warning"
        line = f",line={self.line}" if self.line else ""
        if self.line and self.column:
            line += f",col={self.column}"
        body = _escape(
            f"[{self.rule}] {self.message}（{self.article}）{self.hint or ''}"
        )
        path = _escape(self.path).replace(":", "%3A").replace(",", "%2C")
        return f"::{level} file={path}{line},title={self.rule}::{body}"


def _escape(text: str) -> str:
    # GitHub's workflow-command escaping, so no value can start a command of its own.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def finding(
    path: str,
    rule: str,
    message: str,
    *,
    article: str | None = None,
    severity: str = ERROR,
    line: int | None = None,
    field: str | None = None,
    hint: str | None = None,
    column: int | None = None,
    code: str | None = None,
) -> Finding:
    """A finding for ``rule``; the article defaults to the rule's own."""
    return Finding(
        path,
        rule,
        article or RULES[rule],
        severity,
        message,
        line,
        field,
        hint,
        column,
        code,
    )


def from_error(rule: str, error: PortalError, *, article: str | None = None) -> Finding:
    """A finding made from an error raised while reading a file."""
    return finding(
        error.path or "",
        rule,
        error.message,
        article=article,
        line=error.line,
        field=error.field,
        hint=error.hint,
    )


def to_json(findings: list[Finding]) -> str:
    """The findings as a JSON list of objects, Chinese kept readable."""
    return json.dumps([asdict(f) for f in findings], ensure_ascii=False, indent=2)
