#!/usr/bin/env python3
"""Extract the C# (.NET) SDK surface rows for keyless's SDK catalogue.

Source: the public API listings that Azure/azure-sdk-for-net checks in for every
package, `sdk/<area>/<Package>/api/<Package>.<tfm>.cs` (one declaration per line,
members as `public Type Name(params) { }`). NuGet is not reachable from this
project's machines, so the listings are read from a local cache folder.

How the cache is filled (by hand, once per refresh, outside the repo):
  - read each listing named in SOURCES below at the pinned commit with the search
    tool's `read_file` (repo Azure/azure-sdk-for-net, path, commit; 16,000
    characters a call, paged with `offset`),
  - save it as `<cache>/<basename of path>` with a header of `// repo:`,
    `// commit:`, `// path:`, `// package:` and `// read:` (the offsets read)
    lines, then the listing's lines verbatim. A cache file may hold the whole
    listing or only the namespace, type and member lines of the types that matter
    (the listings of some packages run to hundreds of kilobytes of models); the
    extractor only reads namespace, type and member declarations, so either
    gives the same rows for the lines present.
The cache folder is `/tmp/sdk-cache/csharp` unless `--cache DIR` is given.
Nothing is downloaded and nothing in the cache is committed.

Output: `scripts/sdk_catalogue/surface/csharp.tsv`, sorted (LC_ALL=C order), with
the header line of README.md. Python 3 standard library only; deterministic.
"""

import argparse
import os
import re
import sys

# Pinned sources: listing path -> commit. A cache file whose header names another
# commit (or a listing not named here) is refused, so a rerun gives the same bytes.
SOURCES = {
    "sdk/storage/Azure.Storage.Blobs/api/Azure.Storage.Blobs.netstandard2.0.cs":
        "002e262ecfb9b3b9c7c7b693d5907b9dc1edc341",
    "sdk/storage/Azure.Storage.Common/api/Azure.Storage.Common.netstandard2.0.cs":
        "01bb1cf667b8a8069663705ef945f837c58968bb",
    "sdk/storage/Azure.Storage.Queues/api/Azure.Storage.Queues.netstandard2.0.cs":
        "028a0d77b5128abbfbd283c9844fc8085a7bc056",
    "sdk/storage/Azure.Storage.Files.Shares/api/Azure.Storage.Files.Shares.net10.0.cs":
        "01d8f0bbd97aa5b96ee85924dea2c64d86580640",
    "sdk/storage/Azure.Storage.Files.DataLake/api/Azure.Storage.Files.DataLake.net10.0.cs":
        "05b0f722d0013797b740426fbc0c368966d90115",
    "sdk/tables/Azure.Data.Tables/api/Azure.Data.Tables.net10.0.cs":
        "f5b0ac99c2d408e97f561c71d7ccd674508e0d72",
    "sdk/servicebus/Azure.Messaging.ServiceBus/api/Azure.Messaging.ServiceBus.net10.0.cs":
        "5a00ba468f47491acabc87f5dd65b822aac04d4e",
    "sdk/eventhub/Azure.Messaging.EventHubs/api/Azure.Messaging.EventHubs.net10.0.cs":
        "aac75ea20c8ef3f7043bb948713a37ab30bfbbb8",
    "sdk/eventhub/Azure.Messaging.EventHubs.Processor/api/Azure.Messaging.EventHubs.Processor.net10.0.cs":
        "4cf09ce4a234030b9fbb6a16422e5f32a0e38886",
    "sdk/eventgrid/Azure.Messaging.EventGrid/api/Azure.Messaging.EventGrid.net10.0.cs":
        "f1223c69e54e2bfe1d3cfdb1a3261725372a1660",
    "sdk/eventgrid/Azure.Messaging.EventGrid.Namespaces/api/Azure.Messaging.EventGrid.Namespaces.net10.0.cs":
        "542bac28a1ed2064c46907e30a59f7faba973561",
    "sdk/appconfiguration/Azure.Data.AppConfiguration/api/Azure.Data.AppConfiguration.net10.0.cs":
        "020062de9aafd924dae2f6b69f20d9429205a096",
    "sdk/webpubsub/Azure.Messaging.WebPubSub/api/Azure.Messaging.WebPubSub.net10.0.cs":
        "a67632273df06a6ba277c0d6d8d130f76a7964a6",
    "sdk/openai/Azure.AI.OpenAI/api/Azure.AI.OpenAI.net10.0.cs":
        "0ec0ae172950a68bec32542b5200516a77cb7e3f",
    "sdk/search/Azure.Search.Documents/api/Azure.Search.Documents.net10.0.cs":
        "056f006f73613121abf10f2cffb2ed3c4931aa29",
    "sdk/core/Azure.Core/api/Azure.Core.net10.0.cs":
        "07df00a4e69b7d4d304660c79e222a68e1c4ca85",
    "sdk/identity/Azure.Identity/api/Azure.Identity.net10.0.cs":
        "00f9bf95ce80e21ef5204200123eb000ae70a7db",
}

