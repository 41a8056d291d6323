#!/usr/bin/env python3
"""Extract the credential-relevant API surface of the Azure SDKs for Go.

Writes scripts/sdk_catalogue/surface/go.tsv (format: scripts/sdk_catalogue/README.md).

Go has no published, machine-readable API listing and the Go module proxy is not reachable from
this workplace, so the extractor reads Go *source* from a local cache (never committed):

    CACHE = /tmp/sdk-cache/go  (override with --cache DIR or $SDK_CACHE_GO)

The cache has three parts. `python3 extract_go.py fill` fills the first two itself; the third
is typed in by hand from the search tool.

1. deb/<package>_<version>/...   Debian packages, pinned below (DEBS), fetched with
   `apt-get download` and unpacked with `dpkg-deb -x`. They hold the legacy
   github.com/Azure/azure-sdk-for-go v68 tree (storage/, services/.../cognitiveservices),
   go-autorest and azure-storage-blob-go.

2. github/<owner>/<repo>/<commit>/<path>   Files of public GitHub repositories at a pinned
   commit (GIT_TREES below), copied with `git archive` from a snapshot of the repository that
   the search tool's `fetch` brought to /work/.mirror/<owner>+<repo>/repo (or --mirrors DIR).
   Used for: the `vendor/` tree of kedacore/keda at commits where it vendored the current
   azure-sdk-for-go/sdk modules and the legacy libraries (the module versions are read from
   that commit's vendor/modules.txt), and the legacy repositories Azure/azure-service-bus-go,
   Azure/azure-storage-file-go and amenzhinsky/iothub at their last tag.

3. github/Azure/azure-sdk-for-go/<commit>/<path>   Single files of Azure/azure-sdk-for-go (too
   large to fetch whole) read with the search tool's `read_file` at the commit named in
   INDEX_FILES and saved by hand. A saved file may hold the whole text or only its exported
   declarations copied verbatim with bodies omitted (the parser reads declarations only).
   Their version column is the commit id: the index holds each file at the commit it was
   crawled, so two files of one module may come from different commits.

The legacy github.com/Azure/azure-sdk-for-go v68 module holds every service, so its rows carry
the subtree as `package` (github.com/Azure/azure-sdk-for-go/storage,
github.com/Azure/azure-sdk-for-go/services/cognitiveservices, .../services/eventgrid,
.../services/batch) to keep one service per package. Its generated data-plane clients under
services/ take their key through the autorest.Authorizer field, so all their New* functions
are listed (all_ctors).

What is read: exported package functions (kind `static`, type `-`), methods with a receiver
(kind `method`, type = receiver) only where the name or a parameter is credential-like, and
exported fields of option/config structs that are credential-like (kind `field`). A package
function is kept when its name or a parameter is credential-like, or when it is a `New*`
function returning the same type as a kept one (so the key-based and identity-based
constructors of one client type are listed together), or when it takes (or, for names that pick
an environment/identity/provider, returns) a functional-option type that a credential-like
function returns (servicebus.NewNamespace with NamespaceWithConnectionString), or when the package is marked
`all_ctors` (legacy clients that take their credential through an Authorizer field).
Packages under internal/, testdata/ and fake/ and *_test.go files are skipped.

Deterministic: no network in the default mode, rows sorted with LC_ALL=C order.
"""

import argparse
import os
import re
import subprocess
import sys
import tarfile
import io

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "surface", "go.tsv")
DEFAULT_CACHE = os.environ.get("SDK_CACHE_GO", "/tmp/sdk-cache/go")
DEFAULT_MIRRORS = "/work/.mirror"

# ---------------------------------------------------------------------------------------------
# Pinned inputs
# ---------------------------------------------------------------------------------------------

# Debian packages (apt-get download <name>=<version>).
DEBS = [
    # (debian package, debian version, go module, module version, roots to scan, all_ctors regex)
    ("golang-github-azure-azure-sdk-for-go-dev", "68.0.0-2", "github.com/Azure/azure-sdk-for-go",
     "v68.0.0+incompatible",
     ["storage", "services"],
     # legacy data-plane clients that take their key through autorest.Authorizer
     r"^services/"),
]
DEB_GOPATH = "usr/share/gocode/src"
# Only these subtrees of the Debian azure-sdk-for-go tree are read.
DEB_INCLUDE = re.compile(
    r"^github\.com/Azure/azure-sdk-for-go/(storage"
    r"|services/(preview/)?(.*/)?cognitiveservices/v[^/]+"
    r"|services/personalizer/v[^/]+/personalizer"
    r"|services/eventgrid/[0-9-]+/eventgrid"
    r"|services/storage/datalake/[0-9-]+/storagedatalake"
    r"|services/batch/2020-09-01.12.0/batch)(/|$)")  # newest batch data plane only
