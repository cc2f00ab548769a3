"""Identities: each a minisign (Ed25519) signing key and age encryption keys: X25519 and,
for keys made since card format v2, the post-quantum hybrid ML-KEM-768 + X25519.

Layout under ``SX_HOME/keys/<name>/``: ``identity.card`` (the public key card, plain text),
``minisign.pub``, ``minisign.key`` (minisign's own scrypt passphrase protection, so
``minisign -S -s`` signs with it), ``age.key.age`` (the ``AGE-SECRET-KEY-1…`` line,
age-encrypted with the same passphrase, so ``age -d`` opens it; for a v2 card a second
line holds the ``AGE-SECRET-KEY-PQ-1…`` hybrid secret, so one passphrase KDF opens both).
A seal key
of party A also holds ``pseudonym.secret.age``: the tokenisation secret, age-encrypted to
the seal key itself; it never leaves the station (protocols/pseudonymisation-v1.md).

The folder is 0700 and the secret files 0600. On POSIX a secret file or key folder that
group or others may use is refused before it is read, with the ``chmod`` that fixes it (as
ssh does): a copy restored from a backup stick comes back readable by everyone, and a
scrypt-protected key in everyone's reach invites an offline passphrase search. Windows
keeps its own ACLs on the user's profile; mode bits mean nothing there and are not checked.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from secure_exchange import fsio as _fsio
from secure_exchange.errors import IdentityError, PassphraseError, VerificationError
from secure_exchange.formats import age as _age
from secure_exchange.formats import minisign as _minisign
from secure_exchange.formats.canonjson import utc_timestamp
from secure_exchange.formats.errors import FormatError
from secure_exchange.layout import HomeLayout

__all__ = [
    "COSTS",
    "PURPOSES",
    "UNLOCK_PARTS",
    "Keyring",
    "PublicIdentity",
    "UnlockParts",
    "UnlockedIdentity",
    "fingerprint_of",
]

PURPOSES = ("officer", "seal", "scoring", "reidentify")
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
_CARD_MAGIC = "sx-key-card-v1"
_CARD_MAGIC_V2 = "sx-key-card-v2"  # v1 plus ``age-pq``, the hybrid recipient
_SECRET_FILES = ("minisign.key", "age.key.age", "pseudonym.secret.age")
_OTHERS = stat.S_IRWXG | stat.S_IRWXO  # any access by group or others

# Key-derivation cost for the passphrase protecting a secret key. "standard" is for real
# keys; "fast" exists for tests and the demo (weak passphrase protection, never for real use).
UnlockParts = Literal["signing", "age", "both"]
UNLOCK_PARTS: tuple[UnlockParts, ...] = ("signing", "age", "both")

COSTS: dict[str, tuple[int, int, int]] = {
    # name: (minisign opslimit, minisign memlimit, age scrypt log2 N)
    "standard": (_minisign.OPSLIMIT_SENSITIVE, 268_435_456, 18),
    "fast": (_minisign.OPSLIMIT_INTERACTIVE, _minisign.MEMLIMIT_INTERACTIVE, 10),
}


def _require_private(path: Path, *, folder: bool = False) -> None:
    """Refuse a secret key file (or key folder) that group or others may read or change.

    POSIX only (mode bits); a missing path is left to the reader that needs it.

    Raises:
        IdentityError: ``keys.unprotected_file`` / ``keys.unprotected_dir``, naming the
            ``chmod 600 FILE`` / ``chmod 700 DIR`` that fixes it.
    """
    if os.name == "nt":
        return
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    if stat.S_IMODE(mode) & _OTHERS:
        raise IdentityError(
            "keys.unprotected_dir" if folder else "keys.unprotected_file", path=path
        )


_CREATED_FILES = re.compile(
    r"minisign\.key|age\.key\.age|age-pq\.key\.age|pseudonym\.secret\.age|minisign\.pub|identity\.card"
    r"|\.(minisign\.pub|identity\.card)\.tmp-[0-9]+"
)


def _creating_file(name: str, mode: int) -> bool:
    """Whether an entry of a ``.<name>.creating`` folder is a plain file ``create`` writes."""
    return stat.S_ISREG(mode) and _CREATED_FILES.fullmatch(name) is not None


@contextlib.contextmanager
def _key_errors() -> Iterator[None]:
    """Wrap what the key formats refuse: a passphrase fault as PassphraseError, the rest as
    IdentityError, each with the format's own message."""
    try:
        yield
    except _minisign.KeyPassphraseError as exc:
        raise PassphraseError(exc.key, **exc.params) from exc
    except FormatError as exc:
        raise IdentityError(exc.key, **exc.params) from exc


