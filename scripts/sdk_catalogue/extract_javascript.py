#!/usr/bin/env python3
"""Extract the JavaScript/TypeScript Azure SDK surface into surface/javascript.tsv.

Reads each package's published TypeScript declarations (.d.ts) from the npm registry:
`npm pack NAME@VERSION` into a cache folder under /tmp, then a small Node program (written by
this script next to the cache) uses the TypeScript compiler API (typescript@TS_VERSION, installed
into the cache with `npm install --prefix`) to walk the package's exported classes, interfaces,
type aliases, functions and namespaces, following re-exports and in-package inheritance.

Selection (see README.md in this folder): a type is kept when one of its members takes a
credential-like parameter or has a credential-like field (name or type matching CRED_RE), or its
own name matches CRED_RE; for a kept class every constructor and static member is written, plus its
credential-like methods and settable fields. Interfaces and object type aliases give `field` rows
for their credential-like properties, inherited ones included, and for credential-like properties
of nested option objects as dotted paths (`auth.clientSecret` on msal-node's `Configuration`).
Module-level functions (`createBlobService`, a REST package's `default` export `createClient`)
are `static` rows with type `-`.

No GitHub sources are needed: every package below ships .d.ts files. Legacy packages without
declarations (azure-sb, documentdb) are in curated/javascript.tsv.

Usage: python3 scripts/sdk_catalogue/extract_javascript.py [--cache DIR]
Needs: python3, node and npm (registry access for the first run; later runs reuse the cache).
Deterministic: pinned versions, sorted output.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "surface", "javascript.tsv")
DEFAULT_CACHE = "/tmp/keyless-sdk-catalogue-js"
TS_VERSION = "5.9.3"

# (npm package, exact version, options). Options: "types" = a regex; only types/functions whose
# name matches are kept (for packages where most of the API is unrelated to Azure credentials);
# "ctors_only": for Key Vault data-plane packages, whose secret/key methods and models handle
# stored values, not the client's own credential: only constructors, statics and *ClientOptions;
# "deps": packages laid into the package's own node_modules so that its declarations resolve
# (botbuilder-core's option types are inferred from zod schemas).
PACKAGES = [
    # --- current ---
    ("@azure/storage-blob", "12.34.0", {}),
    ("@azure/storage-queue", "12.32.0", {}),
    ("@azure/storage-file-share", "12.33.0", {}),
    ("@azure/storage-file-datalake", "12.31.0", {}),
    ("@azure/data-tables", "13.3.2", {}),
    ("@azure/service-bus", "7.9.5", {}),
    ("@azure/event-hubs", "6.0.4", {}),
    ("@azure/eventgrid", "5.12.0", {}),
    ("@azure/eventgrid-namespaces", "1.0.0", {}),
    ("@azure/app-configuration", "1.13.0", {}),
    ("@azure/web-pubsub", "1.2.0", {}),
    ("@azure/web-pubsub-client", "1.1.0", {}),
    ("@azure/cosmos", "4.10.1", {}),
    ("@azure/search-documents", "13.0.0", {}),
    ("@azure/ai-form-recognizer", "5.1.0", {}),
    ("@azure-rest/ai-document-intelligence", "1.1.0", {}),
    ("@azure/ai-text-analytics", "5.1.0", {}),
    ("@azure/ai-language-text", "1.1.0", {}),
    ("@azure-rest/ai-translation-text", "2.0.0", {}),
    ("@azure-rest/ai-translation-document", "1.0.0", {}),
    ("@azure-rest/ai-vision-image-analysis", "1.0.0-beta.3", {}),
    ("@azure-rest/ai-vision-face", "1.0.0-beta.3", {}),
    ("@azure-rest/ai-content-safety", "1.0.1", {}),
    ("@azure-rest/ai-inference", "1.0.0-beta.6", {}),
    ("@azure/openai", "2.0.0", {}),
    ("openai", "7.60.0", {"types": r"^(Azure\w*|OpenAI|ClientOptions)$"}),
    ("@azure/communication-common", "2.5.0", {}),
    ("@azure/communication-sms", "1.1.0", {}),
    ("@azure/communication-email", "1.1.0", {}),
    ("@azure/communication-chat", "1.6.0", {}),
    ("@azure/communication-identity", "1.3.1", {}),
    ("@azure/communication-phone-numbers", "1.5.0", {}),
    ("@azure/communication-call-automation", "1.6.0", {}),
    ("@azure/communication-rooms", "1.2.0", {}),
    ("@azure-rest/communication-messages", "2.0.0", {}),
    ("@azure/maps-common", "1.0.0-beta.2", {}),
    ("@azure/maps-search", "1.0.0-beta.2", {}),
    ("@azure-rest/maps-search", "2.0.0-beta.3", {}),
    ("@azure-rest/maps-render", "1.0.0-beta.1", {}),
    ("@azure/notification-hubs", "2.1.0", {}),
    ("@azure/core-auth", "1.11.0", {}),
    ("@azure/identity", "4.14.1", {}),
    ("@azure/msal-node", "7.2.4", {}),
    ("@azure/monitor-ingestion", "1.2.0", {}),
    ("@azure/keyvault-secrets", "4.12.0", {"ctors_only": True}),
    ("microsoft-cognitiveservices-speech-sdk", "1.52.0", {}),
    ("botframework-connector", "4.23.3", {}),
    ("botbuilder", "4.23.3", {}),
    ("botbuilder-core", "4.23.3", {"deps": [("zod", "3.25.76")]}),
    # --- legacy majors of current packages ---
    ("@azure/storage-blob", "10.5.0", {}),
    ("@azure/storage-queue", "10.3.0", {}),
    ("@azure/storage-file", "10.3.0", {}),
    ("@azure/event-hubs", "2.1.4", {}),
    ("@azure/service-bus", "1.1.10", {}),
    ("@azure/cosmos", "2.1.7", {}),
    ("@azure/eventgrid", "2.0.0", {}),
    ("@azure/openai", "1.0.0-beta.13", {}),
    ("@azure/ai-form-recognizer", "3.1.0", {}),
    ("botbuilder", "3.30.0", {}),
    # --- legacy packages ---
    ("azure-storage", "2.10.7", {}),
    ("azure-event-hubs", "0.2.11", {}),
    ("azure-eventgrid", "1.6.0", {}),
    ("azure-keyvault", "3.0.5", {"ctors_only": True}),
    ("azure-iot-device", "1.18.4", {}),
    ("azure-iot-device-mqtt", "1.16.4", {}),
    ("azure-iot-device-amqp", "1.14.4", {}),
    ("azure-iot-device-http", "1.14.4", {}),
    ("azure-iot-common", "1.13.3", {}),
    ("azure-iothub", "1.16.6", {}),
    ("azure-iot-provisioning-service", "1.11.2", {}),
    ("azure-iot-provisioning-device", "1.9.1", {}),
    ("azure-iot-security-symmetric-key", "1.8.2", {}),
    ("azure-iot-security-x509", "1.7.12", {}),
    ("@azure/ms-rest-js", "2.7.0", {}),
    ("@azure/ms-rest-azure-js", "2.1.0", {}),
    ("@azure/ms-rest-nodeauth", "3.1.1", {}),
    ("ms-rest", "2.5.6", {}),
    ("ms-rest-azure", "3.0.2", {}),
    ("adal-node", "0.2.4", {}),
    ("@azure/cognitiveservices-anomalydetector", "2.1.0", {}),
    ("@azure/cognitiveservices-computervision", "8.2.0", {}),
    ("@azure/cognitiveservices-contentmoderator", "5.0.1", {}),
    ("@azure/cognitiveservices-customsearch", "3.0.1", {}),
    ("@azure/cognitiveservices-customvision-prediction", "5.1.2", {}),
    ("@azure/cognitiveservices-customvision-training", "5.2.0", {}),
    ("@azure/cognitiveservices-face", "5.0.0", {}),
    ("@azure/cognitiveservices-imagesearch", "3.0.1", {}),
    ("@azure/cognitiveservices-luis-authoring", "3.0.1", {}),
    ("@azure/cognitiveservices-luis-runtime", "5.0.0", {}),
    ("@azure/cognitiveservices-newssearch", "3.0.1", {}),
    ("@azure/cognitiveservices-personalizer", "2.0.1", {}),
    ("@azure/cognitiveservices-qnamaker", "3.2.0", {}),
    ("@azure/cognitiveservices-qnamaker-runtime", "1.0.1", {}),
    ("@azure/cognitiveservices-spellcheck", "3.0.1", {}),
    ("@azure/cognitiveservices-textanalytics", "4.0.0", {}),
    ("@azure/cognitiveservices-translatortext", "1.0.1", {}),
    ("@azure/cognitiveservices-websearch", "3.0.1", {}),
]

# README.md's credential-like pattern (CRED_RE: handed to the Node side, which uses it to pick
# nested option fields). Names may also match `assertion` / `certificate` (msal-node's
# clientAssertion / clientCertificate, identity's certificate options are client credentials).
CRED_RE = r"conn(ection)?.?str|key|sas|signature|secret|password|credential|token|assertion|certificate"
CRED_NAME = re.compile(CRED_RE, re.I)
CRED_TYPE = re.compile(r"conn(ection)?.?str|key|sas|signature|secret|password|credential|token", re.I)
# Names that match CRED_RE but never carry a credential: paging cursors, cancellation, data and
# partition keys, customer-provided encryption keys and their hashes, token counts and
# tokenizers, key phrases, diagnostics flags. Applied to the last part of a parameter or field name.
NOT_CRED_NAME = re.compile(
    r"^(continuationToken\w*|cancellationToken|partitionKey\w*|resourcePartitionKey|rowKey|"
    r"sessionToken|clearSessionToken|pageToken|nextToken|skipToken|nextPageToken|syncToken\w*|"
    r"(prompt|completion|total|max|input|output|reasoning|cached|audio|text|image)_?[Tt]okens?\w*|"
    r"(?!resourceTokens$)\w*Tokens(Count|ToSkip)?|\w*TokenCount|tokenCount|\w*[Tt]okeni[sz]\w*|"
    r"\w*Token(Length|Chars|Separator|Filters?|Order|Usage|LimitInKB)|filterToken|tokenLogprobs|"
    r"keyPath|sortKey|keyFilter|keyRange|uniqueKey\w*|keyword\w*|\w*[Kk]eyPhrases?\w*|"
    r"\w*[Ee]ncryptionKey\w*|customerProvidedKey\w*|\w*Sha256|keyVersion|keyWrap\w*|"
    r"\w*KeyFieldName|generatedKeyName|referenceKeyName|docKey|systemKey|\w*ShardKey|"
    r"\w*Configured|\w*KeyType|keyType|keyId|queryPartitionKeyRanges|resourceTokenExpirySeconds|"
    r"\w*PermissionKey|includePermissionKey|\w*InsightsToken|tokenCacheKey|\w*TokenIssuers|"
    r"tokenRefreshInterval|\w*TokenIntent|unwrapKey|wrapKey|unwrappedKey|wrappedKey|"
    r"\w*PartitionKey\w*|\w*RowKey|\w*loc[-_]key|collapse_key|x-opt-partition-key|lockToken|"
    r"tokenType|token_type|tokenCache\w*|tokenAudience|token\w*InSeconds|tokenExpires\w*|"
    r"\w*TokenIndex|idempotencyToken|reconnectionToken|tokenRenewal\w*|undecodableTokenExpiry\w*|"
    r"request\w*Keys|additionalCacheKeyComponents|consolidationKey|ruleKey|keyValuePairs|"
    r"keyVaultDnsSuffix|keyFilters?|storageKey|tokenExchange\w*|tokenPostResource|withCredentials|token(Filters?|Chars|Separator)|_response|_request|"
    r"\w*(NearExpiry|Expired|Created|Deleted|Modified|Changed|Updated))$")
# `key`, `keys`, `token` alone are data (app-configuration settings, search documents, log-prob
# tokens) except in an options / settings / credential type (CosmosClientOptions.key) or a
# constructor parameter.
BARE_KEY = re.compile(r"^(key|keys|token|tokens)$")
OPTIONS_TYPE = re.compile(r"(Options|Config|Configuration|Settings|Credentials?|Auth\w*|"
                          r"Parameters|Params)$")
# Type names that mention a credential word but are plain data (removed before the type test).
NOT_CRED_TYPE = re.compile(
    r"\bkeyof\b|\"[^\"]*\"|'[^']*'|\w*PartitionKey\w*|\w*KeyValue\w*|\w*ContinuationToken\w*|"
    r"\w*CancellationToken\w*|\w*Tokens?Usage\w*|\w*TokenCount\w*|\w*Tokeni[sz]er\w*|"
    r"\w*TokenFilter\w*|\w*KeyPhrase\w*|\w*EncryptionKey\w*|CustomerProvidedKey\w*|\w*KeyWrap\w*|"
    r"\w*TokenLogProbability\w*|\w*KeyType\w*|\w*SortKey\w*|UniqueKey\w*|Keyword\w*|"
    r"\w*(SAS|Sas)(Permissions|Protocol|ResourceTypes|Services)\w*|SasIPRange|\w*TokenIntent|"
    r"Token\w*(Sentiment|Suggestion|Filter)\w*|DefaultAzureCredentialEnvVars|"
    r"\[\w+: ?string\]|KeyEncryptionAlgorithm|\w*InsightsToken\w*")


def sh(cmd, cwd=None):
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL)


def pkg_key(name, version):
    return name.lstrip("@").replace("/", "-") + "-" + version


def ensure_cache(cache):
    os.makedirs(os.path.join(cache, "tgz"), exist_ok=True)
    ts_dir = os.path.join(cache, "ts")
    if not os.path.isdir(os.path.join(ts_dir, "node_modules", "typescript")):
        sh(["npm", "install", "--prefix", ts_dir, "--no-audit", "--no-fund", "--ignore-scripts",
            "--silent", "typescript@" + TS_VERSION])
    for name, version, opts in PACKAGES:
        key = pkg_key(name, version)
        dest = os.path.join(cache, "pkgs", key)
        if not os.path.isdir(os.path.join(dest, "package")):
            tgz = os.path.join(cache, "tgz", key + ".tgz")
            if not os.path.exists(tgz):
                sh(["npm", "pack", "--silent", name + "@" + version], cwd=os.path.join(cache, "tgz"))
            unpack(tgz, dest)
        for dep, dep_version in opts.get("deps", []):
            if os.path.isdir(os.path.join(dest, "package", "node_modules", dep)):
                continue
            dkey = pkg_key(dep, dep_version)
            dtgz = os.path.join(cache, "tgz", dkey + ".tgz")
            if not os.path.exists(dtgz):
                sh(["npm", "pack", "--silent", dep + "@" + dep_version], cwd=os.path.join(cache, "tgz"))
            unpack(dtgz, os.path.join(dest, "package", "node_modules", dep), strip="package/")
    return ts_dir


def unpack(tgz, dest, strip=""):
    os.makedirs(dest, exist_ok=True)
    with tarfile.open(tgz) as tf:
        members = []
        for m in tf.getmembers():
            if m.name.startswith("/") or ".." in m.name.split("/") or not (m.isfile() or m.isdir()):
                continue
            if strip:
                if not m.name.startswith(strip):
                    continue
                m.name = m.name[len(strip):]
                if not m.name:
                    continue
            members.append(m)
        tf.extractall(dest, members=members)


def types_entry(pkg_dir):
    with open(os.path.join(pkg_dir, "package.json"), encoding="utf-8") as f:
        pj = json.load(f)
    exp = pj.get("exports")
    if isinstance(exp, dict) and isinstance(exp.get("."), dict):
        dot = exp["."]
        for cond in ("require", "types", "node", "default", "import"):
            v = dot.get(cond)
            if isinstance(v, dict) and isinstance(v.get("types"), str):
                return v["types"]
            if cond == "types" and isinstance(v, str):
                return v
    for k in ("types", "typings"):
        if isinstance(pj.get(k), str):
            return pj[k]
    return "index.d.ts"


def is_cred_name(name, key_ok=False):
    leaf = name.rsplit(".", 1)[-1]
    if BARE_KEY.match(leaf) and not key_ok:
        return False
    return bool(CRED_NAME.search(leaf)) and not NOT_CRED_NAME.match(leaf)


def is_cred_type(text):
    text = re.sub(r"\{.*\}", " ", text or "")  # an inline object type: its fields are judged one by one
    text = re.sub(r"[\w$]+\??:", " ", text)  # parameter labels inside a function type
    return bool(CRED_TYPE.search(NOT_CRED_TYPE.sub("", text or "")))


def cred_param(p, key_ok=False):
    if p["name"].startswith(("{", "[")):  # destructured parameter: judge by its type only
        return is_cred_type(p["type"])
    return is_cred_name(p["name"], key_ok) or (not NOT_CRED_NAME.match(p["name"])
                                               and is_cred_type(p["type"]))


def cred_field(f, owner=""):
    return is_cred_name(f["name"], bool(OPTIONS_TYPE.search(owner))) or (
        not NOT_CRED_NAME.match(f["name"].rsplit(".", 1)[-1]) and is_cred_type(f["type"]))


def fmt_params(params):
    parts = []
    for p in params:
        n = p["name"]
        if n.startswith(("{", "[")):
            n = "__0"  # a destructured parameter has no name; TypeScript's own placeholder
        if p.get("rest"):
            n = "..." + n
        if p.get("optional"):
            n += "?"
        parts.append(n + ":" + p["type"])
    return ";".join(parts)


def fmt_field(f):
    return f["name"].rsplit(".", 1)[-1] + ("?" if f.get("optional") else "") + ":" + f["type"]


def tsv_safe(s):
    return s.replace("\t", " ").replace("\n", " ").strip()


def rows_for(name, version, opts, items):
    only = re.compile(opts["types"]) if opts.get("types") else None
    src = "npm:%s@%s/" % (name, version)
    rows = []
    interfaces = {it["name"]: it for it in items if it["kind"] == "interface"}

    def add(type_, kind, member, params, returns, file):
        rows.append((name, version, name, type_, kind, member, params, returns, src + file))

    for it in items:
        if only and not only.match(it["name"]):
            continue
        if it["kind"] == "class":
            fields = [f for f in it["fields"] if not f["readonly"] and not f.get("callable")
                      and cred_field(f, it["name"])]
            methods = [m for m in it["methods"] if any(cred_param(p) for p in m["params"])
                       and not m["name"].startswith("_")]
            if opts.get("ctors_only"):
                fields, methods = [], []
            keep = (is_cred_name(it["name"]) or fields or methods
                    or any(cred_param(p, True) for s in it["ctors"] for p in s["params"])
                    or any(cred_param(p) for s in it["statics"] for p in s["params"]))
            if not keep:
                continue
            for s in it["ctors"]:
                add(it["name"], "ctor", "new", fmt_params(s["params"]), "-", s["file"] or it["file"])
            for s in it["statics"]:
                add(it["name"], "static", s["name"], fmt_params(s["params"]), s["returns"] or "-",
                    s["file"] or it["file"])
            for m in methods:
                add(it["name"], "method", m["name"], fmt_params(m["params"]), m["returns"] or "-",
                    m["file"] or it["file"])
            for f in fields:
                add(it["name"], "field", f["name"], fmt_field(f), "-", f["file"] or it["file"])
            if is_cred_name(it["name"]) and not opts.get("ctors_only"):
                # a credential class's constructor options carry the secret however the fields are
                # named (ms-rest-js ApiKeyCredentials({inHeader: {...}})): all of their fields.
                for s in it["ctors"]:
                    for p in s["params"]:
                        opt = interfaces.get(re.sub(r"^Partial<(.*)>$", r"\1", p["type"]))
                        if opt:
                            for f in opt["fields"]:
                                if not f.get("nested"):
                                    add(opt["name"], "field", f["name"], fmt_field(f), "-",
                                        f["file"] or opt["file"])
        elif it["kind"] == "interface":
            if opts.get("ctors_only") and not it["name"].endswith("ClientOptions"):
                continue
            for f in it["fields"]:
                if f.get("callable") and (f.get("nested") or not is_cred_name(f["name"])):
                    continue
                if cred_field(f, it["name"]):
                    add(it["name"], "field", f["name"], fmt_field(f), "-", f["file"] or it["file"])
            for m in it["methods"]:
                if any(cred_param(p) for p in m["params"]):
                    add(it["name"], "method", m["name"], fmt_params(m["params"]),
                        m["returns"] or "-", m["file"] or it["file"])
        elif it["kind"] == "function":
            sigs = it["sigs"]
            if it["export"] == "default" or any(cred_param(p) for s in sigs for p in s["params"]):
                for s in sigs:
                    add("-", "static", it["export"], fmt_params(s["params"]), s["returns"] or "-",
                        s["file"] or it["file"])
            if any(cred_param(p, True) for s in it["ctors"] for p in s["params"]):
                for s in it["ctors"]:
                    add(it["name"], "ctor", "new", fmt_params(s["params"]), "-", s["file"] or it["file"])
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", default=os.environ.get("KEYLESS_SDK_CACHE_JS", DEFAULT_CACHE))
    ap.add_argument("--out", default=OUT)
    args = ap.parse_args()
    cache = os.path.abspath(args.cache)
    ts_dir = ensure_cache(cache)
    script = os.path.join(cache, "surface.js")
    with open(script, "w", encoding="utf-8") as f:
        f.write(SURFACE_JS)
    job = {"cred_regex": CRED_RE, "packages": []}
    for name, version, _ in PACKAGES:
        d = os.path.join(cache, "pkgs", pkg_key(name, version), "package")
        job["packages"].append({"key": name + "@" + version, "dir": d, "entry": types_entry(d)})
    job_path = os.path.join(cache, "job.json")
    with open(job_path, "w", encoding="utf-8") as f:
        json.dump(job, f)
    res = subprocess.run(["node", "--max-old-space-size=4096", script, ts_dir, job_path],
                         check=True, stdout=subprocess.PIPE)
    results = json.loads(res.stdout)
    rows = set()
    failed = []
    for name, version, opts in PACKAGES:
        r = results[name + "@" + version]
        if not r["ok"]:
            failed.append(name + "@" + version + ": " + r["error"].splitlines()[0])
            continue
        for row in rows_for(name, version, opts, r["items"]):
            rows.add(tuple(tsv_safe(c) if c else "-" if i in (3, 7) else c for i, c in enumerate(row)))
    header = "package\tversion\tnamespace\ttype\tkind\tmember\tparams\treturns\tsource"
    lines = sorted("\t".join(r) for r in rows)
    lines = sorted(lines, key=lambda s: s.encode("utf-8"))
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        f.write(header + "\n")
        for line in lines:
            f.write(line + "\n")
    for msg in failed:
        print("FAILED " + msg, file=sys.stderr)
    print("%d rows -> %s" % (len(lines), args.out), file=sys.stderr)
    return 1 if failed else 0


SURFACE_JS = r"""// Reads one package's .d.ts entry with the TypeScript compiler API and prints its exported
// API surface as JSON (one object per package on stdout). Usage: node surface.js TS_DIR JOB_JSON
"use strict";
const path = require("path");
const fs = require("fs");
const ts = require(path.join(process.argv[2], "node_modules", "typescript"));
const job = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
const CRED = new RegExp(job.cred_regex, "i");
const MAX_DEPTH = 3;

