"""SSHSIG parsing and verification against real ``ssh-keygen`` output.

Ordinary keys and signatures come from the system's ``ssh-keygen``.  Security-key
signatures cannot be made without hardware, so the tests build them with
``cryptography`` exactly as a FIDO authenticator would and let the stock
``ssh-keygen -Y verify`` confirm that the hand-built format is right.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import struct
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from pipeline.errors import SignatureError
from pipeline.sshsig import (
    PublicKey,
    SshSignature,
    parse_armored,
    parse_public_key,
    verify,
)

pytestmark = pytest.mark.skipif(
    shutil.which("ssh-keygen") is None, reason="needs OpenSSH's ssh-keygen"
)

NAMESPACE = "portal-review"
MESSAGE = (
    "---\ntitle: 关于开展2024年度常熟市科技计划项目申报工作的通知\n---\n"
    "各有关单位：请于截止日期前提交材料。\n"
).encode()

KEY_SPECS = {
    "ed25519": ["-t", "ed25519"],
    "ecdsa256": ["-t", "ecdsa", "-b", "256"],
    "ecdsa384": ["-t", "ecdsa", "-b", "384"],
    "ecdsa521": ["-t", "ecdsa", "-b", "521"],
    "rsa3072": ["-t", "rsa", "-b", "3072"],
}


# --------------------------------------------------------------------------- helpers


def _run(args: list[str], stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(args, input=stdin, capture_output=True, check=False)


def _s(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _mpint(n: int) -> bytes:
    return _s(n.to_bytes(n.bit_length() // 8 + 1, "big") if n else b"")


def _strings(data: bytes) -> list[bytes]:
    """Split a buffer made only of SSH strings (for taking signatures apart)."""
    out = []
    while data:
        (n,) = struct.unpack(">I", data[:4])
        out.append(data[4 : 4 + n])
        data = data[4 + n :]
    return out


def _sshsig(
    key_blob: bytes,
    sig_blob: bytes,
    *,
    namespace: str = NAMESPACE,
    hash_alg: str = "sha512",
    version: int = 1,
    reserved: bytes = b"",
) -> bytes:
    return (
        b"SSHSIG"
        + struct.pack(">I", version)
        + _s(key_blob)
        + _s(namespace.encode())
        + _s(reserved)
        + _s(hash_alg.encode())
        + _s(sig_blob)
    )


def _armor(raw: bytes, newline: str = "\n") -> str:
    body = base64.b64encode(raw).decode()
    lines = [body[i : i + 70] for i in range(0, len(body), 70)]
    return newline.join(
        ["-----BEGIN SSH SIGNATURE-----", *lines, "-----END SSH SIGNATURE-----", ""]
    )


def _signed_data(
    message: bytes, namespace: str = NAMESPACE, alg: str = "sha512"
) -> bytes:
    digest = hashlib.new(alg, message).digest()
    return b"SSHSIG" + _s(namespace.encode()) + _s(b"") + _s(alg.encode()) + _s(digest)


def _rearmor(sig: SshSignature, **changes: object) -> str:
    """Re-encode a parsed signature, replacing some of its fields."""
    fields: dict[str, object] = {
        "key_blob": sig.public_key.blob,
        "sig_blob": sig.signature,
        "namespace": sig.namespace,
        "hash_alg": sig.hash_algorithm,
    }
    fields.update(changes)
    key_blob = fields.pop("key_blob")
    sig_blob = fields.pop("sig_blob")
    assert isinstance(key_blob, bytes) and isinstance(sig_blob, bytes)
    return _armor(_sshsig(key_blob, sig_blob, **fields))  # type: ignore[arg-type]


def _rejects(match: str, call: Callable[[], object]) -> SignatureError:
    with pytest.raises(SignatureError, match=match) as info:
        call()
    return info.value


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def keydir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One key of every ssh-keygen-made type, plus a message signed with each."""
    root = tmp_path_factory.mktemp("sshsig")
    (root / "公告.md").write_bytes(MESSAGE)
    for name, spec in KEY_SPECS.items():
        made = _run(
            ["ssh-keygen", "-q", *spec, "-N", "", "-C", name, "-f", str(root / name)]
        )
        assert made.returncode == 0, made.stderr
        signed = _run(
            [
                "ssh-keygen",
                "-Y",
                "sign",
                "-f",
                str(root / name),
                "-n",
                NAMESPACE,
                str(root / "公告.md"),
            ]
        )
        assert signed.returncode == 0, signed.stderr
        (root / "公告.md.sig").rename(root / f"{name}.sig")
    return root


def _pub(keydir: Path, name: str) -> PublicKey:
    return parse_public_key((keydir / f"{name}.pub").read_text())


def _sig(keydir: Path, name: str) -> SshSignature:
    return parse_armored((keydir / f"{name}.sig").read_text())