# v68 is one module holding every service; its rows carry the subtree as `package`.
DEB_LABELS = [
    (r"^(storage|services/storage/)", "storage"),
    (r"^services/eventgrid/", "services/eventgrid"),
    (r"^services/batch/", "services/batch"),
    (r"^services/", "services/cognitiveservices"),
]

# Git trees copied from fetched snapshots: (owner/repo, commit, paths to archive)
KEDA = "kedacore/keda"
KEDA_2026 = "5d3fe4b4ed7d515122af1b8c1d5aedb391339839"  # last commit with vendor/ (2026-06)
KEDA_EH_V1 = "213861f1c002c4950b8e5284d70b3df9733cefaf"  # azeventhubs v1.4.0, azeventgrid v0.5.0
KEDA_DATALAKE = "6eff83d74bb9d6498722c7821d7fb5b4dbd251f3"  # azdatalake v1.4.2
KEDA_LEGACY = "e4be96faaa4f6d09a1421b4110102d07c1c7669f"  # event-hubs-go v3.6.2, autorest, ...

GIT_TREES = [
    (KEDA, KEDA_2026, [
        "vendor/modules.txt",
        "vendor/github.com/Azure/azure-sdk-for-go/sdk/azcore",
        "vendor/github.com/Azure/azure-sdk-for-go/sdk/azidentity",
        "vendor/github.com/Azure/azure-sdk-for-go/sdk/messaging/azeventhubs/v2",
        "vendor/github.com/Azure/azure-sdk-for-go/sdk/messaging/azservicebus",
        "vendor/github.com/Azure/azure-sdk-for-go/sdk/messaging/eventgrid/azeventgrid",
        "vendor/github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets",
        "vendor/github.com/Azure/azure-sdk-for-go/sdk/storage/azblob",
        "vendor/github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue",
        "vendor/github.com/AzureAD/microsoft-authentication-library-for-go",
    ]),
    (KEDA, KEDA_EH_V1, [
        "vendor/modules.txt",
        "vendor/github.com/Azure/azure-sdk-for-go/sdk/messaging/azeventhubs",
        "vendor/github.com/Azure/azure-sdk-for-go/sdk/messaging/azeventgrid",
    ]),
    (KEDA, KEDA_DATALAKE, [
        "vendor/modules.txt",
        "vendor/github.com/Azure/azure-sdk-for-go/sdk/storage/azdatalake",
    ]),
    (KEDA, KEDA_LEGACY, [
        "vendor/modules.txt",
        "vendor/github.com/Azure/azure-event-hubs-go/v3",
        "vendor/github.com/Azure/azure-amqp-common-go/v4",
        "vendor/github.com/Azure/azure-storage-blob-go/azblob",
        "vendor/github.com/Azure/azure-storage-queue-go/azqueue",
        "vendor/github.com/Azure/go-autorest/autorest",
    ]),
    # legacy repositories at their last tag: (repo, commit, paths)
    ("Azure/azure-service-bus-go", "a14e023504e9dadda9b2ca6458e62bb9ace81ef6", ["."]),   # v0.11.5
    ("Azure/azure-storage-file-go", "1089cdbfe24c4a063a63725eb48b5ac5550c7996", ["azfile"]),  # v0.8.0
    ("amenzhinsky/iothub", "41367c7bcfe8c43bf38bbfa1f2153b84a9593ee3",
     ["iotservice", "iotdevice", "common"]),  # v0.9.1
]

