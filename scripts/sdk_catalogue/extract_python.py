#!/usr/bin/env python3
"""Extract the credential-relevant API surface of the Azure Python SDKs.

Writes scripts/sdk_catalogue/surface/python.tsv (format: see README.md beside this file).

How it works (python3 stdlib only):
  1. `pip download --no-deps` of each pinned distribution below into a cache folder under /tmp
     (wheel preferred, sdist when no wheel exists); nothing is installed or executed.
  2. Every .py / .pyi file of the distribution is parsed with `ast` (never imported).
  3. A class or function counts as public when a public module (no path component starting with
     `_`) binds it: defined there, imported there (`from ._x import Name`), or star-imported. Its
     `namespace` is the shortest public module that binds it (what users write in their import).
  4. For each public class, members are collected along its base classes (resolved inside the
     package and its listed deps): `__init__` -> ctor `new`, classmethod/staticmethod -> static,
     other callables -> method. `@overload` signatures are kept as separate rows.
  5. Parameter types come from annotations, then PEP 484 type comments, then the docstring
     (`:type x:` / `:param T x:`). Keywords read through `**kwargs` (documented `:keyword` entries
     and `kwargs.pop/get("x")` in the body) become `field` rows.
  6. A type is kept when one of its members takes a credential-like parameter (README regex), or
     when it is listed in `force_types`; then all its ctor/static rows are written, plus its
     credential-like methods and fields. Module-level functions with credential-like parameters
     are written with type `-`; `module_fields` packages also get their credential-like
     module-level variables (e.g. `openai.api_key`) as `field` rows with type `-`.

Usage: python3 scripts/sdk_catalogue/extract_python.py [--cache /tmp/keyless-sdk-python]
                                                      [--only PACKAGE ...]
Needs the PyPI registry (pip). Deterministic for a given set of pins.
"""

import argparse
import ast
import io
import os
import re
import subprocess
import sys
import tarfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "surface", "python.tsv")