def fingerprint_of(
    name: str, org: str, purpose: str, minisign_b64: str, age_recipient: str, age_pq: str = ""
) -> str:
    """A short, printable fingerprint binding a key card's public values (16 bytes of SHA-256).

    A v1 card (no hybrid recipient) keeps the fingerprint it always had; a v2 card's also
    binds its ``age-pq`` recipient.
    """
    values: tuple[str, ...] = (_CARD_MAGIC, name, org, purpose, minisign_b64, age_recipient, "")
    if age_pq:
        values = (_CARD_MAGIC_V2, name, org, purpose, minisign_b64, age_recipient, age_pq, "")
    material = "\n".join(values)
    digest = hashlib.sha256(material.encode("utf-8")).hexdigest()[:32].upper()
    return " ".join(digest[i : i + 4] for i in range(0, 32, 4))


@dataclass(frozen=True)
class PublicIdentity:
    """The public half of an identity: what a key card carries."""

    name: str
    org: str
    purpose: str
    minisign: _minisign.PublicKey
    age_recipient: str
    created: str
    age_pq: str = ""
    """The hybrid ML-KEM-768 + X25519 recipient (``age1pq1…``); empty on a v1 card."""

    @property
    def key_id(self) -> str:
        """The minisign key id (upper-case hex, as ``minisign`` prints it)."""
        return self.minisign.key_id_hex

    @property
    def fingerprint(self) -> str:
        """Fingerprint printed on the paper agreement."""
        return fingerprint_of(
            self.name,
            self.org,
            self.purpose,
            self.minisign.base64(),
            self.age_recipient,
            self.age_pq,
        )

    def verify_signature(
        self, data: bytes, signature_text: str, *, prehashed_only: bool = False
    ) -> str:
        """Verify a minisign signature by this key over ``data``; return its trusted comment.

        Raises:
            VerificationError: check ``signatures``: the signature is malformed, by another
                key, or does not verify (minisign's message).
        """
        try:
            return self.minisign.verify(data, signature_text, prehashed_only=prehashed_only)
        except _minisign.SignatureError as exc:
            raise VerificationError("signatures", exc.key, **exc.params) from exc

    def to_fields(self) -> dict[str, str]:
        """The card's fields, in card order."""
        fields = {
            "format": _CARD_MAGIC_V2 if self.age_pq else _CARD_MAGIC,
            "name": self.name,
            "org": self.org,
            "purpose": self.purpose,
            "minisign": self.minisign.base64(),
            "minisign-key-id": self.key_id,
            "age": self.age_recipient,
        }
        if self.age_pq:
            fields["age-pq"] = self.age_pq
        return {**fields, "created": self.created, "fingerprint": self.fingerprint}

    def to_card(self) -> str:
        """Render the key card: ``field: value`` lines, printable and machine-readable."""
        return "".join(f"{k}: {v}\n" for k, v in self.to_fields().items())

    @classmethod
    def from_card(cls, text: str) -> PublicIdentity:
        """Parse a key card (as written by ``to_card``)."""
        fields: dict[str, str] = {}
        for line in text.splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            key, sep, value = line.partition(":")
            if not sep:
                raise IdentityError("keys.card_malformed")
            fields[key.strip()] = value.strip()
        return cls.from_fields(fields)

    @classmethod
    def from_fields(cls, fields: Mapping[str, str]) -> PublicIdentity:
        """Build from card fields; the fingerprint (and key id, if given) must match."""
        # An agreement embeds cards without "format": a hybrid recipient makes it v2.
        card_format = fields.get("format", _CARD_MAGIC_V2 if "age-pq" in fields else _CARD_MAGIC)
        if (
            card_format not in (_CARD_MAGIC, _CARD_MAGIC_V2)
            or fields.get("purpose") not in PURPOSES
            or (card_format == _CARD_MAGIC_V2) != ("age-pq" in fields)
        ):
            raise IdentityError("keys.card_malformed")
        try:
            pq = fields.get("age-pq")
            ident = cls(
                name=fields["name"],
                org=fields["org"],
                purpose=fields["purpose"],
                minisign=_minisign.PublicKey.from_str(fields["minisign"]),
                age_recipient=str(_age.X25519Recipient.from_str(fields["age"])),
                created=fields["created"],
                age_pq="" if pq is None else str(_age.HybridRecipient.from_str(pq)),
            )
        except (KeyError, FormatError) as exc:
            raise IdentityError("keys.card_malformed") from exc
        if fields.get("fingerprint") != ident.fingerprint or (
            fields.get("minisign-key-id", ident.key_id) != ident.key_id
        ):
            raise IdentityError("keys.card_fingerprint", name=ident.name)
        return ident