# Which vendored modules of each keda commit to read (others there are read at another commit).
KEDA_MODULES = {
    KEDA_2026: [
        "github.com/Azure/azure-sdk-for-go/sdk/azcore",
        "github.com/Azure/azure-sdk-for-go/sdk/azidentity",
        "github.com/Azure/azure-sdk-for-go/sdk/messaging/azeventhubs/v2",
        "github.com/Azure/azure-sdk-for-go/sdk/messaging/azservicebus",
        "github.com/Azure/azure-sdk-for-go/sdk/messaging/eventgrid/azeventgrid",
        "github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets",
        "github.com/Azure/azure-sdk-for-go/sdk/storage/azblob",
        "github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue",
        "github.com/AzureAD/microsoft-authentication-library-for-go",
    ],
    KEDA_EH_V1: [
        "github.com/Azure/azure-sdk-for-go/sdk/messaging/azeventhubs",
        "github.com/Azure/azure-sdk-for-go/sdk/messaging/azeventgrid",
    ],
    KEDA_DATALAKE: ["github.com/Azure/azure-sdk-for-go/sdk/storage/azdatalake"],
    KEDA_LEGACY: [
        "github.com/Azure/azure-event-hubs-go/v3",
        "github.com/Azure/azure-amqp-common-go/v4",
        "github.com/Azure/azure-storage-blob-go",
        "github.com/Azure/azure-storage-queue-go",
        "github.com/Azure/go-autorest/autorest",
        "github.com/Azure/go-autorest/autorest/adal",
        "github.com/Azure/go-autorest/autorest/azure/auth",
    ],
}

# Legacy repositories read whole at a tag: repo -> (module path, version, dir prefix -> import path)
LEGACY_REPOS = {
    "Azure/azure-service-bus-go": ("github.com/Azure/azure-service-bus-go", "v0.11.5"),
    "Azure/azure-storage-file-go": ("github.com/Azure/azure-storage-file-go", "v0.8.0"),
    "amenzhinsky/iothub": ("github.com/amenzhinsky/iothub", "v0.9.1"),
}