REPO = "Azure/azure-sdk-for-net"
HEADER = "package\tversion\tnamespace\ttype\tkind\tmember\tparams\treturns\tsource"

# README.md: a name or type that carries a credential.
CRED = re.compile(r"(?i)conn(ection)?.?str|key|sas|signature|secret|password|credential|token")

NS_RE = re.compile(r"^namespace ([\w.]+)\s*$")
TYPE_RE = re.compile(
    r"^ {4}public (?:(?:static|sealed|abstract|partial|readonly|ref)\s+)*"
    r"(?:class|struct|interface|record)\s+(\w+)")
MEMBER_INDENT = re.compile(r"^ {8}(?=\S)")
MODIFIERS = {"public", "static", "virtual", "override", "new", "abstract", "sealed",
             "extern", "unsafe", "readonly", "async", "partial"}


def split_top(text, sep=","):
    """Split on sep outside <>, (), [] and quotes."""
    parts, depth, cur, quote = [], 0, [], None
    for ch in text:
        if quote:
            cur.append(ch)
            if ch == quote:
                quote = None
            continue
        if ch in "\"'":
            quote = ch
        elif ch in "<([{":
            depth += 1
        elif ch in ">)]}":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
            continue
        cur.append(ch)
    tail = "".join(cur).strip()
    if tail:
        parts.append(tail)
    return parts


def unqualify(type_text):
    """System.Collections.Generic.IEnumerable<Azure.Foo.Bar> -> IEnumerable<Bar>."""
    type_text = re.sub(r"\s+", " ", type_text.strip())
    # keep the last segment of every dotted name
    return re.sub(r"\b(?:[A-Za-z_]\w*\.)+([A-Za-z_]\w*)", r"\1", type_text)


def strip_attributes(text):
    text = text.strip()
    while text.startswith("["):
        depth = 0
        for i, ch in enumerate(text):
            if ch == "[":
                depth += 1
            elif ch == "]":
                depth -= 1
                if depth == 0:
                    text = text[i + 1:].strip()
                    break
        else:
            break
    return text


def parse_params(text):
    """'string a, Azure.X b = null, params T[] c' -> [(name, type, optional, variadic)]."""
    out = []
    for raw in split_top(text):
        raw = strip_attributes(raw)
        if not raw:
            continue
        optional = False
        if "=" in raw:
            eq = split_top(raw, "=")
            raw, optional = eq[0], True
        words = raw.split()
        variadic = False
        while words and words[0] in ("this", "params", "ref", "out", "in", "scoped"):
            if words[0] == "params":
                variadic = True
            words = words[1:]
        name = words[-1].lstrip("@")
        ptype = unqualify(" ".join(words[:-1]))
        out.append((name, ptype, optional, variadic))
    return out


def fmt_params(params):
    cells = []
    for name, ptype, optional, variadic in params:
        cells.append("%s%s%s:%s" % ("..." if variadic else "", name, "?" if optional else "", ptype))
    return ";".join(cells)


# Names and types that match CRED but carry no credential.
NOT_CRED_NAME = re.compile(
    r"(?i)^(?:cancellation|continuation|current|session|lock|idempotency|paging)tokens?$"
    r"|^(?:partition|row|sort|idempotency|filepermission|permission)keys?$")
NOT_CRED_TYPE = re.compile(r"\b(?:CancellationToken|PartitionKey|PartitionKeyDefinition)\b")
# A parameter of one of these types is never a credential, whatever its name.
NOT_CRED_PARAM_TYPE = re.compile(r"^\w*ContinuationToken\??$")


def words(identifier):
    """'GenerateSasUri' -> 'generate sas uri', 'SASToken' -> 'sas token': CRED is matched
    on words so that 'ExistsAsync' does not read as 'sas'."""
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", identifier)
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text)
    return re.sub(r"[^A-Za-z0-9]+", " ", text).lower()


def name_cred(identifier):
    return bool(CRED.search(words(identifier)))


def cred_like(name, ptype=""):
    name = name.lstrip(".").rstrip("?")
    if NOT_CRED_PARAM_TYPE.match(ptype.strip()):
        return False
    if NOT_CRED_NAME.search(name):
        name = ""
    ptype = NOT_CRED_TYPE.sub("", ptype)
    return name_cred(name) or name_cred(ptype)


