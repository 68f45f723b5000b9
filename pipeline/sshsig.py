"""Parse and verify OpenSSH SSHSIG signatures (``ssh-keygen -Y sign``) in-process.

Formats: OpenSSH ``PROTOCOL.sshsig`` for the signature envelope and armor;
RFC 4253 (``ssh-rsa`` keys), RFC 8332 (``rsa-sha2-256``/``rsa-sha2-512``),
RFC 5656 (``ecdsa-sha2-nistp*``), RFC 8709 (``ssh-ed25519``) and OpenSSH
``PROTOCOL.u2f`` (``sk-*@openssh.com`` security keys) for keys and signatures.

Every problem is reported as :class:`~pipeline.errors.SignatureError` with a short
Chinese sentence, because the people who read these messages are office clerks.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass
from typing import TypeAlias

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from pipeline.errors import SignatureError

__all__ = [
    "PublicKey",
    "SshSignature",
    "parse_armored",
    "parse_public_key",
    "verify",
]

_MAGIC = b"SSHSIG"
_VERSION = 1
_BEGIN = "-----BEGIN SSH SIGNATURE-----"
_END = "-----END SSH SIGNATURE-----"
_HASHES = {"sha256": hashlib.sha256, "sha512": hashlib.sha512}

_ED25519 = "ssh-ed25519"
_SK_ED25519 = "sk-ssh-ed25519@openssh.com"
_SK_ECDSA = "sk-ecdsa-sha2-nistp256@openssh.com"
_RSA = "ssh-rsa"
_RSA_SIG_HASHES: dict[str, type[hashes.SHA256] | type[hashes.SHA512]] = {
    "rsa-sha2-256": hashes.SHA256,
    "rsa-sha2-512": hashes.SHA512,
}
_RSA_MIN_BITS = 2048
_RSA_MAX_BITS = 16384  # OpenSSH's own upper limit (SSHBUF_MAX_BIGNUM)
_SK_USER_PRESENT = 0x01


@dataclass(frozen=True)
class _Curve:
    name: str  # the curve identifier inside the blob, e.g. "nistp256"
    curve: ec.EllipticCurve
    hash: hashes.HashAlgorithm


_CURVES: dict[str, _Curve] = {
    "ecdsa-sha2-nistp256": _Curve("nistp256", ec.SECP256R1(), hashes.SHA256()),
    "ecdsa-sha2-nistp384": _Curve("nistp384", ec.SECP384R1(), hashes.SHA384()),
    "ecdsa-sha2-nistp521": _Curve("nistp521", ec.SECP521R1(), hashes.SHA512()),
    _SK_ECDSA: _Curve("nistp256", ec.SECP256R1(), hashes.SHA256()),
}

_KEY_TYPES: frozenset[str] = frozenset({_ED25519, _RSA, _SK_ED25519, *_CURVES})


# --------------------------------------------------------------------------- wire


class _Reader:
    """Reads SSH wire-format fields; every shortfall becomes a SignatureError."""

    def __init__(self, data: bytes, what: str) -> None:
        self._data = data
        self._pos = 0
        self._what = what

    def _fail(self) -> SignatureError:
        return SignatureError(f"{self._what}的数据不完整或格式错误。")

    def take(self, n: int) -> bytes:
        if n < 0 or self._pos + n > len(self._data):
            raise self._fail()
        chunk = self._data[self._pos : self._pos + n]
        self._pos += n
        return chunk

    def u8(self) -> int:
        return self.take(1)[0]

    def u32(self) -> int:
        value: int = struct.unpack(">I", self.take(4))[0]
        return value

    def string(self) -> bytes:
        return self.take(self.u32())

    def cstring(self) -> bytes:
        """A string without NUL bytes (OpenSSH reads these as C strings)."""
        raw = self.string()
        if b"\x00" in raw:
            raise self._fail()
        return raw

    def text(self) -> str:
        """A C string that must also be valid UTF-8."""
        raw = self.cstring()
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise self._fail() from None

    def mpint(self) -> int:
        """A non-negative mpint; like OpenSSH, extra leading zeros are tolerated."""
        raw = self.string()
        if raw and raw[0] & 0x80:
            raise SignatureError(f"{self._what}中有负数，格式错误。")
        return int.from_bytes(raw, "big")

    def end(self) -> None:
        if self._pos != len(self._data):
            raise SignatureError(f"{self._what}末尾有多余的数据。")


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


# --------------------------------------------------------------------------- keys


@dataclass(frozen=True)
class PublicKey:
    """An SSH public key: its algorithm name and its wire-format blob."""

    key_type: str
    blob: bytes

    def openssh(self) -> str:
        """The key as one ``authorized_keys`` line without comment."""
        return f"{self.key_type} {base64.b64encode(self.blob).decode('ascii')}"

    def fingerprint(self) -> str:
        """``SHA256:…`` exactly as ``ssh-keygen -l -E sha256`` prints it."""
        digest = hashlib.sha256(self.blob).digest()
        return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


@dataclass(frozen=True)
class _Ed25519:
    key: Ed25519PublicKey
    application: bytes | None  # set for security keys


@dataclass(frozen=True)
class _Ecdsa:
    key: ec.EllipticCurvePublicKey
    curve: _Curve
    application: bytes | None  # set for security keys


@dataclass(frozen=True)
class _Rsa:
    key: rsa.RSAPublicKey


_LoadedKey: TypeAlias = _Ed25519 | _Ecdsa | _Rsa


def _load_blob(blob: bytes) -> tuple[str, _LoadedKey]:
    """Decode and check a public key blob; return its type and a usable key."""
    r = _Reader(blob, "公钥")
    key_type = r.text()
    loaded: _LoadedKey
    if key_type in (_ED25519, _SK_ED25519):
        raw = r.string()
        if len(raw) != 32:
            raise SignatureError("Ed25519 公钥的长度不对。")
        application = r.cstring() if key_type == _SK_ED25519 else None
        loaded = _Ed25519(Ed25519PublicKey.from_public_bytes(raw), application)
    elif key_type in _CURVES:
        curve = _CURVES[key_type]
        if r.text() != curve.name:
            raise SignatureError(f"{key_type} 公钥中的曲线名称不符。")
        point = r.string()
        if not point or point[0] != 0x04:
            raise SignatureError("ECDSA 公钥的点编码不是未压缩格式。")
        try:
            ec_key = ec.EllipticCurvePublicKey.from_encoded_point(curve.curve, point)
        except ValueError:
            raise SignatureError("ECDSA 公钥的点不在曲线上，公钥无效。") from None
        application = r.cstring() if key_type == _SK_ECDSA else None
        loaded = _Ecdsa(ec_key, curve, application)
    elif key_type == _RSA:
        e = r.mpint()
        n = r.mpint()
        bits = n.bit_length()
        if bits < _RSA_MIN_BITS:
            raise SignatureError(
                f"RSA 公钥只有 {bits} 位，太短，至少需要 {_RSA_MIN_BITS} 位。"
            )
        if bits > _RSA_MAX_BITS:
            raise SignatureError(f"RSA 公钥有 {bits} 位，超过允许的上限。")
        if n % 2 == 0:  # a real RSA modulus is odd; cryptography does not check
            raise SignatureError("RSA 公钥的参数无效。")
        try:
            loaded = _Rsa(rsa.RSAPublicNumbers(e, n).public_key())
        except ValueError:
            raise SignatureError("RSA 公钥的参数无效。") from None
    elif key_type.endswith("-cert-v01@openssh.com"):
        raise SignatureError("不支持 SSH 证书，请使用普通公钥。")
    else:
        raise SignatureError(f'不支持的公钥类型 "{key_type}"。')
    r.end()
    return key_type, loaded


def _public_key_from_blob(blob: bytes) -> PublicKey:
    key_type, _ = _load_blob(blob)
    return PublicKey(key_type=key_type, blob=blob)


def parse_public_key(text: str) -> PublicKey:
    """Parse one ``type base64 [comment]`` line and check the key is usable.

    Raises :class:`SignatureError` when the line is malformed, the type inside the
    blob differs from the stated type, or the key itself is invalid.
    """
    line = text.strip()
    if not line or "\n" in line or "\r" in line:
        raise SignatureError(
            "公钥必须是一行：类型、Base64 编码的公钥、可选的注释。",
            hint="请使用 .pub 文件中的整行内容。",
        )
    parts = line.split(None, 2)
    if len(parts) < 2:
        raise SignatureError(
            "公钥行缺少 Base64 编码的公钥部分。",
            hint="格式应为“类型 公钥 注释”，例如 ssh-ed25519 AAAA… 张三。",
        )
    stated, encoded = parts[0], parts[1]
    if stated not in _KEY_TYPES:
        raise SignatureError(f'不支持的公钥类型 "{stated}"。')
    blob = _b64decode(encoded, "公钥")
    key = _public_key_from_blob(blob)
    if key.key_type != stated:
        raise SignatureError(
            f'公钥行写的类型是 "{stated}"，但公钥本身是 "{key.key_type}"。'
        )
    return key


def _b64decode(text: str, what: str) -> bytes:
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError(f"{what}的 Base64 编码无效。") from None
    if not data or base64.b64encode(data).decode("ascii") != text:
        raise SignatureError(f"{what}的 Base64 编码无效。")
    return data


# --------------------------------------------------------------------------- armor


@dataclass(frozen=True)
class SshSignature:
    """The contents of an SSHSIG signature (one ``.sig`` file)."""

    public_key: PublicKey
    namespace: str
    hash_algorithm: str
    signature: bytes


def parse_armored(text: str) -> SshSignature:
    """Parse a ``-----BEGIN SSH SIGNATURE-----`` block into an :class:`SshSignature`.

    Tolerates CRLF line ends and whitespace around the block; rejects anything
    else: other text, bad Base64, wrong magic, a version other than 1, a
    non-empty reserved field, an unusable key or trailing bytes.
    """
    lines = [line.strip() for line in text.strip().splitlines()]
    if len(lines) < 3 or lines[0] != _BEGIN or lines[-1] != _END:
        raise SignatureError(
            f'签名文件格式错误：应以 "{_BEGIN}" 开头、以 "{_END}" 结尾。',
            hint="签名文件可能被截断或改动过，请重新获取。",
        )
    body = "".join(lines[1:-1])
    data = _b64decode(body, "签名")
    r = _Reader(data, "签名")
    if r.take(len(_MAGIC)) != _MAGIC:
        raise SignatureError("这不是 SSH 签名（开头的标识不对）。")
    version = r.u32()
    if version != _VERSION:
        raise SignatureError(f"签名格式版本是 {version}，只支持版本 {_VERSION}。")
    key_blob = r.string()
    namespace = r.text()
    reserved = r.string()
    hash_algorithm = r.text()
    sig_blob = r.string()
    r.end()
    if reserved:
        raise SignatureError("签名中的保留字段不为空，无法识别。")
    return SshSignature(
        public_key=_public_key_from_blob(key_blob),
        namespace=namespace,
        hash_algorithm=hash_algorithm,
        signature=sig_blob,
    )


# --------------------------------------------------------------------------- verify


def _bad_signature() -> SignatureError:
    return SignatureError(
        "签名校验失败：内容在签名后被改动过，或签名不是用这把密钥做的。"
    )


def _ecdsa_der(blob: bytes) -> bytes:
    r = _Reader(blob, "ECDSA 签名")
    sig_r = r.mpint()
    sig_s = r.mpint()
    r.end()
    return encode_dss_signature(sig_r, sig_s)


def _sk_data(application: bytes, flags: int, counter: int, data: bytes) -> bytes:
    """What a FIDO authenticator signs: authenticator data || clientDataHash."""
    return (
        hashlib.sha256(application).digest()
        + struct.pack(">BI", flags, counter)
        + hashlib.sha256(data).digest()
    )


def _verify_raw(key_type: str, key: _LoadedKey, sig_blob: bytes, data: bytes) -> None:
    """Check the inner signature blob over ``data``; raise SignatureError if bad."""
    r = _Reader(sig_blob, "签名值")
    sig_type = r.text()
    if isinstance(key, _Rsa):
        if sig_type == _RSA:
            raise SignatureError(
                "签名使用了已不安全的 SHA-1 算法（ssh-rsa），不予接受。",
                hint="请用较新的 ssh-keygen 重新签名（rsa-sha2-512）。",
            )
        if sig_type not in _RSA_SIG_HASHES:
            raise SignatureError(f'不支持的 RSA 签名算法 "{sig_type}"。')
    elif sig_type != key_type:
        raise SignatureError(f'签名算法 "{sig_type}" 与公钥类型 "{key_type}" 不符。')
    raw = r.string()
    flags = 0
    counter = 0
    application = None if isinstance(key, _Rsa) else key.application
    if application is not None:
        flags = r.u8()
        counter = r.u32()
        data = _sk_data(application, flags, counter, data)
    r.end()
    try:
        if isinstance(key, _Ed25519):
            if len(raw) != 64:
                raise _bad_signature()
            key.key.verify(raw, data)
        elif isinstance(key, _Ecdsa):
            key.key.verify(_ecdsa_der(raw), data, ec.ECDSA(key.curve.hash))
        else:
            modulus_len = (key.key.key_size + 7) // 8
            if len(raw) > modulus_len:
                raise _bad_signature()
            key.key.verify(
                raw.rjust(modulus_len, b"\x00"),
                data,
                padding.PKCS1v15(),
                _RSA_SIG_HASHES[sig_type](),
            )
    except (InvalidSignature, ValueError):
        raise _bad_signature() from None
    if application is not None and not flags & _SK_USER_PRESENT:
        raise SignatureError(
            "安全密钥签名时没有确认用户在场（未触碰密钥），不予接受。",
            hint="签名时请按提示触碰安全密钥。",
        )


def _signed_data(namespace: str, hash_algorithm: str, message: bytes) -> bytes:
    digest = _HASHES[hash_algorithm](message).digest()
    return (
        _MAGIC
        + _string(namespace.encode("utf-8"))
        + _string(b"")
        + _string(hash_algorithm.encode("ascii"))
        + _string(digest)
    )


def verify(
    signature: SshSignature,
    message: bytes,
    *,
    namespace: str,
    public_key: PublicKey,
) -> None:
    """Check that ``signature`` is ``public_key``'s valid signature of ``message``.

    Returns ``None`` on success and raises :class:`SignatureError` if the key is
    not the expected one, the namespace or hash algorithm is wrong, or the
    cryptographic signature does not verify (for security keys also if the
    user-presence flag is missing).
    """
    if not namespace or "\x00" in namespace or not namespace.isprintable():
        raise SignatureError("指定的签名命名空间为空或含有无效字符。")
    if signature.public_key.blob != public_key.blob:
        raise SignatureError(
            "签名所用的密钥（指纹 "
            f"{signature.public_key.fingerprint()}）不是预期的密钥（指纹 "
            f"{public_key.fingerprint()}）。"
        )
    if signature.namespace != namespace:
        raise SignatureError(
            f'签名的命名空间是 "{signature.namespace}"，应为 "{namespace}"。'
        )
    if signature.hash_algorithm not in _HASHES:
        raise SignatureError(
            f'签名使用了不支持的摘要算法 "{signature.hash_algorithm}"，'
            "只接受 sha256 或 sha512。"
        )
    key_type, key = _load_blob(public_key.blob)
    data = _signed_data(namespace, signature.hash_algorithm, message)
    _verify_raw(key_type, key, signature.signature, data)