def _private(keydir: Path, name: str) -> object:
    return serialization.load_ssh_private_key((keydir / name).read_bytes(), None)


def _ssh_keygen_verify(tmp: Path, key: PublicKey, armored: str, message: bytes) -> bool:
    (tmp / "allowed_signers").write_text(f"signer@example {key.openssh()}\n")
    (tmp / "file.sig").write_text(armored)
    done = _run(
        [
            "ssh-keygen",
            "-Y",
            "verify",
            "-f",
            str(tmp / "allowed_signers"),
            "-I",
            "signer@example",
            "-n",
            NAMESPACE,
            "-s",
            str(tmp / "file.sig"),
        ],
        stdin=message,
    )
    return done.returncode == 0


def _sk_key_and_signature(
    kind: str, message: bytes, *, flags: int = 0x01, counter: int = 7
) -> tuple[PublicKey, str]:
    """Make a security-key public key and SSHSIG as an authenticator would."""
    application = b"ssh:"
    data = _signed_data(message)
    # FIDO assertion: authenticatorData (rpIdHash, flags, counter) || clientDataHash
    signed = (
        hashlib.sha256(application).digest()
        + struct.pack(">BI", flags, counter)
        + hashlib.sha256(data).digest()
    )
    if kind == "ed25519":
        key_type = "sk-ssh-ed25519@openssh.com"
        ed = ed25519.Ed25519PrivateKey.generate()
        raw = ed.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        blob = _s(key_type.encode()) + _s(raw) + _s(application)
        inner = _s(ed.sign(signed))
    else:
        key_type = "sk-ecdsa-sha2-nistp256@openssh.com"
        ecd = ec.generate_private_key(ec.SECP256R1())
        point = ecd.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        blob = _s(key_type.encode()) + _s(b"nistp256") + _s(point) + _s(application)
        r, s = decode_dss_signature(ecd.sign(signed, ec.ECDSA(hashes.SHA256())))
        inner = _s(_mpint(r) + _mpint(s))
    sig_blob = _s(key_type.encode()) + inner + struct.pack(">BI", flags, counter)
    return PublicKey(key_type, blob), _armor(_sshsig(blob, sig_blob))


# --------------------------------------------------------------------------- accepts


@pytest.mark.parametrize("name", list(KEY_SPECS))
def test_verify_accepts_ssh_keygen_signature(keydir: Path, name: str) -> None:
    key = _pub(keydir, name)
    sig = _sig(keydir, name)
    assert sig.public_key == key
    assert sig.namespace == NAMESPACE
    assert sig.hash_algorithm == "sha512"
    verify(sig, MESSAGE, namespace=NAMESPACE, public_key=key)


def test_verify_accepts_signature_of_stdin_with_sha256(keydir: Path) -> None:
    signed = _run(
        [
            "ssh-keygen",
            "-Y",
            "sign",
            "-f",
            str(keydir / "ecdsa256"),
            "-n",
            NAMESPACE,
            "-O",
            "hashalg=sha256",
        ],
        stdin=MESSAGE,
    )
    assert signed.returncode == 0, signed.stderr
    sig = parse_armored(signed.stdout.decode())
    assert sig.hash_algorithm == "sha256"
    verify(sig, MESSAGE, namespace=NAMESPACE, public_key=_pub(keydir, "ecdsa256"))


def test_parse_armored_tolerates_crlf_and_surrounding_whitespace(keydir: Path) -> None:
    text = (keydir / "ed25519.sig").read_text()
    crlf = "\r\n  " + text.replace("\n", "\r\n") + "\r\n\r\n"
    assert parse_armored(crlf) == _sig(keydir, "ed25519")


def test_verify_accepts_rsa_sha2_256(keydir: Path, tmp_path: Path) -> None:
    private = _private(keydir, "rsa3072")
    assert isinstance(private, rsa.RSAPrivateKey)
    key = _pub(keydir, "rsa3072")
    raw = private.sign(_signed_data(MESSAGE), padding.PKCS1v15(), hashes.SHA256())
    armored = _armor(_sshsig(key.blob, _s(b"rsa-sha2-256") + _s(raw)))
    verify(parse_armored(armored), MESSAGE, namespace=NAMESPACE, public_key=key)
    assert _ssh_keygen_verify(tmp_path, key, armored, MESSAGE)


@pytest.mark.parametrize("kind", ["ed25519", "ecdsa"])
def test_security_key_signature_accepted_here_and_by_ssh_keygen(
    kind: str, tmp_path: Path
) -> None:
    key, armored = _sk_key_and_signature(kind, MESSAGE)
    assert parse_public_key(key.openssh() + " 张三的安全密钥") == key
    sig = parse_armored(armored)
    verify(sig, MESSAGE, namespace=NAMESPACE, public_key=key)
    assert _ssh_keygen_verify(tmp_path, key, armored, MESSAGE)
    assert not _ssh_keygen_verify(tmp_path, key, armored, MESSAGE + b"x")


