"""The message catalogue: every key used exists, zh/en agree, nothing orphaned, one file per prefix.

The source (``src/secure_exchange`` and ``src/scoring``) is read with ``ast``; nothing of
it is run. Where a key goes is found, not listed: ``t``, ``has_message`` and the root
``FormatError`` take a key, a dataclass field ``key: str`` holds one, and any function,
class or dataclass that hands one of its parameters (or ``self.`` attributes) on to such a
place takes a key there too — ``Problem``, every error class, the ledger's ``warning``,
the package's ``_fail``... A literal in such a place must be a catalogue key, given every
placeholder it names; a key built at run time must start with one of ``DYNAMIC_PREFIXES``.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

from secure_exchange.i18n import catalogue
from secure_exchange.i18n.catalogue import CATALOGUE

SRC = Path(__file__).resolve().parents[1] / "src"
CATALOGUE_DIR = SRC / "secure_exchange" / "i18n" / "catalogue"
KEY = re.compile(r"[a-z][a-z0-9_]*(\.[A-Za-z0-9_-]+)+\Z")

# Keys completed at run time, and where: every key under these prefixes counts as used.
DYNAMIC_PREFIXES = {
    "audit.action.": "audit/report.py: action_label(code), an action in words",
    "audit.outcome.": "audit/report.py: outcome_label(code), an outcome in words",
    "audit.export.col.": "cli/audit.py: the xlsx export's column headings",
    "audit.col.": "cli/audit.py: one column heading per field of `sx audit show`",
    "audit.report.col.": "audit/report.py: column headings of the log report's tables",
    "audit.timeline.action.": "audit/timeline.py: an action on an agreement's timeline",
    "lifecycle.label.": "trust/statement.py, audit/timeline.py: reason, kind, incident codes",
    "cli.stage.": "cli/_common.py: stage names of long commands (verify, decrypt, score…)",
    "demo.file.": "cli/demo.py: one line per file the demo wrote",
    "label.": "i18n/__init__.py: label(kind, code) for purposes, roles and data groups",
    "ledger.template.kind.": "ledger/template.py: the kind of each scoring item",
    "media.state.": "cli/media.py: the state of each stick in `sx media list`",
    "people.adj.": "reports/people.py: the field a bank adjustment (ADJ:…) changes",
    "people.by.": "reports/people.py: who made a bank adjustment (ADJ:…@BY)",
    "people.reason.": "reports/people.py: an unmet base condition (E_…) in words",
    "people.sheet.": "reports/people.py: the sheet name of each kind of output",
    "paper.group.": "reports/paper.py: a column group's name in the agreement view",
    "paper.party.": "reports/paper.py: 甲方/乙方 in the agreement view",
    "paper.role.": "reports/paper.py: a key's role in the agreement view",
    "report.reason.": "reports/decisions.py: why a subject is not eligible (E_* codes)",
    "report.risk.": "reports/risk.py: headings, groups and columns of the risk table",
    "report.status.": "reports/decisions.py: a decision's status",
    "report.types.": "reports/decisions.py: a subject type in the types table",
    "status.": "cli/exchange.py: a decision's status in the score summary",
}

# Where a key goes before any flow is followed: name -> the parameters that take a key.
SEEDS = {"t": {"key"}, "has_message": {"key"}, "FormatError": {"key"}}

# Amounts are shown in each language's own unit (万元, 亿元 / millions of yuan): the caller
# passes every unit, and each language picks its placeholders from them.
OWN_UNITS = {
    "report.money": {"wan", "m", "yuan"},
    "report.money.small": {"wan", "m", "yuan"},
    "report.money.target": {"yi", "m"},
}

Scopes = tuple[ast.FunctionDef, ...]


@cache
def _sources() -> tuple[tuple[Path, ast.Module], ...]:
    return tuple(
        (path, ast.parse(path.read_text("utf-8"), str(path)))
        for package in ("secure_exchange", "scoring")
        for path in sorted((SRC / package).rglob("*.py"))
        if CATALOGUE_DIR not in path.parents
    )


def _nodes() -> Iterator[ast.AST]:
    for _path, tree in _sources():
        yield from ast.walk(tree)


def _callee(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def _calls(
    node: ast.AST, owner: ast.ClassDef | None = None, scopes: Scopes = ()
) -> Iterator[tuple[ast.Call, ast.ClassDef | None, Scopes]]:
    """Every call under ``node`` with the class and the functions it is written in."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Call):
            yield child, owner, scopes
        inner = (*scopes, child) if isinstance(child, ast.FunctionDef) else scopes
        yield from _calls(child, child if isinstance(child, ast.ClassDef) else owner, inner)


