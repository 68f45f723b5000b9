"""Builders for small site repositories with real keys, posts and signatures."""

from __future__ import annotations

import datetime as dt
import subprocess
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.config import SiteConfig, load_config
from pipeline.sign import SigningKey, sign_post

TZ = dt.timezone(dt.timedelta(hours=8))
SIGNED_AT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=TZ)
NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=TZ)

# id, name, roles (YAML), key type
PEOPLE = [
    (
        "boss",
        "周局长",
        "      - role: principal_leader\n        from: 2020-01-01\n",
        "rsa",
    ),
    (
        "lead",
        "吴分管",
        "      - role: supervising_leader\n        departments: [office, policy]\n"
        "        from: 2020-01-01\n",
        "ecdsa",
    ),
    (
        "head",
        "孙科长",
        "      - role: section_head\n        department: office\n        from: 2020-01-01\n",
        "ed25519",
    ),
    (
        "phead",
        "钱科长",
        "      - role: section_head\n        department: policy\n        from: 2020-01-01\n",
        "ed25519",
    ),
    (
        "clerk",
        "陈办事员",
        "      - role: staff\n        department: office\n        from: 2020-01-01\n"
        "      - role: office_staff\n        from: 2020-01-01\n",
        "ed25519",
    ),
    (
        "pclerk",
        "林办事员",
        "      - role: staff\n        department: policy\n        from: 2020-01-01\n",
        "ed25519",
    ),
]

SITE = 'id: test-site\ntitle: 测试门户\nutc_offset: "+08:00"\n'
DEPARTMENTS = """\
departments:
  - id: office
    name: 办公室
    kind: office
    information_officer: clerk
  - id: policy
    name: 政策法规科
    kind: department
    information_officer: pclerk
"""
COLUMNS = """\
columns:
  - id: notices
    title: 通知公告
    department: office
    kind: notice
  - id: laws
    title: 法律法规
    department: policy
    kind: regulation
"""


def default_policy() -> str:
    """The repository's own policy file, so tests judge by the rules in force."""
    return (
        Path(__file__).resolve().parents[2] / "site_config" / "policy.yml"
    ).read_text(encoding="utf-8")


def post_text(
    *,
    title: str = "关于开展科技创新券申报工作的通知",
    column: str = "notices",
    department: str = "office",
    tier: str = "general",
    handler: str = "clerk",
    opinion: str = "publishable",
    body: str = "各有关单位：现将科技创新券申报工作通知如下。\n",
    extra: str = "",
) -> str:
    """A valid post's text with the given fields."""
    return (
        "---\n"
        f"title: {title}\n"
        f"column: {column}\n"
        f"department: {department}\n"
        f"tier: {tier}\n"
        "published: 2026-03-01\n"
        "doc_number: 常科综〔2026〕3号\n"
        "kind: notice\n"
        f"{extra}"
        "secrecy_review:\n"
        f"  handler: {handler}\n"
        f"  opinion: {opinion}\n"
        "  basis: 不涉及国家秘密\n"
        "  date: 2026-03-01\n"
        "---\n"
        f"{body}"
    )