@pytest.mark.parametrize("name", list(KEY_SPECS))
def test_fingerprint_matches_ssh_keygen(keydir: Path, name: str) -> None:
    listed = _run(
        ["ssh-keygen", "-l", "-E", "sha256", "-f", str(keydir / f"{name}.pub")]
    )
    assert listed.returncode == 0, listed.stderr
    key = _pub(keydir, name)
    assert key.fingerprint() == listed.stdout.decode().split()[1]
    assert key.openssh() == " ".join((keydir / f"{name}.pub").read_text().split()[:2])


# --------------------------------------------------------------------------- rejects


def test_wrong_namespace_is_rejected(keydir: Path) -> None:
    sig = _sig(keydir, "ed25519")
    err = _rejects(
        "命名空间",
        lambda: verify(
            sig, MESSAGE, namespace="portal-other", public_key=sig.public_key
        ),
    )
    assert err.message == '签名的命名空间是 "portal-review"，应为 "portal-other"。'


@pytest.mark.parametrize("name", list(KEY_SPECS))
def test_message_altered_by_one_byte_is_rejected(keydir: Path, name: str) -> None:
    altered = bytearray(MESSAGE)
    altered[MESSAGE.index("申报".encode())] ^= 0x01
    sig = _sig(keydir, name)
    _rejects(
        "签名校验失败",
        lambda: verify(
            sig, bytes(altered), namespace=NAMESPACE, public_key=_pub(keydir, name)
        ),
    )


def test_different_public_key_is_rejected(keydir: Path) -> None:
    sig = _sig(keydir, "ed25519")
    other = _pub(keydir, "ecdsa256")
    err = _rejects(
        "不是预期的密钥",
        lambda: verify(sig, MESSAGE, namespace=NAMESPACE, public_key=other),
    )
    assert other.fingerprint() in err.message


def test_signature_replayed_under_another_key_is_rejected(keydir: Path) -> None:
    """The envelope claims a different key than the one that made the signature."""
    sig = _sig(keydir, "ed25519")
    other_ed = (
        ed25519.Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    other = PublicKey("ssh-ed25519", _s(b"ssh-ed25519") + _s(other_ed))
    forged = parse_armored(_rearmor(sig, key_blob=other.blob))
    _rejects(
        "签名校验失败",
        lambda: verify(forged, MESSAGE, namespace=NAMESPACE, public_key=other),
    )


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda t: t[: len(t) // 2], id="truncated"),
        pytest.param(
            lambda t: "\n".join(t.splitlines()[:-2] + t.splitlines()[-1:]),
            id="line-missing",
        ),
        pytest.param(lambda t: t.replace("\n", "\n*", 2), id="bad-char"),
        pytest.param(lambda t: "你好，这不是签名", id="garbage"),
        pytest.param(lambda t: "", id="empty"),
        pytest.param(lambda t: "注释\n" + t, id="text-before"),
        pytest.param(lambda t: t.replace("SSH SIGNATURE", "PGP SIGNATURE"), id="pgp"),
    ],
)
def test_damaged_armor_is_rejected(keydir: Path, mangle: Callable[[str], str]) -> None:
    text = (keydir / "ed25519.sig").read_text()
    with pytest.raises(SignatureError):
        parse_armored(mangle(text))


def test_version_2_bad_magic_reserved_and_trailing_bytes_are_rejected(
    keydir: Path,
) -> None:
    sig = _sig(keydir, "ed25519")
    raw = _sshsig(sig.public_key.blob, sig.signature)
    _rejects("版本是 2", lambda: parse_armored(_rearmor(sig, version=2)))
    _rejects("标识", lambda: parse_armored(_armor(b"SSHSIH" + raw[6:])))
    _rejects("多余", lambda: parse_armored(_armor(raw + b"\x00")))
    _rejects("保留字段", lambda: parse_armored(_rearmor(sig, reserved=b"tag")))


def test_unsupported_hash_algorithm_is_rejected(keydir: Path) -> None:
    sig = parse_armored(_rearmor(_sig(keydir, "ed25519"), hash_alg="sha1"))
    _rejects(
        "摘要算法",
        lambda: verify(sig, MESSAGE, namespace=NAMESPACE, public_key=sig.public_key),
    )


@pytest.mark.parametrize("kind", ["ed25519", "ecdsa"])
def test_security_key_without_user_presence_is_rejected(kind: str) -> None:
    key, armored = _sk_key_and_signature(kind, MESSAGE, flags=0x04)
    sig = parse_armored(armored)
    _rejects(
        "用户在场",
        lambda: verify(sig, MESSAGE, namespace=NAMESPACE, public_key=key),
    )