# --- who takes a key where --------------------------------------------------------------


@dataclass
class _Def:
    """A function, a method or a class's constructor: its name as called, its parameters."""

    name: str
    params: list[str]
    node: ast.FunctionDef | ast.ClassDef
    owner: ast.ClassDef | None = None
    attrs: dict[str, str] = field(default_factory=dict)  # self.<attr> -> parameter
    var_kw: bool = False  # takes **params

    def calls(self) -> list[tuple[ast.Call, ast.ClassDef | None, Scopes]]:
        return list(_calls(self.node, self.owner))


def _is_dataclass(node: ast.ClassDef) -> bool:
    def name(d: ast.expr) -> str:
        d = d.func if isinstance(d, ast.Call) else d
        return d.id if isinstance(d, ast.Name) else getattr(d, "attr", "")

    return any(name(d) == "dataclass" for d in node.decorator_list)


def _fields(node: ast.ClassDef) -> dict[str, str]:
    """A dataclass's fields and their annotations."""
    return {
        s.target.id: ast.unparse(s.annotation)
        for s in node.body
        if isinstance(s, ast.AnnAssign)
        and isinstance(s.target, ast.Name)
        and "ClassVar" not in ast.unparse(s.annotation)
    }


def _function(node: ast.FunctionDef, owner: ast.ClassDef | None) -> _Def:
    args = node.args
    params = [a.arg for a in (*args.posonlyargs, *args.args)]
    static = any(getattr(d, "id", "") == "staticmethod" for d in node.decorator_list)
    if owner is not None and not static:
        params = params[1:]
    if owner is None or node.name != "__init__":
        method = owner if not static else None
        return _Def(node.name, params, node, method, var_kw=args.kwarg is not None)
    attrs = {  # self.key = key
        target.attr: s.value.id
        for s in ast.walk(node)
        if isinstance(s, ast.Assign) and isinstance(s.value, ast.Name) and s.value.id in params
        for target in s.targets
        if isinstance(target, ast.Attribute)
    }
    return _Def(owner.name, params, node, owner, attrs, args.kwarg is not None)