# (pypi name, version, options)
# options: deps: other entries (name==version) whose modules resolve imports (re-exports);
#          force_types: type names kept even without a credential-like parameter;
#          only_types: restrict a large package to these types (and its functions to none unless
#          listed in only_functions); module_fields: also emit credential-like module variables;
#          reexport_modules: plain modules whose imports from deps are public re-exports
#          (otherwise only package `__init__` re-exports of dep classes count);
#          pip: extra pip download arguments.
PINS = [
    # ---- storage (current)
    ("azure-storage-blob", "12.31.1", {}),
    ("azure-storage-queue", "12.18.1", {}),
    ("azure-storage-file-share", "12.27.1", {}),
    ("azure-storage-file-datalake", "12.26.1", {}),
    ("azure-data-tables", "12.7.0", {}),
    # ---- storage (legacy)
    ("azure-storage", "0.36.0", {}),
    ("azure-storage-blob", "2.1.0", {"deps": ["azure-storage-common==2.1.0"]}),
    ("azure-storage-queue", "2.1.0", {"deps": ["azure-storage-common==2.1.0"]}),
    ("azure-storage-file", "2.1.0", {"deps": ["azure-storage-common==2.1.0"]}),
    ("azure-storage-common", "2.1.0", {}),
    ("azure-cosmosdb-table", "1.0.6", {}),
    # ---- service bus / event hubs / event grid
    ("azure-servicebus", "7.15.0", {}),
    ("azure-servicebus", "0.50.3", {}),
    ("azure-eventhub", "5.15.1", {}),
    ("azure-eventhub", "1.3.3", {}),
    ("azure-eventhub-checkpointstoreblob", "1.2.0", {}),
    ("azure-eventhub-checkpointstoreblob-aio", "1.2.0", {}),
    ("azure-eventgrid", "4.22.1", {}),
    ("azure-eventgrid", "1.3.0", {}),
    ("azure-schemaregistry", "1.3.0", {}),
    # ---- app configuration, web pubsub
    ("azure-appconfiguration", "1.10.0", {}),
    ("azure-messaging-webpubsubservice", "1.3.0", {}),
    ("azure-messaging-webpubsubclient", "1.1.0", {}),
    # ---- cosmos
    ("azure-cosmos", "4.17.1", {"force_types": ["CosmosClient"]}),
    ("azure-cosmos", "3.2.0", {"force_types": ["CosmosClient"]}),
    ("pydocumentdb", "2.3.5", {"force_types": ["DocumentClient"]}),
    # ---- search
    ("azure-search-documents", "12.0.0", {}),
    ("azure-search", "1.0.0b2", {}),
    # ---- Azure AI services (current)
    ("azure-ai-formrecognizer", "3.3.3", {}),
    ("azure-ai-documentintelligence", "1.0.2", {}),
    ("azure-ai-textanalytics", "5.4.0", {}),
    ("azure-ai-language-questionanswering", "1.1.0", {}),
    ("azure-ai-language-conversations", "1.1.0", {}),
    ("azure-ai-translation-text", "2.0.0", {}),
    ("azure-ai-translation-document", "2.0.0", {}),
    ("azure-ai-vision-imageanalysis", "1.0.0", {}),
    ("azure-ai-vision-face", "1.0.0b2", {}),
    ("azure-ai-contentsafety", "1.0.0", {}),
    ("azure-ai-contentunderstanding", "1.1.0", {}),
    ("azure-ai-metricsadvisor", "1.0.1", {}),
    ("azure-ai-personalizer", "1.0.0b1", {}),
    ("azure-ai-anomalydetector", "3.0.0b6", {}),
    ("azure-ai-transcription", "1.0.0", {}),
    ("azure-ai-voicelive", "1.3.1", {}),
    ("azure-ai-inference", "1.0.0b9", {}),
    ("azure-ai-projects", "2.10.0", {}),
    ("azure-ai-agents", "1.1.0", {}),
    ("azure-cognitiveservices-speech", "1.53.0", {
        "pip": ["--only-binary=:all:", "--platform", "manylinux1_x86_64"]}),
    # ---- OpenAI
    ("openai", "3.63.0", {"only_types": ["OpenAI", "AsyncOpenAI", "AzureOpenAI",
                                         "AsyncAzureOpenAI"], "module_fields": True}),
    ("openai", "0.28.1", {"only_types": ["OpenAIObject", "Completion", "ChatCompletion",
                                         "Embedding", "Engine", "APIRequestor"],
                          "module_fields": True}),
    # ---- Azure AI services (legacy, track 1)
    ("azure-cognitiveservices-vision-computervision", "0.9.1", {}),
    ("azure-cognitiveservices-vision-face", "0.6.1", {}),
    ("azure-cognitiveservices-vision-customvision", "3.1.1", {}),
    ("azure-cognitiveservices-vision-contentmoderator", "1.0.1", {}),
    ("azure-cognitiveservices-language-luis", "0.7.1", {}),
    ("azure-cognitiveservices-language-textanalytics", "0.2.2", {}),
    ("azure-cognitiveservices-language-spellcheck", "2.0.1", {}),
    ("azure-cognitiveservices-knowledge-qnamaker", "0.3.1", {}),
    ("azure-cognitiveservices-personalizer", "0.1.1", {}),
    ("azure-cognitiveservices-anomalydetector", "0.3.1", {}),
    ("azure-cognitiveservices-formrecognizer", "0.1.1", {}),
    ("azure-cognitiveservices-inkrecognizer", "1.0.0b1", {}),
    ("azure-cognitiveservices-search-websearch", "2.0.1", {}),
    ("azure-cognitiveservices-search-imagesearch", "2.0.1", {}),
    ("azure-cognitiveservices-search-newssearch", "2.0.0", {}),
    ("azure-cognitiveservices-search-videosearch", "2.0.1", {}),
    ("azure-cognitiveservices-search-entitysearch", "2.0.1", {}),
    ("azure-cognitiveservices-search-customsearch", "0.3.1", {}),
    ("azure-cognitiveservices-search-customimagesearch", "0.2.1", {}),
    ("azure-cognitiveservices-search-autosuggest", "0.2.1", {}),
    ("azure-cognitiveservices-search-visualsearch", "0.2.0", {}),
    # ---- communication, maps
    ("azure-communication-sms", "1.1.0", {}),
    ("azure-communication-email", "1.1.0", {}),
    ("azure-communication-identity", "1.5.0", {}),
    ("azure-communication-chat", "1.3.0", {}),
    ("azure-communication-phonenumbers", "1.4.0", {}),
    ("azure-communication-rooms", "1.2.0", {}),
    ("azure-communication-callautomation", "1.6.0", {}),
    ("azure-communication-messages", "1.1.0", {}),
    ("azure-communication-jobrouter", "1.0.0", {}),
    ("azure-maps-search", "2.0.0b2", {}),
    ("azure-maps-render", "2.0.0b2", {}),
    ("azure-maps-route", "1.0.0b3", {}),
    ("azure-maps-geolocation", "1.0.0b3", {}),
    ("azure-maps-timezone", "1.0.0b1", {}),
    # ---- credentials / identity
    ("azure-core", "1.41.0", {}),
    ("azure-identity", "1.27.0", {}),
    ("msal", "1.39.0", {}),
    ("adal", "1.2.7", {}),
    ("msrest", "0.7.1", {}),
    ("msrestazure", "0.6.4.post1", {"deps": ["msrest==0.7.1"]}),
    ("azure-common", "1.1.28", {"deps": ["msrestazure==0.6.4.post1", "msrest==0.7.1"],
                                "reexport_modules": ["azure.common.credentials"]}),
    # ---- IoT
    ("azure-iot-device", "2.14.0", {}),
    ("azure-iot-hub", "2.7.0", {}),
    ("azure-iothub-provisioningserviceclient", "1.2.0", {}),
    # ---- Key Vault
    ("azure-keyvault-secrets", "4.12.0", {}),
    ("azure-keyvault-keys", "4.11.3", {}),
    ("azure-keyvault-certificates", "4.12.0", {}),
    ("azure-keyvault", "1.1.0", {"deps": ["msrest==0.7.1"]}),
    # ---- monitor / application insights
    ("azure-monitor-ingestion", "1.1.0", {}),
    ("azure-monitor-query", "2.0.0", {}),
    ("azure-monitor-opentelemetry-exporter", "1.0.0b58", {}),
    ("azure-monitor-opentelemetry", "1.8.11", {}),
    ("applicationinsights", "0.11.10", {}),
    ("opencensus-ext-azure", "1.1.15", {}),
    # ---- batch, container registry
    ("azure-batch", "15.1.0", {}),
    ("azure-batch", "14.2.0", {"deps": ["msrest==0.7.1"]}),
    ("azure-containerregistry", "1.2.0", {}),
]