@dataclass(frozen=True, repr=False)
class UnlockedIdentity:
    """An identity whose secrets are unlocked in memory for one operation.

    ``Keyring.unlock`` decrypts only the parts a command asks for (``UnlockParts``); the
    other part is ``None`` here and asking for it is a programming error (``ValueError``).
    """

    public: PublicIdentity
    signing: _minisign.SecretKey | None
    age: _age.X25519Identity | None
    home: Path
    hybrid_identity: _age.HybridIdentity | None = None

    @property
    def signing_key(self) -> _minisign.SecretKey:
        """The minisign secret key (unlocked with ``"signing"`` or ``"both"``)."""
        if self.signing is None:
            raise ValueError(f"{self.public.name}: unlocked without its signing key")
        return self.signing

    @property
    def age_identity(self) -> _age.X25519Identity:
        """The age X25519 identity (unlocked with ``"age"`` or ``"both"``)."""
        if self.age is None:
            raise ValueError(f"{self.public.name}: unlocked without its age identity")
        return self.age

    def __repr__(self) -> str:
        return f"UnlockedIdentity({self.public.name!r}, purpose={self.public.purpose!r})"

    @property
    def age_identities(self) -> tuple[_age.X25519Identity | _age.HybridIdentity, ...]:
        """Every age identity of this key (hybrid first): what opens a part sealed to it."""
        if self.hybrid_identity is None:
            return (self.age_identity,)
        return (self.hybrid_identity, self.age_identity)

    # NoteSigner protocol (audit checkpoints, cosignatures).
    @property
    def name(self) -> str:
        """Signer name used in signed notes."""
        return self.public.name

    @property
    def public_key(self) -> bytes:
        """The raw 32-byte Ed25519 public key."""
        return self.public.minisign.key

    def sign(self, message: bytes) -> bytes:
        """A plain Ed25519 signature (for signed notes)."""
        return self.signing_key.sign_raw(message)

    def pseudonym_secret(self) -> bytes:
        """The tokenisation secret kept with a seal key (party A only)."""
        path = HomeLayout(self.home).keys / self.public.name / "pseudonym.secret.age"
        _require_private(path.parent, folder=True)
        _require_private(path)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise IdentityError("keys.no_pseudonym_secret", name=self.public.name) from None
        with _key_errors():
            return _age.decrypt_bytes(data, [self.age_identity])