# Files of Azure/azure-sdk-for-go read one by one with the search tool (read_file) and saved
# under github/Azure/azure-sdk-for-go/<commit>/<path>: (commit, path, go module, import path).
SDK = "github.com/Azure/azure-sdk-for-go/sdk/"
INDEX_FILES = [
    ("a1063fec3ca2a29f241c7dc039354cb7341e44be", "sdk/data/aztables/service_client.go", SDK + "data/aztables", SDK + "data/aztables"),
    ("f5d70eb526106606101951d2b6a8e939c3dae7b6", "sdk/data/aztables/client.go", SDK + "data/aztables", SDK + "data/aztables"),
    ("97b31e4437e109f5961b019f9d8d3c634e3ba345", "sdk/data/aztables/shared_policy_shared_key_credential.go", SDK + "data/aztables", SDK + "data/aztables"),
    ("d3e437d196f2ace5140506d3ca30a8da3a6670c6", "sdk/data/aztables/connection_string.go", SDK + "data/aztables", SDK + "data/aztables"),
    ("a02c006f4b5a12a46ba28ad77dd93652e9aad2df", "sdk/data/azcosmos/cosmos_client.go", SDK + "data/azcosmos", SDK + "data/azcosmos"),
    ("2a8ddda668657455f41ae1d5f43a3ef678e716a4", "sdk/data/azcosmos/shared_key_credential.go", SDK + "data/azcosmos", SDK + "data/azcosmos"),
    ("16791ce122256f4316e2005b1845734a284ad5fe", "sdk/data/azcosmos/shared_key_credential.go", SDK + "data/azcosmos", SDK + "data/azcosmos"),
    ("02a83bd94a8811cc67281f98e89d4c1d333a7bdd", "sdk/data/azappconfig/client.go", SDK + "data/azappconfig", SDK + "data/azappconfig"),
    ("4deab94cb5b27cdb6ff2ed8bb1d85903965aecf0", "sdk/data/azappconfig/client.go", SDK + "data/azappconfig/v2", SDK + "data/azappconfig/v2"),
    ("0b8c072854d79ac37f0b32151d8a16c9a78c80a9", "sdk/storage/azfile/service/client.go", SDK + "storage/azfile", SDK + "storage/azfile/service"),
    ("0f868bba7dbf58737c6e82db005db8f98d86cafc", "sdk/storage/azfile/service/models.go", SDK + "storage/azfile", SDK + "storage/azfile/service"),
    ("0b8c072854d79ac37f0b32151d8a16c9a78c80a9", "sdk/storage/azfile/share/client.go", SDK + "storage/azfile", SDK + "storage/azfile/share"),
    ("0b8c072854d79ac37f0b32151d8a16c9a78c80a9", "sdk/storage/azfile/directory/client.go", SDK + "storage/azfile", SDK + "storage/azfile/directory"),
    ("0077aba8e29c6fe99f9a0f60f7a580ac6574853b", "sdk/storage/azfile/file/client.go", SDK + "storage/azfile", SDK + "storage/azfile/file"),
    ("02a83bd94a8811cc67281f98e89d4c1d333a7bdd", "sdk/messaging/azeventhubs/checkpoints/blob_store.go", SDK + "messaging/azeventhubs", SDK + "messaging/azeventhubs/checkpoints"),
    ("e72057b65d571cf4f761006e01969831c0b9cb9e", "sdk/messaging/eventgrid/aznamespaces/sender_client_custom.go", SDK + "messaging/eventgrid/aznamespaces", SDK + "messaging/eventgrid/aznamespaces"),
    ("4d0196b5f79b14724720d7893733ca65fd024c7d", "sdk/messaging/eventgrid/aznamespaces/receiver_client_custom.go", SDK + "messaging/eventgrid/aznamespaces", SDK + "messaging/eventgrid/aznamespaces"),
    ("a029bdc6f723b5907e404fc16b5e2037fa51298a", "sdk/messaging/azwebpubsub/client_custom.go", SDK + "messaging/azwebpubsub", SDK + "messaging/azwebpubsub"),
    ("3ffe562bc429c7f1c1685ff0f2b05bfe6c85c7e6", "sdk/ai/azopenai/custom_client.go", SDK + "ai/azopenai", SDK + "ai/azopenai"),
    ("d2f9905d5b1479699cb500afc95d1165b7b2c51f", "sdk/ai/azopenaiassistants/client_custom.go", SDK + "ai/azopenaiassistants", SDK + "ai/azopenaiassistants"),
    ("0ac63b2d90c664e34bf66934acfcc8d19fd7984f", "sdk/cognitiveservices/azopenai/custom_client.go", SDK + "cognitiveservices/azopenai", SDK + "cognitiveservices/azopenai"),
    ("a86fef9ecd35d3da467d0552adc81dac083a1cd9", "sdk/monitor/ingestion/azlogs/custom_client.go", SDK + "monitor/ingestion/azlogs", SDK + "monitor/ingestion/azlogs"),
    ("0004616bdd5cbc87325692a6f7c52d4c59638ba6", "sdk/keyvault/azsecrets/client.go", SDK + "keyvault/azsecrets", SDK + "keyvault/azsecrets"),
]

# ---------------------------------------------------------------------------------------------
# Credential-likeness
# ---------------------------------------------------------------------------------------------

CRED = re.compile(r"(?i)conn(ection)?.?str|key|sas|signature|secret|password|credential|token|authorizer")
# names that match CRED but are not credentials (pagination, partitioning, locks, ...)
NOT_CRED_NAME = re.compile(
    r"(?i)^(partition|row|lease|lock|continuation|resume|next|sync|cancel|session|sequence|"
    r"idempotency|marker|etag|page|sort|range|shard|group|blob|block|message|deduplication|"
    r"dedup|encryption|cpk|customerprovided|keyfilter|key$|keys$|keyvalue)"
    r"|(partitionkey|rowkey|resumetoken|continuationtoken|synctoken|locktoken|keyvalues|"
    r"permissionkey|customerprovided|clientprovided|encryptionkey|pagetoken|nexttoken)")
NOT_CRED_TYPE = re.compile(
    r"(?i)^(\*|\[\])*(KeyValue|KeyInfo|PartitionKey|ETag|KeyFilter|ClientProvidedKey|SourceCPK|CPK)")

# Modules whose own members are data operations on secrets/keys, not credentials: only their
# constructors are read (the identity overloads), no methods or fields.
IDENTITY_ONLY = re.compile(r"/(keyvault|security/keyvault)/az(secrets|keys|certificates)$|/monitor/ingestion/azlogs$")


def cred_name(name):
    return bool(name) and bool(CRED.search(name)) and not NOT_CRED_NAME.search(name)


