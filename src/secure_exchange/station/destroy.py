"""``sx destroy --agreement NO``: the end of use (Annex 3, protocols/lifecycle-v1.md §3.3).

Crypto-shreds what this station holds under one agreement: the outputs ``sx`` registered
when it wrote them (decisions, call lists, results) and the package folders it imported
(each only if it is still the very file that was registered), the scoring records of
those packages, and the secret keys of this station's roles in the agreement that no other
agreement still in use pins. Every package encrypted to those keys, wherever a copy lies,
can no longer be opened. A certificate signed by this party's seal, listing what was
destroyed, is kept, logged and written for the other party.

Overwriting a file before removing it is best effort on flash media and journalling file
systems; what makes the data unreadable is that the keys are gone (crypto-shredding).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from secure_exchange.fsio import file_sha256
from secure_exchange.layout import HomeLayout
from secure_exchange.station.common import PassphraseFn
from secure_exchange.station.lifecycle import issue, own_signer, standing, write_out
from secure_exchange.station.outputs import Output, OutputRegister
from secure_exchange.station.scored import record_files
from secure_exchange.station.station import Station, key_actor
from secure_exchange.trust import Agreement, Statement

__all__ = ["Destruction", "destroy_agreement"]

_SECRET_FILES = ("minisign.key", "age.key.age", "pseudonym.secret.age")
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Destruction:
    """The certificate and where it was written for the other party."""

    certificate: Statement
    written: Path | None
    again: bool = False


def _shred_file(path: Path) -> None:
    """Overwrite ``path`` with random bytes, sync, and remove it."""
    size = path.stat().st_size
    with path.open("r+b") as fh:
        left = size
        while left > 0:
            step = min(left, _CHUNK)
            fh.write(os.urandom(step))
            left -= step
        fh.flush()
        os.fsync(fh.fileno())
    path.unlink()


def _current(entry: Output) -> bool | None:
    """Whether the registered path is still what was registered (``None``: it is gone)."""
    path = Path(entry.path)
    target = path / "SHA256SUMS" if entry.kind == "package" else path
    if not target.is_file():
        return None
    return file_sha256(target) == entry.sha256


def _shred_output(entry: Output) -> None:
    path = Path(entry.path)
    if entry.kind != "package":
        _shred_file(path)
        return
    for item in sorted(path.iterdir()):
        if item.is_file() and not item.is_symlink():
            _shred_file(item)
    shutil.rmtree(path)


def _shred_outputs(station: Station, agreement: Agreement, counts: dict[str, int]) -> None:
    register = OutputRegister(station.layout.outputs)
    for entry in register.for_agreement(agreement.sha256):
        state = _current(entry)
        if state is None:
            counts["gone"] += 1
        elif not state:
            counts["changed"] += 1  # not the file sx wrote any more: left alone, named
        else:
            _shred_output(entry)
            counts["packages" if entry.kind == "package" else "outputs"] += 1
        if entry.kind == "package":
            counts["scoring_records"] += _shred_record(station, entry.sha256)
    register.drop(agreement.sha256)


def _shred_record(station: Station, sums_sha256: str) -> int:
    found = 0
    for path in record_files(station, sums_sha256):  # the record, its signature, approved
        if path.is_file():
            _shred_file(path)
            found = 1
    return found


def _keys_to_shred(station: Station, agreement: Agreement) -> list[str]:
    """This station's keys the agreement pins that no other agreement in use pins."""
    others = [
        a
        for a in station.trust.all()
        if a.sha256 != agreement.sha256 and standing(station, a).destroyed is None
    ]
    names = []
    for ident in station.keyring.list():
        if agreement.key(ident.key_id) is None:
            continue
        if any(a.key(ident.key_id) is not None for a in others):
            continue
        names.append(ident.name)
    return names


def _shred_key(station: Station, name: str) -> None:
    """Shred a key's secrets; its public card moves to ``keys/.destroyed-<name>/`` so old
    logs and signatures can still be read, and the name is free again."""
    layout = HomeLayout(station.home)
    folder = layout.keys / name
    for secret in _SECRET_FILES:
        if (folder / secret).is_file():
            _shred_file(folder / secret)
    target = layout.keys / f".destroyed-{name}"
    if target.exists():
        shutil.rmtree(target)
    folder.rename(target)


def destroy_agreement(
    station: Station,
    number: str,
    passphrase: PassphraseFn,
    *,
    signer_name: str | None = None,
    out_dir: Path | None = None,
) -> Destruction:
    """Shred what this station holds under agreement ``number`` and certify it (§3.3).

    The seal is unlocked first (its secret goes with the rest); then outputs, imported
    packages and scoring records are shredded, the certificate is signed, kept and logged,
    and only then the keys. Run again after an interruption, it finishes the shredding and
    hands back the certificate already made.
    """
    agreement = station.trust.get(number)
    found = standing(station, agreement).destroyed
    if found is not None:
        return _finish_again(station, agreement, found, out_dir)
    signer = own_signer(station, agreement, signer_name, passphrase)
    detail = {"number": agreement.number, "agreement_sha256": agreement.sha256}
    with station.audited(
        "agreement.destroyed", actor=key_actor(signer.public), detail=detail
    ) as op:
        counts = dict.fromkeys(("outputs", "packages", "scoring_records", "changed", "gone"), 0)
        _shred_outputs(station, agreement, counts)
        keys = _keys_to_shred(station, agreement)
        counts["keys"] = len(keys)
        for name, value in counts.items():
            op.set_count(name, value)
        certificate, written = issue(
            station, "destroyed", agreement, signer, {"counts": counts}, out_dir
        )
        for name in keys:
            _shred_key(station, name)
    return Destruction(certificate, written)


def _finish_again(
    station: Station, agreement: Agreement, certificate: Statement, out_dir: Path | None
) -> Destruction:
    detail = {"number": agreement.number, "agreement_sha256": agreement.sha256, "again": "yes"}
    with station.audited("agreement.destroyed", detail=detail) as op:
        counts = dict.fromkeys(("outputs", "packages", "scoring_records", "changed", "gone"), 0)
        _shred_outputs(station, agreement, counts)
        keys = _keys_to_shred(station, agreement)
        for name in keys:
            _shred_key(station, name)
        counts["keys"] = len(keys)
        for name, value in counts.items():
            op.set_count(name, value)
    return Destruction(certificate, write_out(certificate, out_dir), again=True)