function clean(text) {
  if (text === undefined || text === null) return "";
  let t = String(text).replace(/\/\*[\s\S]*?\*\//g, " ").replace(/(^|[^:"'])\/\/[^\n]*/g, "$1 ");
  t = t.replace(/\s+/g, " ").trim();
  t = t.replace(/import\((["'])[^"']*\1\)\./g, "");
  // drop namespace qualification: a.b.C -> C (identifiers only, not inside string literals)
  t = t.replace(/\b(?:[A-Za-z_$][\w$]*\.)+(?=[A-Za-z_$])/g, (m, off, s) => {
    const before = s.slice(0, off);
    const quotes = (before.match(/["'`]/g) || []).length;
    return quotes % 2 === 1 ? m : "";
  });
  t = t.replace(/;\s*}/g, " }").replace(/;/g, ",").replace(/\t/g, " ");
  return t;
}

function run(pkg) {
  const root = pkg.dir;
  const entry = path.join(root, pkg.entry);
  const program = ts.createProgram([entry], {
    allowJs: false, noEmit: true, skipLibCheck: true, noResolve: false, types: [],
    target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
  });
  const checker = program.getTypeChecker();
  const sf = program.getSourceFile(entry);
  const rel = (node) => path.relative(root, node.getSourceFile().fileName).split(path.sep).join("/");
  const inPkg = (decl) => path.resolve(decl.getSourceFile().fileName).startsWith(path.resolve(root) + path.sep);
  const out = [];
  const seen = new Set();

  function isHidden(decl) {
    if (!decl) return false;
    const f = ts.getCombinedModifierFlags(decl);
    if (f & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) return true;
    if (decl.name && ts.isPrivateIdentifier && ts.isPrivateIdentifier(decl.name)) return true;
    return false;
  }
  function isReadonly(decl) {
    return !!(decl && (ts.getCombinedModifierFlags(decl) & ts.ModifierFlags.Readonly));
  }
  function paramOf(p) {
    const d = p.valueDeclaration;
    let name = p.getName();
    let type = "";
    let optional = false;
    let rest = false;
    if (d && ts.isParameter(d)) {
      if (!ts.isIdentifier(d.name)) name = clean(d.name.getText());
      type = d.type ? clean(d.type.getText()) : "";
      optional = !!d.questionToken || !!d.initializer;
      rest = !!d.dotDotDotToken;
    } else {
      type = clean(checker.typeToString(checker.getTypeOfSymbol(p)));
    }
    return { name, type, optional, rest };
  }
  function sigOf(sig) {
    const d = sig.getDeclaration();
    let ret = "";
    if (d && d.type) ret = clean(d.type.getText());
    else ret = clean(checker.typeToString(checker.getReturnTypeOfSignature(sig)));
    return { params: sig.getParameters().map(paramOf), returns: ret,
      file: d ? rel(d) : "", hidden: isHidden(d) };
  }
  function propType(p) {
    const d = p.valueDeclaration || (p.declarations || [])[0];
    if (d && d.type) return clean(d.type.getText());
    try { return clean(checker.typeToString(checker.getTypeOfSymbol(p))); } catch (e) { return ""; }
  }
  function isOptionalProp(p) { return !!(p.flags & ts.SymbolFlags.Optional); }

  // nested credential-like fields: path -> {optional, type}
  function nested(type, prefix, depth, visiting, acc, file) {
    if (depth > MAX_DEPTH) return;
    const parts = type.isUnion() ? type.types : [type];
    for (const t0 of parts) {
      const t = checker.getNonNullableType(t0);
      if (!(t.flags & ts.TypeFlags.Object)) continue;
      if (checker.getSignaturesOfType(t, ts.SignatureKind.Call).length) continue;
      if (checker.getSignaturesOfType(t, ts.SignatureKind.Construct).length) continue;
      if (checker.isArrayType && checker.isArrayType(t)) continue;
      const sym = t.getSymbol() || t.aliasSymbol;
      const decls = (sym && sym.declarations) || [];
      if (decls.length && !decls.some(inPkg)) continue; // only the package's own types
      if (visiting.has(t)) continue;
      visiting.add(t);
      for (const p of checker.getPropertiesOfType(t)) {
        const d = p.valueDeclaration || (p.declarations || [])[0];
        if (d && isHidden(d)) continue;
        const name = p.getName();
        const pth = prefix + "." + name;
        const ptype = propType(p);
        if (CRED.test(name) || CRED.test(ptype)) {
          let callable = !!(p.flags & ts.SymbolFlags.Method);
          try { callable = callable || checker.getSignaturesOfType(checker.getNonNullableType(checker.getTypeOfSymbol(p)), ts.SignatureKind.Call).length > 0; } catch (e) {}
          acc.push({ name: pth, type: ptype, optional: isOptionalProp(p), readonly: isReadonly(d),
            file: d ? rel(d) : file, callable });
        }
        try { nested(checker.getTypeOfSymbol(p), pth, depth + 1, visiting, acc, file); } catch (e) {}
      }
      visiting.delete(t);
    }
  }

  function fieldsOf(type, fileFallback, withNested) {
    const res = [];
    for (const p of checker.getPropertiesOfType(type)) {
      const d = p.valueDeclaration || (p.declarations || [])[0];
      if (d && isHidden(d)) continue;
      const pt = checker.getTypeOfSymbol(p);
      const callable = checker.getSignaturesOfType(checker.getNonNullableType(pt), ts.SignatureKind.Call);
      const isMethod = !!(p.flags & ts.SymbolFlags.Method);
      if (isMethod) continue;
      const name = p.getName();
      const ty = propType(p);
      res.push({ name, type: ty, optional: isOptionalProp(p), readonly: isReadonly(d),
        file: d ? rel(d) : fileFallback, callable: callable.length > 0 });
      if (withNested) {
        const acc = [];
        try { nested(pt, name, 2, new Set(), acc, fileFallback); } catch (e) {}
        for (const a of acc) res.push(Object.assign({ nested: true }, a));
      }
    }
    return res;
  }
  function methodsOf(type) {
    const res = [];
    for (const p of checker.getPropertiesOfType(type)) {
      if (!(p.flags & ts.SymbolFlags.Method)) continue;
      const d = (p.declarations || [])[0];
      if (d && isHidden(d)) continue;
      const t = checker.getTypeOfSymbol(p);
      for (const s of checker.getSignaturesOfType(t, ts.SignatureKind.Call)) {
        const so = sigOf(s);
        if (so.hidden) continue;
        res.push(Object.assign({ name: p.getName() }, so));
      }
    }
    return res;
  }

  function visit(sym, qual, exportName) {
    if (sym.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym);
    const decls = sym.declarations || [];
    if (!decls.length) return;
    const key = sym;
    const name = exportName;
    if (seen.has(key + "|" + name) ) return;
    if (sym.flags & ts.SymbolFlags.Class) {
      if (seen.has(sym)) return;
      seen.add(sym);
      const cdecl = decls.find((d) => ts.isClassDeclaration(d)) || decls[0];
      const staticT = checker.getTypeOfSymbol(sym);
      const ctors = checker.getSignaturesOfType(staticT, ts.SignatureKind.Construct).map(sigOf)
        .filter((s) => !s.hidden);
      const statics = [];
      const staticFields = [];
      for (const p of checker.getPropertiesOfType(staticT)) {
        if (p.getName() === "prototype") continue;
        const d = (p.declarations || [])[0];
        if (d && isHidden(d)) continue;
        const t = checker.getTypeOfSymbol(p);
        const sigs = checker.getSignaturesOfType(t, ts.SignatureKind.Call);
        if (sigs.length) {
          for (const s of sigs) { const so = sigOf(s); if (!so.hidden) statics.push(Object.assign({ name: p.getName() }, so)); }
        }
      }
      const inst = checker.getDeclaredTypeOfSymbol(sym);
      const cname = cdecl && cdecl.name ? cdecl.name.text : (sym.getName() === "default" ? name : sym.getName());
      out.push({ kind: "class", name: cname, export: name, qual, file: rel(cdecl),
        ctors, statics, methods: methodsOf(inst), fields: fieldsOf(inst, rel(cdecl), false) });
    } else if (sym.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias)) {
      if (seen.has(sym)) {/* fall through to value side below */}
      else {
        seen.add(sym);
        const d0 = decls[0];
        const t = checker.getDeclaredTypeOfSymbol(sym);
        if (t.flags & (ts.TypeFlags.Object | ts.TypeFlags.Intersection | ts.TypeFlags.Union)) {
          let fields = [];
          let methods = [];
          try { fields = fieldsOf(t, rel(d0), true); methods = methodsOf(t); } catch (e) {}
          if (t.flags & ts.TypeFlags.Union) { fields = []; methods = []; }
          out.push({ kind: "interface", name: sym.getName(), export: name, qual, file: rel(d0), fields, methods });
        }
      }
    }
    if ((sym.flags & ts.SymbolFlags.Function) || ((sym.flags & ts.SymbolFlags.Variable) && !(sym.flags & ts.SymbolFlags.Class))) {
      const k = "fn|" + name + "|" + qual;
      if (seen.has(k)) return;
      seen.add(k);
      const t = checker.getTypeOfSymbol(sym);
      const sigs = checker.getSignaturesOfType(t, ts.SignatureKind.Call).map(sigOf).filter((s) => !s.hidden);
      const csigs = checker.getSignaturesOfType(t, ts.SignatureKind.Construct).map(sigOf);
      if (sigs.length || csigs.length)
        out.push({ kind: "function", name, export: name, qual, file: rel(decls[0]), sigs, ctors: csigs });
    }
    if (sym.flags & (ts.SymbolFlags.ValueModule | ts.SymbolFlags.NamespaceModule)) {
      const k = "ns|" + qual + "|" + name;
      if (seen.has(sym)) return;
      seen.add(sym);
      for (const e of checker.getExportsOfModule(sym)) visit(e, qual ? qual + "." + name : name, e.getName());
    }
  }

  const modSym = checker.getSymbolAtLocation(sf);
  let exportsList = [];
  if (modSym) exportsList = checker.getExportsOfModule(modSym);
  else {
    // global script declaration file (declare namespace X / declare module "x")
    for (const st of sf.statements) {
      if (ts.isModuleDeclaration(st) && st.name) {
        const s = checker.getSymbolAtLocation(st.name);
        if (s) exportsList.push(s);
      }
    }
  }
  for (const e of exportsList) visit(e, "", e.getName());
  return out;
}

const results = {};
for (const pkg of job.packages) {
  try { results[pkg.key] = { ok: true, items: run(pkg) }; }
  catch (e) { results[pkg.key] = { ok: false, error: String(e && e.stack || e) }; }
}
process.stdout.write(JSON.stringify(results));
"""

if __name__ == "__main__":
    sys.exit(main())