CRED_RE = re.compile(r"(?i)conn(ection)?.?str|key|sas|signature|secret|password|credential|token")
SKIP_DIRS = {"tests", "test", "samples", "sample", "examples", "example", "doc", "docs",
             "build", "scripts", "perfstress_tests", "stress", "dev_requirements"}
TEXT_LIMIT = 300  # longest type text kept
# Parameter names that match the credential regex but never carry a credential; they do not make
# a type or method eligible (paging tokens, Cosmos/Tables keys, msrest model plumbing, customer-
# provided encryption keys and client-side encryption key objects).
NOISE_PARAMS = re.compile(
    r"(?i)^(k|__key|cpk|keep_readonly|is_system_key)$|partition_?key|row_?key|continuation_?token"
    r"|session_?token|lock_?token|resume_?token|sync_?token|key_?transformer|key_?extractor"
    r"|key_encryption_key|key_resolver|tokeni[sz]|token_?filter|token_?char|tokens\b|_tokens"
    r"|max_\w*token|token_?(count|length|limit|usage)|keyword|key_?phrase|stopword")
# Types that never carry a credential, whatever the parameter is called.
PLAIN_TYPES = re.compile(r"^(Optional\[)?(bool|int|float|datetime|timedelta)\]?$")
# Type names that match the credential regex but are not credentials (removed before matching).
NOISE_TYPES = re.compile(r"PartitionKey\w*|\w*ContinuationToken\w*|KeyType\b|\w*SessionToken\w*"
                        r"|\w*Token(?:izer|Filter|Usage|Count|Chars?|s)\w*|\w*Key[Pp]hrase\w*"
                        r"|\w*Keyword\w*")
# Members of generic base classes (msrest Model, DictMixin, pollers, pagers, tracing spans):
# never counted and never written.
NOISE_MEMBERS = {"as_dict", "from_dict", "deserialize", "serialize", "validate",
                 "enable_additional_properties_sending", "is_xml_model", "get", "has_key",
                 "keys", "items", "values", "pop", "setdefault", "by_page", "add_header",
                 "add_attribute", "from_continuation_token", "get_continuation_token",
                 "continuation_token", "extract_date_and_request_id"}


def log(*a):
    print(*a, file=sys.stderr)


# ----------------------------------------------------------------------------- download

def download(cache, name, version, extra):
    dest = os.path.join(cache, "dl", f"{name}=={version}")
    os.makedirs(dest, exist_ok=True)
    have = [f for f in os.listdir(dest) if f.endswith((".whl", ".tar.gz", ".zip", ".tar.bz2"))]
    if have:
        return os.path.join(dest, sorted(have)[0])
    base = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
            "-q", "-d", dest, f"{name}=={version}"]
    tries = [base + extra] if extra else [base + ["--only-binary=:all:"], base + ["--no-binary=:all:"]]
    for cmd in tries:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        have = [f for f in os.listdir(dest) if f.endswith((".whl", ".tar.gz", ".zip", ".tar.bz2"))]
        if have:
            return os.path.join(dest, sorted(have)[0])
    raise SystemExit(f"pip download failed for {name}=={version}: {r.stderr[-2000:]}")


