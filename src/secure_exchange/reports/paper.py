"""The agreement as people check it: lines for the terminal and a printable A4 page.

Both render one ``AgreementView`` (trust layer), so what is confirmed before signing or
importing, what ``sx agreement show`` prints and the paper copy the parties sign and seal
carry the same facts: parties, every key's role, key id and fingerprint, the signatures a
package needs, who reads which column group, purpose, categories, validity and the digest.
"""

from __future__ import annotations

import unicodedata
from html import escape

from secure_exchange.i18n import has_message, t
from secure_exchange.trust import AgreementView, KeyLine, PartyView

__all__ = ["agreement_lines", "agreement_page", "role_name"]


def role_name(role: str) -> str:
    """A key's role in the current language (an unknown role as it is written)."""
    key = f"paper.role.{role}"
    return t(key) if has_message(key) else t("paper.role.other", role=role)


def _group_name(group: str) -> str:
    key = f"paper.group.{group}"
    return t(key) if has_message(key) else t("paper.group.other", group=group)


def _party_name(party: str) -> str:
    key = f"paper.party.{party}"
    return t(key) if has_message(key) else party


def _selector(selector: str) -> str:
    party, _, role = selector.partition(":")
    return t("paper.selector", party=_party_name(party), role=role_name(role))


def _needs(party: PartyView) -> str:
    return t("paper.sep").join(
        t("paper.need", role=role_name(r), count=n) for r, n in party.thresholds if n
    )


def _title(view: AgreementView) -> str:
    return view.title or t("paper.title_default")


def agreement_lines(view: AgreementView) -> list[str]:
    """The agreement for the terminal, one fact a line, values shown escaped."""
    lines = [
        t("paper.heading", title=_title(view), number=view.number),
        t("paper.digest", sha=view.sha256),
        t("paper.purpose", purpose=view.purpose),
        t("paper.categories", categories="、".join(view.categories)),
        t("paper.validity", start=view.valid_from, end=view.valid_until),
        t("paper.retention", end=view.retain_until),
    ]
    keys = [k for p in view.parties for k in p.keys]
    widths = (
        max((_width(role_name(k.role)) for k in keys), default=0),
        max((_width(k.name) for k in keys), default=0),
    )
    for party in view.parties:
        lines.append(t("paper.party", party=_party_name(party.party), org=party.org))
        lines.extend(_key_line(k, widths) for k in party.keys)
        lines.append(t("paper.needs", needs=_needs(party)))
    lines.append(t("paper.readers"))
    for group, selectors in view.readers:
        readers = t("paper.list_sep").join(_selector(s) for s in selectors)
        lines.append(t("paper.reader", group=_group_name(group), readers=readers))
    if view.foreign_signatures:
        lines.append(t("paper.foreign", count=view.foreign_signatures))
    lines.append(t("paper.check"))
    return lines