def cred_type(typ):
    t = typ.lstrip("*[]. ")
    return (bool(CRED.search(t)) and not NOT_CRED_TYPE.match(typ) and not t.startswith("func")
            and not NOT_CRED_NAME.search(t))


def cred_param(p):
    name, typ = p
    return cred_name(name) or cred_type(typ)


# ---------------------------------------------------------------------------------------------
# A small Go declaration scanner
# ---------------------------------------------------------------------------------------------

def strip_comments_and_strings(src):
    """Blank out comments and the contents of string/rune literals, keeping offsets."""
    out = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif src.startswith("/*", i):
            j = src.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", src[i:j]))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and src[j] != c and src[j] != "\n":
                j += 2 if src[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + " " * (j - i - 2) + c if j - i >= 2 else src[i:j])
            i = j
        elif c == "`":
            j = src.find("`", i + 1)
            j = n if j < 0 else j + 1
            out.append("`" + re.sub(r"[^\n]", " ", src[i + 1:j - 1]) + "`")
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


OPEN = {"(": ")", "[": "]", "{": "}"}


def match_close(s, i):
    """s[i] is an opening bracket; return index just past its match."""
    depth = 0
    stack = []
    for j in range(i, len(s)):
        ch = s[j]
        if ch in OPEN:
            stack.append(OPEN[ch])
        elif stack and ch == stack[-1]:
            stack.pop()
            if not stack:
                return j + 1
    return len(s)


def split_top(s, sep=","):
    parts, depth, cur = [], 0, []
    for ch in s:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    if "".join(cur).strip():
        parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


QUAL = re.compile(r"\b[a-z_][A-Za-z0-9_]*\.(?=[A-Za-z_])")


def unqualify(t):
    t = re.sub(r"\s+", " ", t.strip())
    return QUAL.sub("", t)


def parse_params(s):
    """'a, b string, opts ...Option' -> [('a','string'),('b','string'),('...opts','Option')]"""
    items = split_top(s)
    if not items:
        return []
    named = any(re.match(r"^[A-Za-z_][A-Za-z0-9_]*\s+\S", it) for it in items)
    out = []
    if not named:
        return [("", unqualify(it)) for it in items]
    pending = []
    for it in items:
        m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)\s+(.+)$", it, re.S)
        if m:
            typ = unqualify(m.group(2))
            for nm in pending + [m.group(1)]:
                out.append((nm, typ))
            pending = []
        else:
            pending.append(it)
    for nm in pending:  # malformed; keep the names
        out.append((nm, ""))
    return out


def parse_results(s):
    s = s.strip()
    if not s:
        return []
    if s.startswith("("):
        inner = s[1:match_close(s, 0) - 1]
        return [t for _, t in parse_params(inner)] if inner.strip() else []
    return [unqualify(s)]


FUNC_RE = re.compile(r"(?m)^func\s")
TYPE_RE = re.compile(r"(?m)^type\s")