def read_archive(path):
    """Return {relative module path: source text} for the .py/.pyi files of a dist archive."""
    files = {}
    if path.endswith((".whl", ".zip")):
        with zipfile.ZipFile(path) as z:
            names = [(n, lambda n=n: z.read(n)) for n in z.namelist()]
            items = [(n, r()) for n, r in names if n.endswith((".py", ".pyi"))]
        strip_first = path.endswith(".zip")
    else:
        items = []
        with tarfile.open(path) as t:
            for m in t.getmembers():
                if m.isfile() and m.name.endswith((".py", ".pyi")):
                    items.append((m.name, t.extractfile(m).read()))
        strip_first = True
    for n, data in items:
        parts = n.split("/")
        if strip_first:
            parts = parts[1:]
            if parts and parts[0] == "src":
                parts = parts[1:]
        if not parts or ".dist-info" in parts[0] or ".egg-info" in parts[0]:
            continue
        if len(parts) == 1:  # setup.py, conftest.py ...
            continue
        if any(p in SKIP_DIRS for p in parts[:-1]):
            continue
        try:
            files["/".join(parts)] = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            files["/".join(parts)] = data.decode("latin-1")
    return files


# ----------------------------------------------------------------------------- module index

class Module:
    def __init__(self, dist, name, path, text, is_pkg):
        self.dist = dist
        self.name = name
        self.path = path
        self.is_pkg = is_pkg
        try:
            self.tree = ast.parse(text, type_comments=True)
        except SyntaxError:
            try:
                self.tree = ast.parse(text)
            except SyntaxError:
                self.tree = ast.Module(body=[], type_ignores=[])
        self.events = []  # in order: ("def", name, node) ("imp", name, mod, orig) ("star", mod)
        self.all = None
        self.vars = []  # (name, node) module-level assignments
        self._walk(self.tree.body)

    def absmod(self, level, mod):
        if level == 0:
            return mod or ""
        base = self.name.split(".")
        if not self.is_pkg:
            base = base[:-1]
        if level > 1:
            base = base[: len(base) - (level - 1)]
        return ".".join(base + ([mod] if mod else []))

    def _walk(self, body):
        for st in body:
            if isinstance(st, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                self.events.append(("def", st.name, st))
            elif isinstance(st, ast.ImportFrom):
                m = self.absmod(st.level, st.module)
                for a in st.names:
                    if a.name == "*":
                        self.events.append(("star", m))
                    else:
                        self.events.append(("imp", a.asname or a.name, m, a.name))
            elif isinstance(st, ast.Import):
                for a in st.names:
                    if a.asname:
                        self.events.append(("mod", a.asname, a.name))
            elif isinstance(st, (ast.Assign, ast.AnnAssign)):
                targets = st.targets if isinstance(st, ast.Assign) else [st.target]
                for t in targets:
                    if isinstance(t, ast.Name):
                        if t.id == "__all__":
                            self._set_all(st.value)
                        else:
                            self.vars.append((t.id, st))
                            # alias: Name = OtherName
                            if isinstance(st.value, ast.Name):
                                self.events.append(("alias", t.id, st.value.id))
            elif isinstance(st, ast.AugAssign) and isinstance(st.target, ast.Name) \
                    and st.target.id == "__all__":
                self._add_all(st.value)
            elif isinstance(st, ast.Expr) and isinstance(st.value, ast.Call):
                f = st.value.func
                if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) \
                        and f.value.id == "__all__" and f.attr == "extend" and st.value.args:
                    self._add_all(st.value.args[0])
            elif isinstance(st, ast.If):
                test = ast.unparse(st.test)
                if "TYPE_CHECKING" in test:
                    continue
                self._walk(st.body)
                self._walk(st.orelse)
            elif isinstance(st, ast.Try):
                # fallbacks first, so the bindings of the `try` body (what a current Python
                # runs, e.g. `from .x_py3 import X` over `from .x import X`) win
                for h in st.handlers:
                    self._walk(h.body)
                self._walk(st.body)
                self._walk(st.orelse)
                self._walk(st.finalbody)

    def _set_all(self, value):
        self.all = []
        self._add_all(value)

    def _add_all(self, value):
        if self.all is None:
            self.all = []
        if isinstance(value, (ast.List, ast.Tuple)):
            for e in value.elts:
                if isinstance(e, ast.Constant) and isinstance(e.value, str):
                    self.all.append(e.value)
        elif isinstance(value, ast.ListComp) and isinstance(value.generators[0].iter, ast.Name):
            # __all__.extend([p for p in _patch_all if p not in __all__])
            self.events.append(("allfrom", value.generators[0].iter.id))
        elif isinstance(value, ast.Name):
            self.events.append(("allfrom", value.id))