def _width(text: str) -> int:
    """Columns ``text`` takes on a terminal: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _key_line(key: KeyLine, widths: tuple[int, int]) -> str:
    state = t("paper.signed") if key.signed else t("paper.unsigned")
    return t(
        "paper.key",
        role=_pad(role_name(key.role), widths[0]),
        name=_pad(key.name, widths[1]),
        key_id=key.key_id,
        fp=key.fingerprint,
        state=state,
    )


_CSS = """
@page { size: A4; margin: 18mm 16mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "WenQuanYi Zen Hei", "SimSun",
  sans-serif; font-size: 10.5pt; color: #111; margin: 0; }
@media screen { body { max-width: 210mm; padding: 12mm 14mm; margin: 0 auto; } }
h1 { font-size: 17pt; text-align: center; margin: 0 0 2mm; }
.number { text-align: center; font-size: 12pt; margin: 0 0 5mm; }
.intro { font-size: 9.5pt; color: #333; margin: 0 0 4mm; }
dl { display: grid; grid-template-columns: 28mm 1fr; gap: 1.5mm 3mm; margin: 0 0 4mm; }
dt { font-weight: bold; } dd { margin: 0; }
h2 { font-size: 12.5pt; border-bottom: 1px solid #444; margin: 5mm 0 2mm; }
table { width: 100%; border-collapse: collapse; font-size: 9pt; margin: 0 0 2mm; }
th, td { border: 1px solid #777; padding: 1.2mm 1.6mm; text-align: left; vertical-align: top; }
th { background: #eee; }
.fp, .mono { font-family: "DejaVu Sans Mono", Consolas, monospace; white-space: nowrap; }
.fp { font-size: 9.5pt; letter-spacing: 0.02em; }
.boxes { display: flex; gap: 8mm; margin-top: 8mm; page-break-inside: avoid; }
.box { flex: 1; border: 1.5px solid #222; height: 52mm; padding: 3mm; position: relative; }
.box .who { font-weight: bold; }
.box .line { position: absolute; left: 3mm; right: 40mm; border-top: 1px solid #555;
  padding-top: 1mm; font-size: 9pt; }
.box .l1 { bottom: 24mm; } .box .l2 { bottom: 5mm; }
.seal { position: absolute; right: 6mm; top: 9mm; width: 30mm; height: 30mm;
  border: 1px dashed #999; border-radius: 50%; display: flex; align-items: center;
  justify-content: center; color: #999; font-size: 9pt; }
tr { page-break-inside: avoid; }
"""


def agreement_page(view: AgreementView) -> str:
    """The self-contained A4 HTML page of the agreement, with a signature box per party."""
    e = _esc
    facts = [
        (t("paper.page.purpose"), e(view.purpose)),
        (t("paper.page.categories"), e("、".join(view.categories))),
        (t("paper.page.validity"), e(f"{view.valid_from} — {view.valid_until}")),
        (t("paper.page.retention"), e(view.retain_until)),
        ("SHA-256", f'<span class="mono">{e(view.sha256)}</span>'),
    ]
    parts = [
        "<!doctype html>",
        f'<html lang="{t("paper.page.lang")}"><head><meta charset="utf-8">',
        f"<title>{e(_title(view))} {e(view.number)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(_title(view))}</h1>",
        f'<p class="number">{e(view.number)}</p>',
        f'<p class="intro">{e(t("paper.page.intro"))}</p>',
        "<dl>" + "".join(f"<dt>{e(k)}</dt><dd>{v}</dd>" for k, v in facts) + "</dl>",
    ]
    for party in view.parties:
        parts.append(_party_section(party))
    parts.append(f"<h2>{e(t('paper.page.readers'))}</h2><table>")
    for group, selectors in view.readers:
        readers = t("paper.list_sep").join(_selector(s) for s in selectors)
        parts.append(f"<tr><th>{e(_group_name(group))}</th><td>{e(readers)}</td></tr>")
    parts.append("</table>")
    parts.append('<div class="boxes">' + "".join(_box(p) for p in view.parties) + "</div>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _esc(value: str) -> str:
    return escape(value, quote=True)


def _party_section(party: PartyView) -> str:
    e = _esc
    head = t("paper.party", party=_party_name(party.party), org=party.org)
    cols = (
        t("paper.page.col.role"),
        t("paper.page.col.name"),
        t("paper.page.col.key_id"),
        t("paper.page.col.fp"),
        t("paper.page.col.signed"),
    )
    rows = "".join(
        "<tr>"
        f'<td>{e(role_name(k.role))}</td><td class="mono">{e(k.name)}</td>'
        f'<td class="mono">{e(k.key_id)}</td><td class="fp">{e(k.fingerprint)}</td>'
        f"<td>{e(t('paper.signed') if k.signed else t('paper.unsigned'))}</td></tr>"
        for k in party.keys
    )
    header = "".join(f"<th>{e(c)}</th>" for c in cols)
    needs = f"<p>{e(t('paper.page.needs', needs=_needs(party)))}</p>"
    return f"<h2>{e(head)}</h2><table><tr>{header}</tr>{rows}</table>{needs}"


def _box(party: PartyView) -> str:
    e = _esc
    who = t("paper.party", party=_party_name(party.party), org=party.org)
    return (
        f'<div class="box"><div class="who">{e(who)}</div>'
        f'<div class="seal">{e(t("paper.page.seal_here"))}</div>'
        f'<div class="line l1">{e(t("paper.page.sign_here"))}</div>'
        f'<div class="line l2">{e(t("paper.page.date"))}</div></div>'
    )
