#!/usr/bin/env python3
"""Extract the credential-relevant API surface of the Azure SDK crates for Rust.

Writes scripts/sdk_catalogue/surface/rust.tsv (format: scripts/sdk_catalogue/README.md).

How it reads the crates: for each crate pinned in CRATES below it runs
`nice -n 19 cargo info <crate>@<version>` from a scratch folder under /tmp. That is cargo's own
client downloading exactly that one `.crate` file into ~/.cargo/registry/cache (no dependency
graph, no build). The `.crate` (a tar.gz) is then read with `tarfile`, never unpacked into the
repo. Only `src/**/*.rs` is read; `#[cfg(test)]` items, `macro_rules!` bodies and macro
invocations are skipped.

What it records (facts only: type, member, parameter names and types):
- inherent `impl` blocks of a type: every `pub fn`. A type is kept when one of its members, a
  parameter name or a parameter type is credential-like (CRED below, after NONCRED words such as
  `partition_key` or `continuation_token` are blanked out), or when it has a credential-like pub
  field. For a kept type every associated function without `self` is written (`new` as `ctor`,
  the rest as `static`), plus the `method`s whose name, parameter or return type is credential-like.
- pub struct fields whose name or type is credential-like (`field`, `name?:T` for `Option<T>`).
- pub enum variants whose name or payload is credential-like, as `static` rows returning the enum
  (e.g. `AuthorizationToken::PrimaryKey(Vec<u8>)`), positional payloads named `_0`, `_1`.
- pub free functions whose name or parameters are credential-like (`static`, type `-`).

Types are written as in the source with paths, lifetimes and `Self` resolved away: a generic
parameter is replaced by `impl <its bounds>` (so `new<A: Into<String>>(account: A)` and
`new(account: impl Into<String>)` read the same), `Self` by the type's name. Rust has no optional
parameters: an `Option<T>` parameter is still positional and is written as `name:Option<T>`.
Namespace is the crate (as `use` paths start with it). Feature-gated items are included (the
gate is not a column).

Crates whose only credential is a `TokenCredential` (Key Vault: "identity only") are in
TYPE_ONLY: there, parameter *names* such as `key_name` do not count, only credential types.

Usage: python3 scripts/sdk_catalogue/extract_rust.py [--offline]
  --offline: do not call cargo; the .crate files must already be in ~/.cargo/registry/cache.
"""
import glob
import os
import re
import subprocess
import sys
import tarfile

# (crate, exact version). Legacy line: the community/unofficial 0.x crates frozen at 0.21.0
# (github azure-sdk-for-rust `legacy` branch); older pins of that line (0.1.0, 0.5.0, 0.10.0) are
# read too because their call shapes differ (StorageAccountClient::new_access_key(http, account,
# key), AuthorizationToken::primary_from_base64, ...). Current line: the official 1.x crates, and
# azure_data_cosmos 0.30.0, the last preview with CosmosClient::new/with_key/with_connection_string.
# Rows of an older pin are written only for shapes (type, kind, member, params, returns) that no
# newer pin of the same crate has, so each shape appears once, at its newest version.
CRATES = [
    ("azure_core", "0.21.0"),
    ("azure_core", "1.1.0"),
    ("azure_core_amqp", "1.0.0"),
    ("azure_identity", "0.21.0"),
    ("azure_identity", "1.0.0"),
    ("azure_storage", "0.21.0"),
    ("azure_storage_blobs", "0.21.0"),
    ("azure_storage_queues", "0.21.0"),
    ("azure_storage_datalake", "0.21.0"),
    ("azure_data_tables", "0.21.0"),
    ("azure_storage_blob", "1.1.0"),
    ("azure_storage_queue", "1.1.0"),
    ("azure_storage_common", "1.0.0"),
    ("azure_data_cosmos", "0.21.0"),
    ("azure_data_cosmos", "0.30.0"),
    ("azure_data_cosmos", "1.0.0"),
    ("azure_messaging_servicebus", "0.21.0"),
    ("azure_messaging_eventgrid", "0.21.0"),
    ("azure_messaging_eventhubs", "0.16.0"),
    ("azure_iot_hub", "0.21.0"),
    ("azure_security_keyvault", "0.21.0"),
    ("azure_security_keyvault_secrets", "1.0.1"),
    ("azure_security_keyvault_keys", "1.0.1"),
    ("azure_security_keyvault_certificates", "1.0.1"),
    # older pins of the legacy line
    ("azure_core", "0.10.0"),
    ("azure_identity", "0.10.0"),
    ("azure_identity", "0.5.0"),
    ("azure_identity", "0.1.1"),
    ("azure_storage", "0.10.0"),
    ("azure_storage", "0.5.0"),
    ("azure_storage", "0.1.0"),
    ("azure_storage_blobs", "0.10.0"),
    ("azure_storage_blobs", "0.1.0"),
    ("azure_storage_queues", "0.10.0"),
    ("azure_storage_queues", "0.1.0"),
    ("azure_storage_datalake", "0.10.0"),
    ("azure_storage_datalake", "0.1.0"),
    ("azure_data_tables", "0.10.0"),
    ("azure_data_tables", "0.1.0"),
    ("azure_data_cosmos", "0.10.0"),
    ("azure_data_cosmos", "0.1.0"),
    ("azure_messaging_servicebus", "0.10.0"),
    ("azure_messaging_servicebus", "0.1.0"),
    ("azure_messaging_eventgrid", "0.1.0"),
    ("azure_iot_hub", "0.10.0"),
    ("azure_iot_hub", "0.1.0"),
    ("azure_security_keyvault", "0.10.0"),
    ("azure_security_keyvault", "0.1.0"),
]