def scan_file(text):
    """Yield ('func', recv_type, name, params, results) and ('struct', name, fields) items."""
    s = strip_comments_and_strings(text)
    items = []
    for m in FUNC_RE.finditer(s):
        i = m.end()
        while i < len(s) and s[i] in " \t":
            i += 1
        recv = None
        if i < len(s) and s[i] == "(":
            j = match_close(s, i)
            rp = parse_params(s[i + 1:j - 1])
            if rp:
                recv = re.sub(r"\[.*\]$", "", rp[0][1].lstrip("*"))
            i = j
        nm = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)", s[i:])
        if not nm:
            continue
        name = nm.group(1)
        i += nm.end()
        while i < len(s) and s[i] in " \t":
            i += 1
        if i < len(s) and s[i] == "[":  # type parameters
            i = match_close(s, i)
        if i >= len(s) or s[i] != "(":
            continue
        j = match_close(s, i)
        params = parse_params(s[i + 1:j - 1])
        # results: up to the body's '{' or end of line (declaration without body)
        k = j
        rest = []
        while k < len(s):
            ch = s[k]
            if ch in "([":
                e = match_close(s, k)
                rest.append(s[k:e])
                k = e
                continue
            if ch == "{" :
                # 'struct{' / 'interface{' inside a result type
                if re.search(r"(struct|interface)\s*$", "".join(rest)):
                    e = match_close(s, k)
                    rest.append(s[k:e])
                    k = e
                    continue
                break
            if ch == "\n":
                break
            rest.append(ch)
            k += 1
        items.append(("func", recv, name, params, parse_results("".join(rest))))
    # struct types (single and grouped declarations)
    for m in TYPE_RE.finditer(s):
        i = m.end()
        body = s[i:]
        if body.lstrip().startswith("("):
            st = i + body.index("(")
            e = match_close(s, st)
            block = s[st + 1:e - 1]
            specs = re.finditer(r"(?m)^\s*([A-Za-z_][A-Za-z0-9_]*)\s+struct\s*\{", block)
            for sm in specs:
                b0 = st + 1 + sm.end() - 1
                be = match_close(s, b0)
                items.append(("struct", sm.group(1), parse_fields(s[b0 + 1:be - 1])))
            continue
        sm = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)(\[[^\]]*\])?\s+struct\s*\{", body)
        if sm:
            b0 = i + sm.end() - 1
            be = match_close(s, b0)
            items.append(("struct", sm.group(1), parse_fields(s[b0 + 1:be - 1])))
    return items


def parse_fields(block):
    fields = []
    depth = 0
    line = []
    lines = []
    for ch in block:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if (ch == "\n" or ch == ";") and depth == 0:
            lines.append("".join(line))
            line = []
        else:
            line.append(ch)
    lines.append("".join(line))
    for ln in lines:
        ln = re.sub(r"`[^`]*`\s*$", "", ln).strip()
        if not ln:
            continue
        m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*(\s*,\s*[A-Za-z_][A-Za-z0-9_]*)*)\s+(\S.*)$", ln)
        if not m:
            continue  # embedded field
        typ = unqualify(m.group(3))
        for nm in re.split(r"\s*,\s*", m.group(1)):
            fields.append((nm, typ))
    return fields


# ---------------------------------------------------------------------------------------------
# Sources -> packages
# ---------------------------------------------------------------------------------------------

SKIP_DIR = re.compile(r"(^|/)(internal|testdata|fake|_examples|examples|cmd|mock|mocks|iotdevicetest)(/|$)")


class Pkg:
    def __init__(self, module, version, importpath, all_ctors=False):
        self.module, self.version, self.importpath = module, version, importpath
        self.all_ctors = all_ctors
        self.files = []  # (source, text)


def go_files(root):
    for dp, dns, fns in os.walk(root):
        dns.sort()
        for fn in sorted(fns):
            if fn.endswith(".go") and not fn.endswith("_test.go"):
                yield os.path.join(dp, fn)


def read(p):
    with open(p, encoding="utf-8", errors="replace") as f:
        return f.read()


def parse_modules_txt(path):
    """vendor/modules.txt -> {package import path: (module, version)}"""
    pk = {}
    mod = ver = None
    for ln in read(path).splitlines():
        if ln.startswith("# "):
            parts = ln[2:].split()
            mod, ver = parts[0], (parts[1] if len(parts) > 1 else "")
            if "=>" in parts and len(parts) >= 5:
                ver = parts[-1]
        elif ln and not ln.startswith("#") and mod:
            pk[ln.strip()] = (mod, ver)
    return pk