class Keyring:
    """The identities stored at one station."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.root = HomeLayout(home).keys

    def _dir(self, name: str) -> Path:
        if not _NAME_RE.match(name):
            raise IdentityError("keys.bad_name", name=name)
        return self.root / name

    def create(
        self,
        name: str,
        org: str,
        purpose: str,
        passphrase: bytes,
        *,
        cost: str = "standard",
        hybrid: bool = True,
    ) -> PublicIdentity:
        """Generate and store a new identity; secrets are written only in encrypted form.

        ``hybrid`` (the default) also makes the post-quantum ML-KEM-768 + X25519 key and a
        v2 card carrying its recipient; without it the key has a v1 card, as before.
        """
        if purpose not in PURPOSES:
            raise IdentityError("keys.bad_purpose", purpose=purpose)
        if not passphrase:
            raise PassphraseError("keys.empty_passphrase")
        folder = self._dir(name)
        if folder.exists():
            raise IdentityError("keys.exists", name=name)
        opslimit, memlimit, work_factor = COSTS[cost]
        signing = _minisign.SecretKey.generate()
        age_id = _age.X25519Identity.generate()
        pq_id = _age.HybridIdentity.generate() if hybrid else None
        public = PublicIdentity(
            name=name,
            org=org,
            purpose=purpose,
            minisign=signing.public_key,
            age_recipient=str(age_id.recipient()),
            created=utc_timestamp(),
            age_pq="" if pq_id is None else str(pq_id.recipient()),
        )
        tmp = folder.with_name(f".{name}.creating")
        for written in ("minisign.pub", "identity.card"):  # a killed run's, with the
            _fsio.remove_stale_temporaries(tmp / written)  # scratch folders beside them
        _fsio.remove_stale_folder(tmp, _creating_file, unlocked_age=0)  # a killed run's
        _fsio.private_dir(tmp)
        comment = f"sx {name} ({purpose})"
        with _key_errors():
            secret_key = signing.to_file_text(
                passphrase, opslimit=opslimit, memlimit=memlimit, comment=comment
            )
        with _fsio.open_private(tmp / "minisign.key") as fh:
            fh.write(secret_key.encode("ascii"))
        lines = [str(age_id)] + ([] if pq_id is None else [str(pq_id)])
        secret_lines = "".join(line + "\n" for line in lines).encode("ascii")
        scrypt = _age.ScryptRecipient(passphrase, work_factor=work_factor)
        with _fsio.open_private(tmp / "age.key.age") as fh:
            fh.write(_age.encrypt_bytes(secret_lines, [scrypt]))
        if purpose == "seal":
            with _fsio.open_private(tmp / "pseudonym.secret.age") as fh:
                fh.write(_age.encrypt_bytes(os.urandom(32), [age_id.recipient()]))
        _fsio.atomic_write(
            tmp / "minisign.pub", signing.public_key.to_file_text(comment).encode("ascii")
        )
        _fsio.atomic_write(tmp / "identity.card", public.to_card().encode("utf-8"))
        tmp.rename(folder)
        _fsio.fsync_dir(self.root)
        return public

    def list(self) -> list[PublicIdentity]:
        """Every identity at this station, by name."""
        if not self.root.is_dir():
            return []
        return [self.get(p.name) for p in sorted(self.root.iterdir()) if _is_identity(p)]

    def get(self, name: str) -> PublicIdentity:
        """The public identity ``name``; a clear error if it does not exist."""
        path = self._dir(name) / "identity.card"
        try:
            return PublicIdentity.from_card(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise IdentityError("keys.not_found", name=name) from None

    def require_private(self, name: str) -> None:
        """Refuse the identity ``name`` if its folder or a secret file is open to others.

        Called before a passphrase is asked for, and again by every reader of a secret.
        """
        folder = self._dir(name)
        _require_private(folder, folder=True)
        for secret in _SECRET_FILES:
            _require_private(folder / secret)

    def unlock(self, name: str, passphrase: bytes, parts: UnlockParts = "both") -> UnlockedIdentity:
        """Decrypt the secret keys ``parts`` names into memory, each KDF run once.

        ``"signing"``: the minisign key only; ``"age"``: the age identity only; ``"both"``.
        A wrong passphrase is a ``PassphraseError``.

        Raises:
            IdentityError: also when a secret file or the folder is open to others, or a
                secret does not belong to the identity's card.
        """
        if parts not in UNLOCK_PARTS:
            raise ValueError(f"unknown key parts {parts!r}")
        public = self.get(name)
        self.require_private(name)
        folder = self._dir(name)
        signing = age_id = pq_id = None
        if parts in ("signing", "both"):
            text = (folder / "minisign.key").read_text(encoding="ascii")
            with _key_errors():
                signing = _minisign.SecretKey.from_file_text(text, passphrase)
            if signing.public_key != public.minisign:
                raise IdentityError("keys.mismatch", name=name)
        if parts in ("age", "both"):
            age_secret, pq_secret = self._age_secret(folder, passphrase)  # one KDF: both
            with _key_errors():
                age_id = _age.X25519Identity.from_str(age_secret)
            if str(age_id.recipient()) != public.age_recipient:
                raise IdentityError("keys.mismatch", name=name)
            if public.age_pq:  # the ML-KEM secret of a v2 card
                if pq_secret is None:
                    raise IdentityError("keys.mismatch", name=name)
                with _key_errors():
                    pq_id = _age.HybridIdentity.from_str(pq_secret)
                if str(pq_id.recipient()) != public.age_pq:
                    raise IdentityError("keys.mismatch", name=name)
        return UnlockedIdentity(public, signing, age_id, self.home, pq_id)

    def export_age_identity(self, name: str, passphrase: bytes, *, hybrid: bool = False) -> str:
        """The ``AGE-SECRET-KEY-1…`` line, for an auditor's stock-tool check; with
        ``hybrid``, the ``AGE-SECRET-KEY-PQ-1…`` line (for a tool that reads hybrids)."""
        self.require_private(name)
        if hybrid and not self.get(name).age_pq:
            raise IdentityError("keys.no_hybrid", name=name)
        classic, pq = self._age_secret(self._dir(name), passphrase)
        if hybrid:
            if pq is None:
                raise IdentityError("keys.no_hybrid", name=name)
            return pq
        return classic

    @staticmethod
    def _age_secret(folder: Path, passphrase: bytes) -> tuple[str, str | None]:
        """The X25519 secret line and, for a v2 card, the hybrid one: one scrypt KDF."""
        data = (folder / "age.key.age").read_bytes()
        try:
            plain = _age.decrypt_bytes(data, [_age.ScryptIdentity(passphrase)])
        except _age.AgeNoIdentityMatchError:
            raise PassphraseError("keys.wrong_passphrase") from None
        except _age.AgeError as exc:
            raise IdentityError(exc.key, **exc.params) from exc
        lines = plain.decode("ascii").split()
        if not lines or len(lines) > 2:
            raise IdentityError("keys.mismatch", name=folder.name)
        return lines[0], lines[1] if len(lines) == 2 else None


def _is_identity(path: Path) -> bool:
    return path.is_dir() and not path.name.startswith(".") and (path / "identity.card").exists()