def vkey(v):
    return tuple(int(x) if x.isdigit() else 0 for x in re.split(r"[.-]", v))

TYPE_ONLY = {
    "azure_security_keyvault",
    "azure_security_keyvault_secrets",
    "azure_security_keyvault_keys",
    "azure_security_keyvault_certificates",
}

CRED = re.compile(r"(?i)conn(ection)?.?str|key|sas|signature|secret|password|credential|token")
# Words that match CRED but name no credential (data keys, paging and session tokens, ...).
NONCRED = re.compile(
    r"(?i)partition_?key\w*|row_?key|sort_?key|shard_?key\w*|unique_?key\w*|key_?(path|policy|range|vault_?key|type|ops|operation|size|curve|rotation|release|properties|bundle|attributes|item)s?\w*"
    r"|continuation(_?token)?|session_?token|cancellation_?token|idempotency_?token|next_?token|page_?token"
    r"|lease_?(id|token)|sequence_?token|(keyed|key_?value|metadata|header|query|json|index|hash|range)_?keys?"
    r"|\bk\b|hotkey|monkey|turkey|keep_?alive|csrf\w*|lock_?token|token_?type|key_?kind|parition_?key"
    r"|(source_)?encryption_?key\w*|customer_provided_key\w*|\w*token_?intent|file_request_intent"
    r"|\w*annotation_?key|contains_?key|lifetime_?token"
)
# A parameter or field named just `key` is a map / header / tag key, not a credential, when it is
# paired with a `value`, has a generic or header/AMQP type, or sits on a tag/header/property type.
MAP_KEY_TYPE = re.compile(r"^(&?K|&?impl (PartialEq|Sized|Eq).*|.*(HeaderName|Amqp\w*).*)$")
MAP_KEY_OWNER = re.compile(r"Tag|Header|Propert|Metadata|Map|Annotation")
# Types that are not API surface a caller authenticates with (process environment access).
DROP_TYPES = {"Env"}
# Credential types for TYPE_ONLY crates.
TYPE_ONLY_CRED = re.compile(r"Credential")

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "surface", "rust.tsv")
SCRATCH = "/tmp/keyless-sdk-rust"
HEADER = "package\tversion\tnamespace\ttype\tkind\tmember\tparams\treturns\tsource"


def credlike(s):
    return bool(s) and bool(CRED.search(NONCRED.sub(" ", s)))


# ---------------------------------------------------------------- fetching

def crate_file(name, version):
    pat = os.path.expanduser(f"~/.cargo/registry/cache/*/{name}-{version}.crate")
    hits = sorted(glob.glob(pat))
    return hits[0] if hits else None