def collect(cache, warn):
    pkgs = {}

    def add(key, module, version, importpath, source, text, all_ctors=False):
        p = pkgs.get(key)
        if p is None:
            p = pkgs[key] = Pkg(module, version, importpath, all_ctors)
        p.files.append((source, text))

    # 1. Debian packages
    for deb, dver, module, mver, roots, allre in DEBS:
        base = os.path.join(cache, "deb", "%s_%s" % (deb, dver), DEB_GOPATH)
        modroot = os.path.join(base, module)
        if not os.path.isdir(modroot):
            warn("missing %s (run: extract_go.py fill)" % modroot)
            continue
        for r in roots:
            for f in go_files(os.path.join(modroot, r)):
                rel = os.path.relpath(f, base)
                d = os.path.dirname(rel)
                if not DEB_INCLUDE.match(d + "/") or SKIP_DIR.search(d) or "/mgmt/" in d:
                    continue
                sub = os.path.relpath(d, module)
                allc = bool(re.search(allre, sub + "/"))
                src = "deb:%s=%s/%s/%s" % (deb, dver, DEB_GOPATH, rel)
                # v68 is one module holding many services; label rows by its top-level subtree
                # (storage, services/cognitiveservices) so each package row names one service.
                label = module + "/" + next(l for rx, l in DEB_LABELS if re.match(rx, sub + "/"))
                add(d, label, mver, d, src, read(f), allc)

    # 2. keda vendor trees
    for commit, modules in KEDA_MODULES.items():
        root = os.path.join(cache, "github", KEDA, commit)
        mt = os.path.join(root, "vendor", "modules.txt")
        if not os.path.exists(mt):
            warn("missing %s (run: extract_go.py fill)" % mt)
            continue
        pk = parse_modules_txt(mt)
        for ip, (mod, ver) in sorted(pk.items()):
            if mod not in modules or SKIP_DIR.search(ip[len(mod):]):
                continue
            d = os.path.join(root, "vendor", ip)
            if not os.path.isdir(d):
                continue
            for fn in sorted(os.listdir(d)):
                if fn.endswith(".go") and not fn.endswith("_test.go"):
                    src = "github:%s@%s/vendor/%s/%s" % (KEDA, commit, ip, fn)
                    add(ip, mod, ver, ip, src, read(os.path.join(d, fn)))

    # 3. legacy repositories at a tag
    for repo, commit, paths in GIT_TREES:
        if repo == KEDA:
            continue
        module, ver = LEGACY_REPOS[repo]
        root = os.path.join(cache, "github", repo, commit)
        if not os.path.isdir(root):
            warn("missing %s (run: extract_go.py fill)" % root)
            continue
        for f in go_files(root):
            rel = os.path.relpath(f, root)
            d = os.path.dirname(rel)
            if SKIP_DIR.search(d):
                continue
            ip = module + ("/" + d if d else "")
            add(ip, module, ver, ip, "github:%s@%s/%s" % (repo, commit, rel), read(f))

    # 4. single files of Azure/azure-sdk-for-go read through the search tool
    for commit, path, module, ip in INDEX_FILES:
        f = os.path.join(cache, "github", "Azure/azure-sdk-for-go", commit, path)
        if not os.path.exists(f):
            warn("missing %s (save it from the search tool's read_file)" % f)
            continue
        key = (ip, commit)
        add(key, module, commit, ip, "github:Azure/azure-sdk-for-go@%s/%s" % (commit, path), read(f))
    return pkgs


# ---------------------------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------------------------

def fmt_params(params, optional=False):
    out = []
    for nm, typ in params:
        if typ.startswith("..."):
            out.append("...%s:%s" % (nm or "_", typ[3:]))
        else:
            out.append("%s%s:%s" % (nm or "_", "?" if optional else "", typ))
    return ";".join(out)


def first_result(results):
    rs = [r for r in results if r != "error"]
    return rs[0] if rs else ("error" if results else "-")


def base_type(t):
    return re.sub(r"^[\*\[\]]+", "", t)


OPTIONS_STRUCT = re.compile(r"(Options|Config|Settings|Properties|Credential|Credentials|Client)$")