@dataclass
class Repo:
    """A temporary site repository: config, keys and helpers to write and sign posts."""

    root: Path
    keys: dict[str, Path] = field(default_factory=dict)

    @property
    def config(self) -> SiteConfig:
        """The repository's configuration, freshly loaded."""
        return load_config(self.root)

    def write(self, relative: str, text: str | bytes) -> Path:
        """Write a file under the repository (parents created)."""
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, str):
            text = text.encode("utf-8")
        path.write_bytes(text)
        return path

    def sign(
        self,
        path: str,
        person: str,
        role: str,
        *,
        decision: str = "approve",
        at: dt.datetime = SIGNED_AT,
        comment: str = "",
    ) -> None:
        """Sign ``path`` as ``person`` in ``role`` with that person's key."""
        sign_post(
            self.root,
            self.config,
            path,
            role=role,
            key=SigningKey(self.keys[person]),
            decision=decision,
            comment=comment,
            at=at,
        )

    def approve_all(
        self, path: str, tier: str = "general", handler: str = "clerk"
    ) -> None:
        """Every signature a post of ``tier`` in the office needs, by distinct people."""
        self.sign(path, handler, "handler")
        self.sign(path, "head", "section_head")
        self.sign(path, "lead", "supervising_leader")
        if tier == "major":
            self.sign(path, "boss", "principal_leader")

    def pin(self) -> str:
        """The trust-root digest of the governed files as they are now."""
        from pipeline.config import files_under
        from pipeline.governance import GOVERNED_FILES, trust_digest

        read = files_under(self.root)
        return trust_digest({path: read(path) for path in GOVERNED_FILES})

    def git(self, *args: str) -> str:
        """Run git in the repository; its output."""
        done = subprocess.run(
            [
                "git",
                "-c",
                "user.name=测试",
                "-c",
                "user.email=t@example.invalid",
                "-c",
                "commit.gpgsign=false",
                *args,
            ],
            cwd=self.root,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout

    def commit(self, message: str) -> str:
        """Commit everything (``git init`` first if needed); the new commit's id."""
        if not (self.root / ".git").exists():
            self.git("init", "-q", "-b", "main")
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD").strip()

    def roster(
        self,
        *,
        key_lines: dict[str, str] | None = None,
        key_from: dict[str, str] | None = None,
    ) -> None:
        """(Re)write ``roster.yml`` for ``PEOPLE``; ``key_lines`` adds YAML to a key,
        ``key_from`` sets a key's first valid day."""
        key_lines = key_lines or {}
        key_from = key_from or {}
        lines = ["people:"]
        for person_id, name, roles, _ in PEOPLE:
            public = Path(f"{self.keys[person_id]}.pub").read_text().split()
            lines.append(
                f"  - id: {person_id}\n    name: {name}\n    roles:\n{roles.rstrip()}"
            )
            lines.append(
                f"    keys:\n      - key: {public[0]} {public[1]}\n"
                f"        from: {key_from.get(person_id, '2020-01-01')}\n"
                f"{key_lines.get(person_id, '')}"
            )
        self.write("site_config/roster.yml", "\n".join(lines).rstrip() + "\n")


def make_key(folder: Path, name: str, key_type: str = "ed25519") -> Path:
    """A fresh passphrase-less OpenSSH key pair made by ``ssh-keygen``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    extra = {"rsa": ["-b", "3072"], "ecdsa": ["-b", "256"]}.get(key_type, [])
    subprocess.run(
        [
            "ssh-keygen",
            "-q",
            "-t",
            key_type,
            *extra,
            "-N",
            "",
            "-C",
            name,
            "-f",
            str(path),
        ],
        check=True,
    )
    return path


_KEY_CACHE: dict[str, Path] = {}


def make_repo(root: Path, key_folder: Path) -> Repo:
    """A repository with config for ``PEOPLE``; keys are made once per test session."""
    repo = Repo(root)
    for person_id, _, _, key_type in PEOPLE:
        if person_id not in _KEY_CACHE:
            _KEY_CACHE[person_id] = make_key(key_folder, person_id, key_type)
        repo.keys[person_id] = _KEY_CACHE[person_id]
    repo.write("site_config/site.yml", SITE)
    repo.write("site_config/departments.yml", DEPARTMENTS)
    repo.write("site_config/columns.yml", COLUMNS)
    repo.write("site_config/policy.yml", default_policy())
    repo.roster()
    return repo


def dedent(text: str) -> str:
    """``textwrap.dedent`` without the leading newline."""
    return textwrap.dedent(text).lstrip("\n")


def raw_sign(
    repo: Repo,
    path: str,
    person: str,
    role: str,
    *,
    decision: str = "approve",
    at: dt.datetime = SIGNED_AT,
    namespace: str | None = None,
    key: Path | None = None,
) -> None:
    """Sign like ``portal sign`` but without its checks, as a cheat would."""
    from pipeline.post import sha256_hex
    from pipeline.review import (
        NAMESPACE,
        ReviewRecord,
        Signature,
        payload,
        read_record,
        record_path,
        write_record,
    )

    data = (repo.root / path).read_bytes()
    signed_at = at.isoformat()
    message = payload(
        site=repo.config.site.id,
        path=path,
        sha256=sha256_hex(data),
        role=role,
        signer=person,
        decision=decision,
        comment="",
        signed_at=signed_at,
    )
    command = ["ssh-keygen", "-q", "-Y", "sign", "-n", namespace or NAMESPACE]
    command += ["-f", str(key or repo.keys[person])]
    armored = subprocess.run(command, input=message, capture_output=True, check=True)
    signature = Signature(
        role, person, decision, "", at, signed_at, armored.stdout.decode()
    )
    where = record_path(path)
    previous = (
        read_record(repo.root, where)[0] if (repo.root / where).exists() else None
    )
    kept = previous.signatures if previous else ()
    write_record(
        repo.root, ReviewRecord(where, path, sha256_hex(data), (*kept, signature))
    )