class Index:
    """Modules of one distribution plus those of its deps."""

    def __init__(self, dists):
        self.mods = {}
        for d in dists:  # first wins: the distribution itself first, then deps
            for m in d.modules.values():
                self.mods.setdefault(m.name, m)
        self._bind = {}

    def bindings(self, modname, stack=()):
        """name -> ("def", mod, node) | ("imp", mod, orig) | ("mod", modname)"""
        if modname in self._bind:
            return self._bind[modname]
        m = self.mods.get(modname)
        if m is None or modname in stack:
            return {}
        stack = stack + (modname,)
        b = {}
        for ev in m.events:
            if ev[0] == "def":
                b[ev[1]] = ("def", m, ev[2])
            elif ev[0] == "imp":
                _, name, src, orig = ev
                if src + "." + orig in self.mods:
                    b[name] = ("mod", src + "." + orig)
                else:
                    b[name] = ("imp", src, orig)
            elif ev[0] == "mod":
                b[ev[1]] = ("mod", ev[2])
            elif ev[0] == "alias":
                if ev[2] in b:
                    b[ev[1]] = b[ev[2]]
            elif ev[0] == "star":
                for n in self.star_names(ev[1], stack):
                    b[n] = ("imp", ev[1], n)
        self._bind[modname] = b
        return b

    def all_names(self, modname, stack=()):
        m = self.mods.get(modname)
        if m is None:
            return None
        names = list(m.all) if m.all is not None else None
        for ev in m.events:
            if ev[0] == "allfrom":
                # the name was imported as `from .x import __all__ as alias`
                for e2 in m.events:
                    if e2[0] == "imp" and e2[1] == ev[1] and e2[3] == "__all__":
                        more = self.all_names(e2[2], stack) or []
                        names = (names or []) + [n for n in more if n not in (names or [])]
        return names

    def star_names(self, modname, stack):
        names = self.all_names(modname, stack)
        if names is not None:
            return names
        return [n for n in self.bindings(modname, stack) if not n.startswith("_")]

    def resolve(self, modname, name, depth=0):
        """Follow imports to a definition: (Module, node) or None."""
        if depth > 20:
            return None
        b = self.bindings(modname).get(name)
        if b is None:
            return None
        if b[0] == "def":
            return (b[1], b[2])
        if b[0] == "imp":
            return self.resolve(b[1], b[2], depth + 1)
        return None

    def resolve_expr(self, mod, expr):
        """Resolve a base-class expression (Name or dotted Attribute) seen in module mod."""
        if isinstance(expr, ast.Subscript):  # Generic[...] bases
            expr = expr.value
        if isinstance(expr, ast.Name):
            return self.resolve(mod.name, expr.id)
        if isinstance(expr, ast.Attribute):
            chain = []
            e = expr
            while isinstance(e, ast.Attribute):
                chain.append(e.attr)
                e = e.value
            if isinstance(e, ast.Name):
                chain.append(e.id)
                chain.reverse()
                b = self.bindings(mod.name).get(chain[0])
                if b and b[0] == "mod":
                    target = ".".join([b[1]] + chain[1:-1])
                    return self.resolve(target, chain[-1])
                full = ".".join(chain[:-1])
                if full in self.mods:
                    return self.resolve(full, chain[-1])
        return None


class Dist:
    def __init__(self, name, version, files):
        self.name = name
        self.version = version
        self.modules = {}
        for path, text in sorted(files.items()):
            parts = path.split("/")
            last = parts[-1]
            if last in ("__init__.py", "__init__.pyi"):
                mod, is_pkg = ".".join(parts[:-1]), True
            else:
                mod, is_pkg = ".".join(parts[:-1] + [last.rsplit(".", 1)[0]]), False
            if not all(p.isidentifier() for p in mod.split(".")):
                continue
            if mod in self.modules and path.endswith(".pyi"):
                continue  # prefer the .py source; stubs only where no source exists
            self.modules[mod] = Module(self, mod, path, text, is_pkg)
        # AutoRest track-1 packages ship `x.py` (Python 2) beside `x_py3.py`; only the latter runs
        for mod in [m for m in self.modules if m + "_py3" in self.modules]:
            del self.modules[mod]


def is_public_module(name):
    return not any(p.startswith("_") for p in name.split(".")) and \
        not any(p in SKIP_DIRS for p in name.split("."))


# ----------------------------------------------------------------------------- types

class _Unqualify(ast.NodeTransformer):
    def visit_Attribute(self, node):
        return ast.copy_location(ast.Name(id=node.attr, ctx=ast.Load()), node)

    def visit_Constant(self, node):
        if isinstance(node.value, str):
            try:
                inner = ast.parse(node.value, mode="eval").body
                return self.visit(inner)
            except SyntaxError:
                return node
        return node


def clean_text(s):
    s = re.sub(r"\s+", " ", s).strip()
    s = s.replace("\t", " ").replace(";", ",")
    if len(s) > TEXT_LIMIT:
        s = s[:TEXT_LIMIT]
    return s