def rows_for(pkg):
    funcs, structs = [], []
    seen = set()
    for source, text in pkg.files:
        for it in scan_file(text):
            if it[0] == "func":
                _, recv, name, params, results = it
                if not name[:1].isupper():
                    continue
                if recv is not None and not recv[:1].isupper():
                    continue
                funcs.append((source, recv, name, params, results))
            else:
                _, name, fields = it
                if name[:1].isupper():
                    structs.append((source, name, fields))
    rows = []
    pkgfuncs = [f for f in funcs if f[1] is None]
    cred_ret = set()
    keep = set()
    for f in pkgfuncs:
        source, _, name, params, results = f
        if cred_name(name) or any(cred_param(p) for p in params):
            keep.add(id(f))
            cred_ret.add(base_type(first_result(results)))
    # functional options: a credential-like function returning an option type (e.g.
    # servicebus.NamespaceWithConnectionString -> NamespaceOption) brings in the constructors
    # that take that option type and its sibling options that pick the identity/environment.
    opt_types = {t for t in cred_ret if t.endswith("Option")}
    for f in pkgfuncs:
        source, _, name, params, results = f
        if id(f) in keep:
            continue
        ret = base_type(first_result(results))
        if name.startswith("New") and (ret in cred_ret or (pkg.all_ctors and ret.endswith("Client"))):
            keep.add(id(f))
        elif name.startswith("New") and any(t.lstrip(".") in opt_types for _, t in params):
            keep.add(id(f))
        elif ret in opt_types and re.search(r"(?i)env|identity|msi|aad|provider|connection", name):
            keep.add(id(f))
    for f in pkgfuncs:
        if id(f) in keep:
            source, _, name, params, results = f
            rows.append(("-", "static", name, fmt_params(params), first_result(results), source))
    identity_only = bool(IDENTITY_ONLY.search(pkg.importpath)) or pkg.all_ctors
    for source, recv, name, params, results in funcs:
        if recv is None or identity_only:
            continue
        if NOT_CRED_NAME.search(name):
            continue
        if cred_name(name) or any(cred_param(p) for p in params):
            rows.append((recv, "method", name, fmt_params(params), first_result(results), source))
    for source, sname, fields in structs:
        if identity_only or not OPTIONS_STRUCT.search(sname):
            continue
        for fname, ftyp in fields:
            if not fname[:1].isupper():
                continue
            if cred_name(fname) or cred_type(ftyp):
                rows.append((sname, "field", fname, fmt_params([(fname, ftyp)], optional=True), "-", source))
    out = []
    for typ, kind, member, params, returns, source in rows:
        key = (typ, kind, member, params, returns)
        if key in seen:
            continue
        seen.add(key)
        out.append("\t".join([pkg.module, pkg.version, pkg.importpath, typ, kind, member,
                              params, returns, source]))
    return out


HEADER = "package\tversion\tnamespace\ttype\tkind\tmember\tparams\treturns\tsource"


def extract(cache, out):
    warnings = []
    pkgs = collect(cache, warnings.append)
    lines = set()
    for key in pkgs:
        for r in rows_for(pkgs[key]):
            lines.add(r)
    body = sorted(lines, key=lambda s: s.encode("utf-8"))
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write(HEADER + "\n")
        for ln in body:
            f.write(ln + "\n")
    for w in warnings:
        print("warning: " + w, file=sys.stderr)
    print("%d rows -> %s" % (len(body), out))
    return 1 if warnings else 0


# ---------------------------------------------------------------------------------------------
# Filling the cache
# ---------------------------------------------------------------------------------------------

def fill(cache, mirrors):
    os.makedirs(cache, exist_ok=True)
    dl = os.path.join(cache, "deb", "_downloads")
    os.makedirs(dl, exist_ok=True)
    for deb, dver, *_ in DEBS:
        dest = os.path.join(cache, "deb", "%s_%s" % (deb, dver))
        if os.path.isdir(dest):
            continue
        subprocess.run(["apt-get", "download", "%s=%s" % (deb, dver)], cwd=dl, check=True)
        fn = [f for f in os.listdir(dl) if f.startswith(deb + "_")][0]
        subprocess.run(["dpkg-deb", "-x", os.path.join(dl, fn), dest], check=True)
    for repo, commit, paths in GIT_TREES:
        dest = os.path.join(cache, "github", repo, commit)
        if os.path.isdir(dest):
            continue
        gitdir = os.path.join(mirrors, repo.replace("/", "+"), "repo")
        if not os.path.isdir(gitdir):
            print("skip %s: no snapshot at %s (fetch github:%s with the search tool)" % (repo, gitdir, repo))
            continue
        data = subprocess.run(["git", "--git-dir", gitdir, "archive", "--format=tar", commit] + paths,
                              check=True, stdout=subprocess.PIPE).stdout
        os.makedirs(dest, exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(data)) as tf:
            tf.extractall(dest)
    missing = [p for c, p, *_ in INDEX_FILES
               if not os.path.exists(os.path.join(cache, "github", "Azure/azure-sdk-for-go", c, p))]
    for p in missing:
        print("still missing (save by hand from read_file): %s" % p)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("cmd", nargs="?", default="extract", choices=["extract", "fill"])
    ap.add_argument("--cache", default=DEFAULT_CACHE)
    ap.add_argument("--mirrors", default=DEFAULT_MIRRORS)
    ap.add_argument("--out", default=OUT)
    a = ap.parse_args()
    if a.cmd == "fill":
        fill(a.cache, a.mirrors)
        return 0
    return extract(a.cache, a.out)


if __name__ == "__main__":
    sys.exit(main())