def parse_member(line, type_name):
    """Return (kind, member, params, returns, is_property) or None."""
    text = strip_attributes(line.strip())
    if not text.startswith("public "):
        return None
    paren = text.find("(")
    brace = text.find("{")
    if paren == -1 or (brace != -1 and brace < paren):
        # property: public T Name { get { throw null; } set { } }
        if brace == -1:
            return None
        head, body = text[:brace].split(), text[brace:]
        head = [w for w in head if w not in MODIFIERS]
        if "static" in text[:brace].split() or len(head) < 2 or not re.search(r"\bset\b", body):
            return None
        if re.search(r"\b(?:protected|private|internal)\s+set\b", body):
            return None
        name, ptype = head[-1], unqualify(" ".join(head[:-1]))
        return ("field", name, [(name, ptype, True, False)], "-", True)
    head = text[:paren]
    # matching close paren of the parameter list
    depth, end = 0, None
    for i in range(paren, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                end = i
                break
    if end is None:
        return None
    params = parse_params(text[paren + 1:end])
    words = head.split()
    mods = []
    while words and words[0] in MODIFIERS:
        mods.append(words.pop(0))
    rest = " ".join(words)
    if rest == type_name or re.fullmatch(re.escape(type_name) + r"\s*", rest):
        return ("ctor", "new", params, "-", False)
    if "operator" in words:
        return None
    m = re.match(r"^(.+?)\s+([A-Za-z_]\w*)(<[^()]*>)?$", rest)
    if not m:
        return None
    returns, name = unqualify(m.group(1)), m.group(2)
    kind = "static" if "static" in mods else "method"
    return (kind, name, params, returns, False)


def read_cache_file(path):
    meta, lines = {}, []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            m = re.match(r"^// (repo|commit|path|package|read): (.*)$", line)
            if m:
                meta[m.group(1)] = m.group(2).strip()
                continue
            lines.append(line)
    return meta, lines


def extract_file(meta, lines):
    package, commit, path = meta["package"], meta["commit"], meta["path"]
    source = "github:%s@%s/%s" % (meta.get("repo", REPO), commit, path)
    namespace, type_name = None, None
    types = {}  # (namespace, type) -> list of members
    for line in lines:
        m = NS_RE.match(line)
        if m:
            namespace = m.group(1)
            continue
        m = TYPE_RE.match(line)
        if m:
            type_name = m.group(1)
            types.setdefault((namespace, type_name), [])
            continue
        if type_name and MEMBER_INDENT.match(line):
            member = parse_member(line, type_name)
            if member:
                types[(namespace, type_name)].append(member)
    rows = set()
    for (ns, tname), members in types.items():
        def member_cred(mem):
            kind, name, params, _returns, _prop = mem
            if any(cred_like(p[0], p[1]) for p in params):
                return True
            return kind in ("method", "field") and name_cred(name)
        if not any(member_cred(mem) for mem in members) and not name_cred(tname):
            continue
        for mem in members:
            kind, name, params, returns, _prop = mem
            if kind in ("method", "field") and not member_cred(mem):
                continue
            rows.add("\t".join([package, commit, ns or "-", tname, kind, name,
                                fmt_params(params), returns, source]))
    return rows


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", default="/tmp/sdk-cache/csharp")
    ap.add_argument("--out", default=os.path.join(here, "surface", "csharp.tsv"))
    args = ap.parse_args()
    if not os.path.isdir(args.cache):
        sys.exit("no cache folder %s: fill it as the module docstring says" % args.cache)
    rows, seen = set(), set()
    for fname in sorted(os.listdir(args.cache)):
        if not fname.endswith(".cs"):
            continue
        meta, lines = read_cache_file(os.path.join(args.cache, fname))
        path = meta.get("path")
        if path not in SOURCES:
            sys.exit("%s: listing %r is not pinned in SOURCES" % (fname, path))
        if meta.get("commit") != SOURCES[path]:
            sys.exit("%s: commit %s, pinned %s" % (fname, meta.get("commit"), SOURCES[path]))
        seen.add(path)
        rows |= extract_file(meta, lines)
    missing = sorted(set(SOURCES) - seen)
    if missing:
        sys.exit("cache lacks: %s" % ", ".join(missing))
    out = sorted(rows, key=lambda r: r.encode("utf-8"))
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(HEADER + "\n")
        for row in out:
            fh.write(row + "\n")
    print("%d rows -> %s" % (len(out), args.out))


if __name__ == "__main__":
    main()