def type_of(node):
    if node is None:
        return ""
    try:
        node = _Unqualify().visit(ast.parse(ast.unparse(node), mode="eval").body)
        return clean_text(ast.unparse(node))
    except Exception:
        return ""


def type_from_text(s):
    if not s:
        return ""
    s = s.strip().strip("`").replace("~", "")
    s = re.sub(r":(?:class|py:class|obj|data|func|ref):", "", s).replace("`", "")
    try:
        return type_of(ast.parse(s, mode="eval").body)
    except SyntaxError:
        s = re.sub(r"\b(?:[A-Za-z_]\w*\.)+(?=[A-Za-z_])", "", s)
        return clean_text(s)


DOC_TYPE = re.compile(r"^[ \t]*:type[ \t]+\*{0,2}(\w+)[ \t]*:[ \t]*(.+?)[ \t]*$", re.M)
DOC_PARAM = re.compile(r"^[ \t]*:param[ \t]+([^:\n]+?)[ \t]+\*{0,2}(\w+)[ \t]*:", re.M)
DOC_KW = re.compile(r"^[ \t]*:keyword[ \t]+(?:([^:\n]+?)[ \t]+)?\*{0,2}(\w+)[ \t]*:", re.M)
DOC_KWTYPE = re.compile(r"^[ \t]*:paramtype[ \t]+(\w+)[ \t]*:[ \t]*(.+?)[ \t]*$", re.M)
DOC_RTYPE = re.compile(r"^[ \t]*:rtype[ \t]*:[ \t]*(.+?)[ \t]*$", re.M)


def doc_types(fn, cls=None):
    doc = ast.get_docstring(fn) or ""
    if cls is not None:  # Azure SDKs document constructor parameters on the class
        doc = (ast.get_docstring(cls) or "") + "\n" + doc
    params, kws = {}, {}
    for m in DOC_PARAM.finditer(doc):
        params.setdefault(m.group(2), type_from_text(m.group(1)))
    for m in DOC_TYPE.finditer(doc):
        params[m.group(1)] = type_from_text(m.group(2))
    for m in DOC_KW.finditer(doc):
        kws.setdefault(m.group(2), type_from_text(m.group(1) or ""))
    for m in DOC_KWTYPE.finditer(doc):
        if m.group(1) in kws or m.group(1) not in params:
            kws[m.group(1)] = type_from_text(m.group(2))
    last = None  # `:type T` with no name after a `:param x:` line (seen in legacy storage)
    for line in doc.splitlines():
        m = re.match(r"^\s*:param\s+(?:.+?\s+)?\*{0,2}(\w+)\s*:", line)
        if m:
            last = m.group(1)
            continue
        m = re.match(r"^\s*:type\s+([^:\s]+)\s*$", line)
        if m and last and not params.get(last):
            params[last] = type_from_text(m.group(1))
    rm = DOC_RTYPE.search(doc)
    return params, kws, (type_from_text(rm.group(1)) if rm else "")


def func_type_comment(fn):
    if not getattr(fn, "type_comment", None):
        return None
    try:
        return ast.parse(fn.type_comment, mode="func_type")
    except SyntaxError:
        return None


def decorators(fn):
    out = set()
    for d in fn.decorator_list:
        if isinstance(d, ast.Call):
            d = d.func
        if isinstance(d, ast.Name):
            out.add(d.id)
        elif isinstance(d, ast.Attribute):
            out.add(d.attr)
    return out


def kwargs_read(fn, cls=None):
    """Keywords a function takes through **kwargs: documented `:keyword` entries and
    `kwargs.pop/get/setdefault("x")` / `kwargs["x"]` in its body -> {name: type}."""
    a = fn.args
    if not a.kwarg:
        return {}
    kwname = a.kwarg.arg
    dparams, dkws, _ = doc_types(fn, cls)
    kw = dict(dkws)
    for node in ast.walk(fn):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and isinstance(node.func.value, ast.Name) and node.func.value.id == kwname \
                and node.func.attr in ("pop", "get", "setdefault") and node.args \
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            kw.setdefault(node.args[0].value, dparams.get(node.args[0].value, ""))
        elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) \
                and node.value.id == kwname and isinstance(node.slice, ast.Constant) \
                and isinstance(node.slice.value, str):
            kw.setdefault(node.slice.value, "")
    return {k: v for k, v in kw.items() if k.isidentifier() and not k.startswith("_")}