@cache
def _defs() -> tuple[_Def, ...]:
    found: list[_Def] = []

    def visit(node: ast.AST, owner: ast.ClassDef | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                if _is_dataclass(child):
                    names = list(_fields(child))
                    found.append(_Def(child.name, names, child, child, {f: f for f in names}))
                visit(child, child)
            elif isinstance(child, ast.FunctionDef):
                found.append(_function(child, owner))
                visit(child, None)
            else:
                visit(child, owner)

    for _path, tree in _sources():
        visit(tree, None)
    return tuple(found)


@cache
def _bases() -> dict[str, list[str]]:
    return {
        node.name: [b.id for b in node.bases if isinstance(b, ast.Name)]
        for node in _nodes()
        if isinstance(node, ast.ClassDef)
    }


def _lineage(name: str) -> Iterator[str]:
    """``name``, its first base, that one's first base..."""
    while name:
        yield name
        name = next(iter(_bases().get(name, [])), "")


@cache
def _signatures() -> dict[str, list[_Def]]:
    """Definitions by name; a class without a constructor of its own takes its base's."""
    sigs: dict[str, list[_Def]] = {}
    for d in _defs():
        sigs.setdefault(d.name, []).append(d)
    for name in _bases():
        own = next((sigs[b] for b in _lineage(name) if b in sigs), None)
        if own is not None:
            sigs.setdefault(name, own)
    return sigs


def _key_args(
    call: ast.Call, keys: dict[str, set[str]], owner: ast.ClassDef | None
) -> list[ast.expr]:
    """The arguments of ``call`` that are message keys, as far as ``keys`` knows."""
    name = _callee(call)
    if name == "__init__" and owner is not None:  # super().__init__(...)
        name = next(iter(_bases().get(owner.name, [])), "")
    wanted = keys.get(name, set())
    found = [k.value for k in call.keywords if k.arg in wanted]
    by_name = isinstance(call.func, ast.Name)  # error(...) is no method; x.error(...) may be
    for d in _signatures().get(name, []):
        if by_name and d.owner is not None and d.name != d.owner.name:
            continue
        found += [
            call.args[i] for i, p in enumerate(d.params) if p in wanted and i < len(call.args)
        ]
    return found


def _origin(arg: ast.expr, d: _Def, same_class: list[_Def]) -> list[tuple[str, str]]:
    """The (callable, parameter) pairs a key argument written in ``d`` comes from."""
    if isinstance(arg, ast.Name) and arg.id in d.params and d.node is not d.owner:
        return [(d.name, arg.id)]
    if (
        isinstance(arg, ast.Attribute)
        and isinstance(arg.value, ast.Name)
        and arg.value.id == "self"
    ):
        return [(h.name, h.attrs[arg.attr]) for h in same_class if arg.attr in h.attrs]
    return []


@cache
def key_params() -> dict[str, set[str]]:
    """Callable name -> the parameters that take a message key, followed to a fixed point."""
    keys = {name: set(params) for name, params in SEEDS.items()}
    for d in _defs():
        if isinstance(d.node, ast.ClassDef) and _fields(d.node).get("key") == "str":
            keys.setdefault(d.name, set()).add("key")
    by_class: dict[int, list[_Def]] = {}
    for d in _defs():
        if d.owner is not None:
            by_class.setdefault(id(d.owner), []).append(d)
    work = [(d, d.calls(), by_class.get(id(d.owner), [])) for d in _defs()]
    learnt = True
    while learnt:
        learnt = False
        for d, calls, same_class in work:
            for call, owner, _scopes in calls:
                for arg in _key_args(call, keys, owner):
                    for name, param in _origin(arg, d, same_class):
                        learnt |= param not in keys.setdefault(name, set())
                        keys[name].add(param)
        for name in _bases():  # a class takes a key where its bases do
            inherited = set().union(*(keys.get(b, set()) for b in _lineage(name)))
            learnt |= not inherited <= keys.setdefault(name, set())
            keys[name] |= inherited
    return keys


# --- where keys are used ----------------------------------------------------------------


@dataclass(frozen=True)
class Use:
    """A key (or, when ``dynamic``, the constant start of one) passed where a key goes."""

    text: str
    dynamic: bool
    where: str
    call: ast.Call | None = None


def _head(node: ast.expr, scopes: Scopes = ()) -> str:
    """The constant start of a key built at run time: a literal, or a parameter's default."""
    if isinstance(node, ast.JoinedStr) and node.values:
        return _head(node.values[0], scopes)
    if isinstance(node, ast.Constant):
        return str(node.value)
    if isinstance(node, ast.Name):
        for scope in reversed(scopes):
            args = scope.args
            positional = [*args.posonlyargs, *args.args]
            for a, default in zip(positional[::-1], args.defaults[::-1], strict=False):
                if a.arg == node.id and isinstance(default, ast.Constant):
                    return str(default.value)
    return ""


def _uses_in(arg: ast.expr, where: str, call: ast.Call | None, scopes: Scopes) -> Iterator[Use]:
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        yield Use(arg.value, False, where, call)
    elif isinstance(arg, ast.IfExp):
        yield from _uses_in(arg.body, where, call, scopes)
        yield from _uses_in(arg.orelse, where, call, scopes)
    elif isinstance(arg, ast.JoinedStr):
        yield Use(_head(arg, scopes), True, where)
    elif isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Add):
        yield Use(_head(arg.left, scopes), True, where)


def _key_defaults(d: _Def) -> Iterator[ast.expr]:
    """Default values of the parameters of ``d`` that take a key."""
    if not isinstance(d.node, ast.FunctionDef):
        return
    args = d.node.args
    positional = [*args.posonlyargs, *args.args]
    pairs = [
        *zip(positional[::-1], args.defaults[::-1], strict=False),
        *((a, v) for a, v in zip(args.kwonlyargs, args.kw_defaults, strict=True) if v),
    ]
    yield from (value for a, value in pairs if a.arg in key_params().get(d.name, set()))


@cache
def uses() -> tuple[Use, ...]:
    found: list[Use] = []
    for path, tree in _sources():
        rel = path.relative_to(SRC)
        for call, owner, scopes in _calls(tree):
            for arg in _key_args(call, key_params(), owner):
                found += _uses_in(arg, f"{rel}:{arg.lineno}", call, scopes)
    for d in _defs():
        for value in _key_defaults(d):
            found += _uses_in(value, f"{d.name} (default)", None, ())
    return tuple(found)


def _given(call: ast.Call) -> set[str] | None:
    """The placeholders a call fills: its keywords, or a literal ``params`` dict (Problem);
    ``None`` when they are not known here (``**params``, a dict built elsewhere)."""
    if _callee(call) == "Problem":
        params = next((k.value for k in call.keywords if k.arg == "params"), None)
        params = call.args[1] if len(call.args) > 1 else params
        if params is None:
            return set()
        if isinstance(params, ast.Dict) and None not in params.keys:
            return {k.value for k in params.keys if isinstance(k, ast.Constant)}
        return None
    if _callee(call) != "t" and not any(  # helpers may fill placeholders themselves
        d.var_kw and d.owner is not None and d.name == d.owner.name
        for d in _signatures().get(_callee(call), [])
    ):
        return None
    names = {k.arg for k in call.keywords}
    return None if None in names else {n for n in names if n is not None}