def fetch(name, version, offline):
    path = crate_file(name, version)
    if path or offline:
        return path
    os.makedirs(SCRATCH, exist_ok=True)
    subprocess.run(["nice", "-n", "19", "cargo", "info", f"{name}@{version}"], cwd=SCRATCH,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return crate_file(name, version)


# ---------------------------------------------------------------- lexer

TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<lc>//[^\n]*)
  | (?P<bc>/\*)
  | (?P<raw>b?r(?P<h>\#*)")
  | (?P<str>b?"(?:\\.|[^"\\])*")
  | (?P<chr>b?'(?:\\(?:u\{[0-9a-fA-F]+\}|x[0-9a-fA-F]{2}|.)|[^'\\])')
  | (?P<life>'[A-Za-z_]\w*)
  | (?P<id>[A-Za-z_]\w*)
  | (?P<num>\d[\w.]*)
  | (?P<p>::|->|=>|\.\.\.|\.\.=|\.\.|[^\s\w])
""", re.X | re.S)


def lex(text):
    toks = []
    i, n = 0, len(text)
    while i < n:
        m = TOKEN.match(text, i)
        if not m:
            i += 1
            continue
        kind = m.lastgroup
        if kind == "h":
            kind = "raw"
        if kind == "bc":
            depth, j = 1, m.end()
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            i = j
            continue
        if kind == "raw":
            close = '"' + m.group("h")
            j = text.find(close, m.end())
            i = len(text) if j < 0 else j + len(close)
            toks.append(("str", '""'))
            continue
        i = m.end()
        if kind in ("ws", "lc"):
            continue
        toks.append((kind, m.group(0)))
    return toks


# ---------------------------------------------------------------- token helpers

OPEN = {"(": ")", "[": "]", "{": "}"}


def match_close(toks, i):
    """toks[i] is an opening bracket; return the index of its partner."""
    o = toks[i][1]
    c = OPEN[o]
    depth = 0
    for j in range(i, len(toks)):
        t = toks[j][1]
        if t == o:
            depth += 1
        elif t == c:
            depth -= 1
            if depth == 0:
                return j
    return len(toks) - 1


def match_angle(toks, i):
    """toks[i] is '<'; return index of the matching '>' (parens/brackets nest)."""
    depth = 0
    j = i
    while j < len(toks):
        t = toks[j][1]
        if t in OPEN:
            j = match_close(toks, j) + 1
            continue
        if t == "<":
            depth += 1
        elif t == ">":
            depth -= 1
            if depth == 0:
                return j
        j += 1
    return len(toks) - 1


def split_top(toks, sep=","):
    """Split a token list at top-level separators."""
    parts, cur, depth = [], [], 0
    for t in toks:
        v = t[1]
        if v in ("(", "[", "{", "<"):
            depth += 1
        elif v in (")", "]", "}", ">"):
            depth -= 1
        if v == sep and depth == 0:
            parts.append(cur)
            cur = []
        else:
            cur.append(t)
    if cur:
        parts.append(cur)
    return parts


WORDY = ("id", "life", "num", "str", "chr")


def render(toks, self_name=None, generics=None):
    """Tokens of a type -> a string: no paths, no lifetimes, Self resolved, generics as impl."""
    generics = generics or {}
    out = []
    k = 0
    while k < len(toks):
        kind, v = toks[k]
        # drop path qualification: a :: b :: C -> C
        if kind == "id" and k + 1 < len(toks) and toks[k + 1][1] == "::":
            k += 2
            continue
        if v == "::":
            k += 1
            continue
        if kind == "life":
            k += 1
            continue
        if kind == "id" and v == "Self" and self_name:
            out.append(("id", self_name))
        elif kind == "id" and v in generics and (not out or out[-1][1] != "impl"):
            out.append(("id", "impl " + generics[v]))
        else:
            out.append((kind, v))
        k += 1
    s = ""
    prev = None
    for kind, v in out:
        if prev is not None:
            if (prev[0] in WORDY and kind in WORDY) or v in ("+", "->", "=") or prev[1] in ("+", "->", "=", ",", ";"):
                s += " "
            elif prev[1] == ":" and v != ":":
                s += " "
        s += v
        prev = (kind, v)
    # tidy what dropping lifetimes leaves behind
    for _ in range(3):
        s = re.sub(r"<\s*,\s*", "<", s)
        s = re.sub(r",\s*>", ">", s)
        s = re.sub(r",\s*,", ",", s)
        s = s.replace("<>", "")
        s = re.sub(r"\bdyn \+ ", "dyn ", s)
        s = re.sub(r" \+\s*(?=[>,)]|$)", "", s)
    s = s.replace("&mut ", "&mut ").replace("\t", " ")
    return s.strip()


def parse_generics(toks):
    """Tokens between < and > of a generics list -> {name: bound-string} (lifetimes dropped)."""
    g = {}
    for part in split_top(toks):
        if not part or part[0][0] == "life":
            continue
        if part[0][1] == "const":
            continue
        name = part[0][1]
        bound = []
        if len(part) > 2 and part[1][1] == ":":
            bound = part[2:]
            # drop a default `= X`
            for q, t in enumerate(bound):
                if t[1] == "=":
                    bound = bound[:q]
                    break
        g[name] = bound
    return g


def parse_where(toks, g):
    for part in split_top(toks):
        if len(part) > 2 and part[0][0] == "id" and part[1][1] == ":":
            name = part[0][1]
            if name in g:
                g[name] = (g[name] + [("p", "+")] if g[name] else []) + part[2:]


def finish_generics(g, self_name):
    out = {}
    for name, bound in g.items():
        b = render(bound, self_name)
        b = " + ".join(x.strip() for x in b.split("+") if x.strip() and not x.strip().startswith("'"))
        out[name] = b or "Sized"
    return out


# ---------------------------------------------------------------- item parser

class Item:
    __slots__ = ("kind", "type", "member", "params", "returns", "path", "selfish", "raw")

    def __init__(self, kind, type_, member, params, returns, path, selfish=False, raw=""):
        self.kind, self.type, self.member, self.params = kind, type_, member, params
        self.returns, self.path, self.selfish, self.raw = returns, path, selfish, raw


def skip_attr(toks, i):
    """toks[i] == '#'; return (index after attribute, attribute text)."""
    j = i + 1
    if j < len(toks) and toks[j][1] == "!":
        j += 1
    if j < len(toks) and toks[j][1] == "[":
        e = match_close(toks, j)
        return e + 1, " ".join(t[1] for t in toks[j:e + 1])
    return i + 1, ""


def parse_fn(toks, i, self_name, outer=None):
    """toks[i] == 'fn'. Return (end index, name, params, returns, has_self)."""
    name = toks[i + 1][1]
    j = i + 2
    g = {k: list(v) for k, v in (outer or {}).items()}
    if j < len(toks) and toks[j][1] == "<":
        e = match_angle(toks, j)
        g.update(parse_generics(toks[j + 1:e]))
        j = e + 1
    if j >= len(toks) or toks[j][1] != "(":
        return j, None, None, None, None
    pe = match_close(toks, j)
    ptoks = toks[j + 1:pe]
    j = pe + 1
    ret = []
    if j < len(toks) and toks[j][1] == "->":
        j += 1
        depth = 0
        while j < len(toks):
            v = toks[j][1]
            if depth == 0 and v in ("where", "{", ";"):
                break
            if v in ("(", "[", "<"):
                depth += 1
            elif v in (")", "]", ">"):
                depth -= 1
            ret.append(toks[j])
            j += 1
    if j < len(toks) and toks[j][1] == "where":
        k = j + 1
        depth = 0
        while k < len(toks):
            v = toks[k][1]
            if depth == 0 and v in ("{", ";"):
                break
            if v in ("(", "[", "<"):
                depth += 1
            elif v in (")", "]", ">"):
                depth -= 1
            k += 1
        parse_where(toks[j + 1:k], g)
        j = k
    if j < len(toks) and toks[j][1] == "{":
        j = match_close(toks, j) + 1
    elif j < len(toks) and toks[j][1] == ";":
        j += 1
    gens = finish_generics(g, self_name)
    params = []
    has_self = False
    for part in split_top(ptoks):
        if not part:
            continue
        # strip attributes on parameters
        while part and part[0][1] == "#":
            e = match_close(part, 1) if len(part) > 1 and part[1][1] == "[" else 0
            part = part[e + 1:]
        colon = next((q for q, t in enumerate(part) if t[1] == ":"), None)
        pat = part if colon is None else part[:colon]
        if any(t[1] == "self" for t in pat):
            has_self = True
            continue
        pname = "".join(t[1] for t in pat if t[1] not in ("mut", "ref"))
        ptype = render(part[colon + 1:], self_name, gens) if colon is not None else ""
        params.append((pname, ptype))
    returns = render(ret, self_name, gens) if ret else "()"
    return j, name, params, returns, has_self


def parse_file(toks, relpath):
    """Yield Items for one source file."""
    items = []

    def block(i, end, impl_type, in_trait_impl, impl_gen=None):
        attrs = []
        while i < end:
            kind, v = toks[i]
            if v == "#":
                i, a = skip_attr(toks, i)
                attrs.append(a)
                continue
            is_test = any(re.search(r"cfg \( (all \( )?test\b", a) for a in attrs)
            if v == "macro_rules":
                # macro_rules! name { ... }
                j = i
                while j < end and toks[j][1] not in OPEN:
                    j += 1
                i = match_close(toks, j) + 1 if j < end else end
                attrs = []
                continue
            if kind == "id" and i + 1 < end and toks[i + 1][1] == "!":
                # macro invocation at item level
                j = i + 2
                if j < end and toks[j][0] == "id":
                    j += 1
                if j < end and toks[j][1] in OPEN:
                    j = match_close(toks, j) + 1
                if j < end and toks[j][1] == ";":
                    j += 1
                i = j
                attrs = []
                continue
            pub = False
            if v == "pub":
                pub = True
                i += 1
                if i < end and toks[i][1] == "(":
                    # pub(crate) / pub(super) / pub(in ...) are not public API
                    pub = False
                    i = match_close(toks, i) + 1
                kind, v = toks[i]
            # qualifiers
            while v in ("async", "const", "unsafe", "extern", "default") or kind == "str":
                if v == "const" and i + 1 < end and toks[i + 1][1] != "fn":
                    break
                i += 1
                kind, v = toks[i]
            if v == "fn":
                j, name, params, returns, has_self = parse_fn(toks, i, impl_type, impl_gen)
                if name and pub and not is_test and not in_trait_impl:
                    if impl_type:
                        if has_self:
                            items.append(Item("method", impl_type, name, params, returns, relpath, True))
                        elif name == "new":
                            items.append(Item("ctor", impl_type, name, params, "-", relpath))
                        else:
                            items.append(Item("static", impl_type, name, params, returns, relpath))
                    else:
                        items.append(Item("free", "-", name, params, returns, relpath))
                i = j
                attrs = []
                continue
            if v == "impl":
                j = i + 1
                igen = {}
                if j < end and toks[j][1] == "<":
                    e = match_angle(toks, j)
                    igen = parse_generics(toks[j + 1:e])
                    j = e + 1
                head = []
                while j < end and toks[j][1] not in ("{", ";"):
                    head.append(toks[j])
                    j += 1
                trait = False
                depth = 0
                for q, t in enumerate(head):
                    if t[1] == "<":
                        depth += 1
                    elif t[1] == ">":
                        depth -= 1
                    elif t[1] == "for" and depth == 0:
                        trait = True
                        head = head[q + 1:]
                        break
                # self type name: last path segment before generics / where
                tname = None
                depth = 0
                for t in head:
                    if t[1] == "<":
                        depth += 1
                    elif t[1] == ">":
                        depth -= 1
                    elif t[1] == "where" and depth == 0:
                        break
                    elif depth == 0 and t[0] == "id" and t[1] not in ("dyn", "mut"):
                        tname = t[1]
                wq = next((q for q, t in enumerate(head) if t[1] == "where"), None)
                if wq is not None:
                    parse_where(head[wq + 1:], igen)
                if j < end and toks[j][1] == "{":
                    e = match_close(toks, j)
                    if not is_test:
                        block(j + 1, e, tname, trait, igen)
                    i = e + 1
                else:
                    i = j + 1
                attrs = []
                continue
            if v == "mod":
                j = i + 2
                if j < end and toks[j][1] == "{":
                    e = match_close(toks, j)
                    if not is_test:
                        block(j + 1, e, None, False)
                    i = e + 1
                else:
                    i = j + 1
                attrs = []
                continue
            if v in ("struct", "enum", "union") and toks[i + 1][0] == "id":
                sname = toks[i + 1][1]
                j = i + 2
                if j < end and toks[j][1] == "<":
                    j = match_angle(toks, j) + 1
                while j < end and toks[j][1] not in ("{", ";", "("):
                    j += 1
                if j < end and toks[j][1] in ("{", "("):
                    e = match_close(toks, j)
                    if pub and not is_test:
                        body = toks[j + 1:e]
                        if v == "enum":
                            enum_items(body, sname, relpath, items)
                        elif toks[j][1] == "{":
                            struct_items(body, sname, relpath, items)
                    j = e + 1
                    if j < end and toks[j][1] == "where":
                        while j < end and toks[j][1] not in (";", "{"):
                            j += 1
                    if j < end and toks[j][1] == ";":
                        j += 1
                else:
                    j += 1
                i = j
                attrs = []
                continue
            if v in ("trait",):
                j = i
                while j < end and toks[j][1] not in ("{", ";"):
                    j += 1
                i = match_close(toks, j) + 1 if j < end and toks[j][1] == "{" else j + 1
                attrs = []
                continue
            if v in OPEN:
                i = match_close(toks, i) + 1
                attrs = []
                continue
            i += 1
            if v == ";":
                attrs = []

    block(0, len(toks), None, False)
    return items


def struct_items(body, sname, relpath, items):
    for part in split_top(body):
        while part and part[0][1] == "#":
            e = match_close(part, 1) if len(part) > 1 and part[1][1] == "[" else 0
            part = part[e + 1:]
        if len(part) < 4 or part[0][1] != "pub" or part[1][1] == "(":
            continue
        if part[2][1] != ":":
            continue
        fname = part[1][1]
        ftype = part[3:]
        optional = bool(ftype) and ftype[0][1] == "Option" and len(ftype) > 2 and ftype[1][1] == "<"
        if optional:
            ftype = ftype[2:-1]
        t = render(ftype, sname)
        items.append(Item("field", sname, fname, [(fname + ("?" if optional else ""), t)], "-", relpath))


def enum_items(body, ename, relpath, items):
    for part in split_top(body):
        while part and part[0][1] == "#":
            e = match_close(part, 1) if len(part) > 1 and part[1][1] == "[" else 0
            part = part[e + 1:]
        if not part or part[0][0] != "id":
            continue
        vname = part[0][1]
        params = []
        if len(part) > 1 and part[1][1] == "(":
            e = match_close(part, 1)
            for q, p in enumerate(split_top(part[2:e])):
                params.append((f"_{q}", render(p, ename)))
        elif len(part) > 1 and part[1][1] == "{":
            e = match_close(part, 1)
            for p in split_top(part[2:e]):
                if len(p) > 2 and p[1][1] == ":":
                    params.append((p[0][1], render(p[2:], ename)))
        items.append(Item("variant", ename, vname, params, ename, relpath))


# ---------------------------------------------------------------- selection

def fmt_params(params):
    return ";".join(f"{n}:{t}" for n, t in params)


def select(items, crate):
    type_only = crate in TYPE_ONLY

    def name_cred(name, ptype, owner, params=(), idx=0):
        name = name.rstrip("?")
        if type_only or not credlike(name):
            return False
        # `token: impl Into<SessionToken>`: the type says which token it is, and it is no credential
        if ptype and CRED.search(ptype) and not credlike(ptype):
            return False
        if name == "key":
            nxt = params[idx + 1][0] if idx + 1 < len(params) else ""
            if nxt == "value" or MAP_KEY_TYPE.match(ptype) or MAP_KEY_OWNER.search(owner):
                return False
        return True

    def type_cred(t):
        return bool(TYPE_ONLY_CRED.search(t)) if type_only else credlike(t)

    def param_cred(params, owner):
        return any(type_cred(t) or name_cred(n, t, owner, params, q) for q, (n, t) in enumerate(params))

    items = [it for it in items if it.type not in DROP_TYPES]
    kept_types = set()
    for it in items:
        if it.kind in ("ctor", "static", "method", "field") and param_cred(it.params, it.type):
            kept_types.add(it.type)
        elif it.kind in ("ctor", "static") and name_cred(it.member, "", it.type):
            kept_types.add(it.type)
        elif it.kind == "method" and it.params and name_cred(it.member, "", it.type):
            kept_types.add(it.type)
    # A type whose own name is credential-like (StorageCredentials, SecretBytes) is kept too.
    named = {it.type for it in items if it.kind in ("ctor", "static") and it.type != "-"
             and (TYPE_ONLY_CRED.search(it.type) if type_only else credlike(it.type))}
    # Factories returning a kept builder (ProducerClient::builder() -> ProducerClientBuilder).
    kept_all = kept_types | named
    out = []
    for it in items:
        if it.kind == "free":
            if param_cred(it.params, "-") or name_cred(it.member, "", "-"):
                out.append(("-", "static", it.member, fmt_params(it.params), it.returns, it.path))
            continue
        if it.kind == "variant":
            if it.type.endswith("Error"):
                continue
            if param_cred(it.params, it.type) or (name_cred(it.member, "", it.type) and credlike(it.type)):
                out.append((it.type, "static", it.member, fmt_params(it.params), it.returns, it.path))
            continue
        row = (it.type, it.kind, it.member, fmt_params(it.params), it.returns, it.path)
        if it.kind in ("ctor", "static"):
            if it.type in kept_all or (it.kind == "static" and it.returns in kept_types):
                out.append(row)
        elif it.type not in kept_types:
            continue
        elif it.kind == "method":
            if param_cred(it.params, it.type) or name_cred(it.member, "", it.type) or (
                    not type_only and credlike(it.returns)
                    and re.sub(r"^&(mut )?", "", it.returns) != it.type):
                out.append(row)
        elif it.kind == "field":
            if param_cred(it.params, it.type):
                out.append((it.type, "field", it.member, fmt_params(it.params), "-", it.path))
    return out


def clean(s):
    return re.sub(r"\s+", " ", s.replace("\t", " ")).strip()


def main():
    offline = "--offline" in sys.argv
    rows = set()
    missing = []
    seen = set()
    for crate, version in sorted(CRATES, key=lambda cv: (cv[0], vkey(cv[1])), reverse=True):
        path = fetch(crate, version, offline)
        if not path:
            missing.append(f"{crate}@{version}")
            continue
        items = []
        with tarfile.open(path, "r:gz") as tar:
            for m in sorted(tar.getmembers(), key=lambda m: m.name):
                parts = m.name.split("/", 1)
                if len(parts) < 2 or not m.isfile():
                    continue
                rel = parts[1]
                if not rel.startswith("src/") or not rel.endswith(".rs"):
                    continue
                if re.search(r"(^|/)(tests?|benches|examples)(/|\.rs$)", rel[4:]):
                    continue
                text = tar.extractfile(m).read().decode("utf-8", "replace")
                items.extend(parse_file(lex(text), rel))
        here = set()
        for type_, kind, member, params, returns, rel in select(items, crate):
            shape = (crate, type_, kind, member, clean(params), clean(returns))
            here.add(shape)
            if shape in seen:
                continue  # recorded at a newer pin of this crate
            cols = [crate, version, crate, type_, kind, member, params, returns,
                    f"crates:{crate}@{version}/{rel}"]
            cols = [clean(c) if k == 6 else (clean(c) or "-") for k, c in enumerate(cols)]
            rows.add("\t".join(cols))
        seen |= here
    if missing:
        sys.exit("could not read: " + ", ".join(missing))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    body = sorted(rows, key=lambda r: r.encode("utf-8"))
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        f.write(HEADER + "\n")
        for r in body:
            f.write(r + "\n")
    print(f"{OUT}: {len(body)} rows")


if __name__ == "__main__":
    main()