def signature(fn, drop_first, cls=None):
    """-> (params texts, return type, {keyword: type} read through **kwargs, [(name, type)])."""
    a = fn.args
    ft = func_type_comment(fn)
    dparams, dkws, drtype = doc_types(fn, cls)
    positional = list(a.posonlyargs) + list(a.args)
    defaults = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
    if drop_first and positional:
        positional, defaults = positional[1:], defaults[1:]
    ft_args = list(ft.argtypes) if ft else []
    if ft_args and isinstance(ft_args[0], ast.Constant) and ft_args[0].value is Ellipsis:
        ft_args = []
    out = []
    order = [(p, d is not None, "") for p, d in zip(positional, defaults)]
    if a.vararg:
        order.append((a.vararg, True, "..."))
    for p, d in zip(a.kwonlyargs, a.kw_defaults):
        order.append((p, d is not None, ""))
    for i, (p, optional, prefix) in enumerate(order):
        t = type_of(p.annotation)
        if not t and p.type_comment:
            t = type_from_text(p.type_comment)
        if not t and i < len(ft_args):
            t = type_of(ft_args[i])
        if not t:
            t = dparams.get(p.arg, "")
        out.append((f"{prefix}{p.arg}{'?' if optional and not prefix else ''}:{t}", p.arg, t))
    kwname = None
    if a.kwarg:
        kwname = a.kwarg.arg
        t = type_of(a.kwarg.annotation)
        out.append((f"**{a.kwarg.arg}:{t}", a.kwarg.arg, t))
    rt = type_of(fn.returns) or (type_of(ft.returns) if ft else "") or drtype
    kw = kwargs_read(fn, cls)
    names = {n for _, n, _ in out}
    kw = {k: v for k, v in kw.items() if k not in names}
    return [t for t, _, _ in out], rt, kw, [(n, t) for _, n, t in out]


def cred_like(text):
    return bool(CRED_RE.search(text or ""))


def noise_param(name):
    return bool(NOISE_PARAMS.search(name))


def cred_type(t):
    return cred_like(NOISE_TYPES.sub("", t or ""))


def takes_credential(named):
    return any((cred_like(n) or cred_type(t)) for n, t in named
               if not noise_param(n) and n not in ("kwargs", "args")
               and not PLAIN_TYPES.match(t or ""))


# ----------------------------------------------------------------------------- extraction

def class_mro(index, mod, node, seen=None):
    seen = seen if seen is not None else set()
    key = (mod.name, node.name)
    if key in seen:
        return []
    seen.add(key)
    out = [(mod, node)]
    for b in node.bases:
        r = index.resolve_expr(mod, b)
        if r and isinstance(r[1], ast.ClassDef):
            out += class_mro(index, r[0], r[1], seen)
    return out


def class_members(index, mod, node):
    """-> list of (kind, member, fn, defining module)."""
    found = {}
    for m, cls in class_mro(index, mod, node):
        local = {}
        for st in cls.body:
            if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)):
                local.setdefault(st.name, []).append(st)
        for name, fns in local.items():
            if name in found:
                continue
            if name.startswith("_") and name != "__init__":
                continue
            found[name] = [(m, f, cls) for f in fns]
    rows = []
    for name, fns in found.items():
        overloads = [x for x in fns if "overload" in decorators(x[1])]
        impl = [x for x in fns if "overload" not in decorators(x[1])]
        for m, f, cls in overloads + impl[-1:]:
            decs = decorators(f)
            if decs & {"property", "setter", "getter", "deleter", "cached_property"}:
                continue
            if name == "__init__":
                kind, member = "ctor", "new"
            elif decs & {"classmethod", "staticmethod"}:
                kind, member = "static", name
            else:
                kind, member = "method", name
            rows.append((kind, member, f, m, "staticmethod" not in decs, cls))
    return rows


def inherited_kwargs(index, mod, node):
    """Keywords read through **kwargs by the __init__ of every class in the MRO (constructors
    hand **kwargs on to super().__init__)."""
    kw = {}
    for m, cls in class_mro(index, mod, node):
        for st in cls.body:
            if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)) and st.name == "__init__":
                for k, v in kwargs_read(st, cls).items():
                    if not kw.get(k):
                        kw[k] = v
    return kw


def pick_namespace(cands, index, dist, reexport=()):
    """Public module binding the definition: a package `__init__` (shallowest first), else the
    defining module, else the shallowest module that merely imports it; the class's own name
    before an alias. A definition from
    a dep distribution counts only when one of this distribution's packages re-exports it."""
    def rank(c):
        mod = index.mods[c[0]]
        defmod = c[2][0]
        return (c[1] != c[2][1].name, 0 if mod.is_pkg else (1 if defmod.name == c[0] else 2),
                c[0].count("."), c[0], c[1])
    if cands[0][2][0].dist is not dist:
        cands = [c for c in cands if index.mods[c[0]].is_pkg or c[0] in reexport]
        if not cands:
            return None
    return sorted(cands, key=rank)[0]