def _fields_of(template: str) -> list[tuple[str, str, str]]:
    return sorted(
        (name, spec or "", conversion or "")
        for _text, name, spec, conversion in string.Formatter().parse(template)
        if name is not None
    )


def _tables() -> dict[str, dict[str, tuple[str, str]]]:
    names = sorted(m.name for m in pkgutil.iter_modules(catalogue.__path__))
    return {
        name: importlib.import_module(f"{catalogue.__name__}.{name}").MESSAGES for name in names
    }


# --- the source's side ------------------------------------------------------------------


def test_the_flow_finds_the_known_places() -> None:
    """A guard on the flow itself: where keys are known to go is found."""
    keys = key_params()
    expected = ["Problem", "SecureExchangeError", "VerificationError", "PolicyError", "Flag"]
    assert [name for name in expected if "key" not in keys.get(name, set())] == []
    assert "check" not in keys["VerificationError"]
    assert "action" not in keys.get("audited", set())  # an audit event name is not a key


def test_every_key_used_exists() -> None:
    missing = sorted(
        f"{u.where}: {u.text}" for u in uses() if not u.dynamic and u.text not in CATALOGUE
    )
    assert missing == []


def test_every_placeholder_is_filled() -> None:
    """A literal key passed with its parameters gets every placeholder it names."""
    short = []
    for use in uses():
        given = _given(use.call) if use.call is not None else None
        if use.text not in CATALOGUE or given is None:
            continue
        wanted = {name for name, _s, _c in _fields_of(CATALOGUE[use.text][1])}
        if wanted - given:
            short.append(f"{use.where}: {use.text} lacks {sorted(wanted - given)}")
    assert short == []


def test_keys_built_at_run_time_use_a_documented_prefix() -> None:
    undocumented = sorted(
        f"{u.where}: {u.text!r}…" for u in uses() if u.dynamic and u.text not in DYNAMIC_PREFIXES
    )
    assert undocumented == []


def test_every_dynamic_prefix_is_used_and_has_keys() -> None:
    heads = {
        _head(node if isinstance(node, ast.JoinedStr) else node.left)
        for node in _nodes()
        if isinstance(node, ast.JoinedStr)
        or (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add))
    }
    used = heads | {u.text for u in uses() if u.dynamic}
    assert sorted(set(DYNAMIC_PREFIXES) - used) == []
    assert [p for p in DYNAMIC_PREFIXES if not any(k.startswith(p) for k in CATALOGUE)] == []


# --- the catalogue's side ---------------------------------------------------------------


def test_keys_are_well_formed() -> None:
    assert sorted(k for k in CATALOGUE if not KEY.match(k)) == []


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_zh_and_en_have_the_same_placeholders(key: str) -> None:
    zh, en = CATALOGUE[key]
    assert zh.strip()
    assert en.strip()
    if key in OWN_UNITS:
        assert {f[0] for f in (*_fields_of(zh), *_fields_of(en))} <= OWN_UNITS[key]
    else:
        assert _fields_of(zh) == _fields_of(en)


def test_own_units_differ_indeed() -> None:
    same = [k for k in OWN_UNITS if _fields_of(CATALOGUE[k][0]) == _fields_of(CATALOGUE[k][1])]
    assert same == []


def test_no_orphans() -> None:
    literals = {n.value for n in _nodes() if isinstance(n, ast.Constant)}
    orphans = sorted(
        key
        for key in CATALOGUE
        if key not in literals and not any(key.startswith(p) for p in DYNAMIC_PREFIXES)
    )
    assert orphans == []


def test_one_file_per_key_prefix() -> None:
    misplaced = sorted(
        f"{name}.py: {key}"
        for name, table in _tables().items()
        for key in table
        if key.split(".", 1)[0] != name
    )
    assert misplaced == []


def test_no_key_written_twice_in_a_file() -> None:
    twice = []
    for path in sorted(CATALOGUE_DIR.glob("*.py")):
        seen: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Dict):
                for k in node.keys:
                    if isinstance(k, ast.Constant) and isinstance(k.value, str):
                        twice += [f"{path.name}: {k.value}"] if k.value in seen else []
                        seen.add(k.value)
    assert twice == []