def test_security_key_flags_are_covered_by_signature() -> None:
    key, armored = _sk_key_and_signature("ed25519", MESSAGE, flags=0x00)
    sig = parse_armored(armored)
    # Setting the user-presence bit afterwards must break the signature.
    forged = sig.signature[:-5] + b"\x01" + sig.signature[-4:]
    forged_sig = parse_armored(_rearmor(sig, sig_blob=forged))
    _rejects(
        "签名校验失败",
        lambda: verify(forged_sig, MESSAGE, namespace=NAMESPACE, public_key=key),
    )


def test_rsa_sha1_signature_type_is_rejected(keydir: Path) -> None:
    private = _private(keydir, "rsa3072")
    assert isinstance(private, rsa.RSAPrivateKey)
    key = _pub(keydir, "rsa3072")
    raw = private.sign(_signed_data(MESSAGE), padding.PKCS1v15(), hashes.SHA1())
    sig = parse_armored(_armor(_sshsig(key.blob, _s(b"ssh-rsa") + _s(raw))))
    _rejects(
        "SHA-1",
        lambda: verify(sig, MESSAGE, namespace=NAMESPACE, public_key=key),
    )


@pytest.mark.parametrize("name", ["ecdsa256", "ecdsa384", "ecdsa521"])
def test_ecdsa_signature_with_r_and_s_swapped_is_rejected(
    keydir: Path, name: str
) -> None:
    sig = _sig(keydir, name)
    sig_type, inner = _strings(sig.signature)
    r, s = _strings(inner)
    swapped = _s(sig_type) + _s(_s(s) + _s(r))
    bad = parse_armored(_rearmor(sig, sig_blob=swapped))
    _rejects(
        "签名校验失败",
        lambda: verify(bad, MESSAGE, namespace=NAMESPACE, public_key=sig.public_key),
    )


def test_signature_type_must_match_key_type(keydir: Path) -> None:
    sig = _sig(keydir, "ecdsa256")
    _, inner = _strings(sig.signature)
    relabelled = _s(b"ecdsa-sha2-nistp384") + _s(inner)
    bad = parse_armored(_rearmor(sig, sig_blob=relabelled))
    _rejects(
        "不符",
        lambda: verify(bad, MESSAGE, namespace=NAMESPACE, public_key=sig.public_key),
    )


def test_every_truncation_or_bit_flip_raises_only_signature_error(keydir: Path) -> None:
    """No malformed input may leak ValueError, IndexError, struct.error, …"""
    for name in ("ed25519", "ecdsa256"):
        sig = _sig(keydir, name)
        raw = _sshsig(sig.public_key.blob, sig.signature)
        variants = [raw[:i] for i in range(len(raw))]
        variants += [
            raw[:i] + bytes([raw[i] ^ 0x80]) + raw[i + 1 :] for i in range(len(raw))
        ]
        for variant in variants:
            try:
                parsed = parse_armored(_armor(variant))
                verify(parsed, MESSAGE, namespace=NAMESPACE, public_key=sig.public_key)
            except SignatureError:
                continue
            assert variant == raw


# --------------------------------------------------------------------------- keys


@pytest.mark.parametrize(
    "line",
    [
        "",
        "ssh-ed25519",
        "ssh-ed25519 AAAA####",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5",  # truncated blob
        "ssh-dss AAAAB3NzaC1kc3M= old",
        "ssh-ed25519 AAAA\nssh-ed25519 AAAA",
    ],
)
def test_parse_public_key_rejects_bad_lines(line: str) -> None:
    with pytest.raises(SignatureError):
        parse_public_key(line)


def test_parse_public_key_rejects_type_mismatch(keydir: Path) -> None:
    _, encoded, *_ = (keydir / "ed25519.pub").read_text().split()
    _rejects("类型", lambda: parse_public_key(f"ssh-rsa {encoded} 张三"))
    _, encoded384, *_ = (keydir / "ecdsa384.pub").read_text().split()
    _rejects("类型", lambda: parse_public_key(f"ecdsa-sha2-nistp256 {encoded384}"))


def test_parse_public_key_rejects_point_off_curve(keydir: Path) -> None:
    key = _pub(keydir, "ecdsa256")
    blob = bytearray(key.blob)
    blob[-1] ^= 0x01  # last byte of the point's y coordinate
    line = f"{key.key_type} {base64.b64encode(bytes(blob)).decode()}"
    _rejects("曲线", lambda: parse_public_key(line))


def test_small_rsa_key_is_rejected() -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()
    numbers = small.public_numbers()
    blob = _s(b"ssh-rsa") + _mpint(numbers.e) + _mpint(numbers.n)
    line = f"ssh-rsa {base64.b64encode(blob).decode()}"
    err = _rejects("1024 位", lambda: parse_public_key(line))
    assert "2048" in err.message