def extract(dist, deps, opts):
    index = Index([dist] + deps)
    exports = {}  # (defmod, defname) -> [(pubmod, pubname)]
    for modname in sorted(dist.modules):
        if not is_public_module(modname):
            continue
        for name in sorted(index.bindings(modname)):
            if name.startswith("_"):
                continue
            r = index.resolve(modname, name)
            if r is None:
                continue
            exports.setdefault((r[0].name, r[1].name), []).append((modname, name, r))
    rows = set()
    only = set(opts.get("only_types", []))
    force = set(opts.get("force_types", []))

    def src(m):
        return f"pypi:{m.dist.name}=={m.dist.version}/{m.path}"

    for key in sorted(exports):
        picked = pick_namespace(exports[key], index, dist, opts.get("reexport_modules", ()))
        if picked is None:
            continue
        ns, pubname, (defmod, node) = picked
        if isinstance(node, ast.ClassDef):
            if only and pubname not in only:
                continue
            members = class_members(index, defmod, node)
            rendered = []
            keep = pubname in force
            base_kw = None
            for kind, member, fn, m, drop, cls in members:
                if member in NOISE_MEMBERS:
                    continue
                params, rt, kw, named = signature(fn, drop, cls if kind == "ctor" else None)
                if kind == "ctor" and fn.args.kwarg:
                    if base_kw is None:
                        base_kw = inherited_kwargs(index, defmod, node)
                    names = {n for n, _ in named}
                    for k, v in base_kw.items():
                        if k not in names and not kw.get(k):
                            kw[k] = v
                taking = takes_credential(named)
                kw_cred = {k: v for k, v in kw.items()
                           if not noise_param(k) and not PLAIN_TYPES.match(v or "")
                           and (cred_like(k) or cred_type(v))}
                if taking:
                    keep = True
                if kind in ("ctor", "static") and kw_cred:
                    keep = True
                rendered.append((kind, member, params, rt, kw_cred, m, taking))
            if not keep:
                continue
            for kind, member, params, rt, kw_cred, m, taking in rendered:
                if kind == "method" and not (taking or (cred_like(member) and not noise_param(member))):
                    continue
                ret = "-" if kind == "ctor" else (rt or "")
                rows.add((dist.name, dist.version, ns, pubname, kind, member, ";".join(params),
                          ret, src(m)))
                if kind in ("ctor", "static"):
                    for k in sorted(kw_cred):
                        t = kw_cred[k]
                        rows.add((dist.name, dist.version, ns, pubname, "field", k,
                                  f"{k}?:{t}", "-", src(m)))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if only and pubname not in opts.get("only_functions", []):
                continue
            params, rt, kw, named = signature(node, False)
            taking = takes_credential(named)
            kw_cred = {k: v for k, v in kw.items()
                       if not noise_param(k) and not PLAIN_TYPES.match(v or "")
                           and (cred_like(k) or cred_type(v))}
            if not (taking or kw_cred):
                continue
            rows.add((dist.name, dist.version, ns, "-", "static", pubname, ";".join(params),
                      rt or "", src(defmod)))
            for k in sorted(kw_cred):
                rows.add((dist.name, dist.version, ns, "-", "field", k, f"{k}?:{kw_cred[k]}",
                          "-", src(defmod)))
    if opts.get("module_fields"):
        for modname in sorted(dist.modules):
            m = dist.modules[modname]
            if not is_public_module(modname) or not m.is_pkg:
                continue
            for name, st in m.vars:
                if name.startswith("_") or not cred_like(name):
                    continue
                t = type_of(st.annotation) if isinstance(st, ast.AnnAssign) else ""
                rows.add((dist.name, dist.version, modname, "-", "field", name,
                          f"{name}?:{t}", "-", src(m)))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", default="/tmp/keyless-sdk-python")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--out", default=OUT)
    args = ap.parse_args()
    dists = {}

    def load(name, version, extra=()):
        key = f"{name}=={version}"
        if key not in dists:
            path = download(args.cache, name, version, list(extra))
            dists[key] = Dist(name, version, read_archive(path))
        return dists[key]

    rows = set()
    for name, version, opts in PINS:
        if args.only and name not in args.only:
            continue
        d = load(name, version, opts.get("pip", ()))
        deps = [load(*k.split("==")) for k in opts.get("deps", [])]
        got = extract(d, deps, opts)
        log(f"{name}=={version}: {len(got)} rows")
        rows |= got
    header = "package\tversion\tnamespace\ttype\tkind\tmember\tparams\treturns\tsource"
    lines = sorted("\t".join(r) for r in rows)
    lines = sorted(set(lines), key=lambda s: s.encode("utf-8"))
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        f.write(header + "\n")
        for line in lines:
            f.write(line + "\n")
    log(f"wrote {len(lines)} rows to {args.out}")


if __name__ == "__main__":
    main()
