#!/usr/bin/env python3
"""Extract the credential-relevant cmdlets of Azure PowerShell and the Azure CLI.

Writes scripts/sdk_catalogue/surface/powershell.tsv (format: scripts/sdk_catalogue/README.md):
one `cmdlet` row per parameter set of a PowerShell cmdlet, and one `cmdlet` row per Azure CLI
command (module `azure-cli`, member `az storage blob upload`).

PowerShell: read from platyPS help markdown (`## SYNTAX` blocks), cached under
/tmp/sdk-cache/powershell/<owner>+<name>/<commit>/<path> (override: KEYLESS_PS_CACHE). The extractor
reads only that cache; each row's source is `github:<owner>/<name>@<commit>/<path>`. How the cache
is filled (the files are public GitHub files, read with the team's search tool, not a registry):
- Azure/azure-powershell `src/<Service>/<Project>/help/<Cmdlet>.md` (Az modules) and
  MicrosoftDocs/azure-docs-powershell `azurermps-6.13.0/<Module>/<Cmdlet>.md` (AzureRM and its
  Azure.Storage) and `azuresmps-4.0.0/Azure.Storage/<Cmdlet>.md` (Service Management era): read
  with `read_file`; the cache keeps each file's front matter `Module Name`, its `## SYNTAX`
  section verbatim and its OUTPUTS heading (an excerpt; nothing else of the file is used).
- PlagueHO/CosmosDB (PowerShell Gallery module `CosmosDB`): the repository snapshot brought
  in with the search tool's `fetch`, `git show HEAD:docs/<Cmdlet>.md` for every docs/*.md.
The module is the file's `Module Name`, else its folder (`Azure.Storage`), else the repository's
module (`CosmosDB`). Version: the docs set for MicrosoftDocs/azure-docs-powershell
(`azurermps-6.13.0`), else the commit.

A syntax line is parsed as PowerShell help writes it: `-Name <Type>` mandatory, `[-Name <Type>]`
optional, `[-Name] <Type>` mandatory and positional, `[[-Name] <Type>]` optional and positional,
`[-Switch]` an optional switch (`Switch?:switch`), a bare `-Switch` a mandatory one.
`[<CommonParameters>]`, `-WhatIf`, `-Confirm` and `-ProgressAction` are left out. Kept: every
parameter set of a cmdlet that has a credential-like parameter (name or type matching CRED) or
whose own name is credential-like (`Get-AzStorageAccountKey`).

Azure CLI: `azure-cli==AZURE_CLI_VERSION` is installed with pip into a venv under /tmp (PyPI), and
for each command in CLI_COMMANDS its argument table is loaded with azure-cli's own command loader
(no login, no network): every argument's option strings, whether it is required, and its kind
(`switch` for flags, else `string`, or the enum's name when it has fixed choices). The row lists
each argument by its long option (`--account-key?:string`); the source is
`pypi:azure-cli==<version>/<module file that registers the command>`.

Usage: python3 scripts/sdk_catalogue/extract_powershell.py [--no-cli]
"""
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "surface", "powershell.tsv")
CACHE = os.environ.get("KEYLESS_PS_CACHE", "/tmp/sdk-cache/powershell")
HEADER = "package\tversion\tnamespace\ttype\tkind\tmember\tparams\treturns\tsource"

AZURE_CLI_VERSION = "2.91.0"
VENV = "/tmp/keyless-azcli-venv"

# Azure CLI commands to record: data-plane commands that take a key / connection string / SAS,
# login, and the commands that print keys or connection strings.
CLI_COMMANDS = [
    "login",
    "storage blob upload",
    "storage blob download",
    "storage blob list",
    "storage blob upload-batch",
    "storage blob generate-sas",
    "storage container create",
    "storage container list",
    "storage container generate-sas",
    "storage queue create",
    "storage message put",
    "storage table create",
    "storage entity insert",
    "storage file upload",
    "storage share create",
    "storage account generate-sas",
    "storage account keys list",
    "storage account show-connection-string",
    "cosmosdb keys list",
    "servicebus namespace authorization-rule keys list",
    "servicebus queue authorization-rule keys list",
    "eventhubs namespace authorization-rule keys list",
    "eventhubs eventhub authorization-rule keys list",
    "cognitiveservices account keys list",
    "search admin-key show",
    "search query-key list",
    "redis list-keys",
    "signalr key list",
    "appconfig credential list",
    # `az iot hub connection-string show` and `az webpubsub key show` come from CLI extensions
    # (azure-iot, webpubsub), not azure-cli itself: not recorded.
]

CRED = re.compile(r"(?i)conn(ection)?.?str|key|sas|signature|secret|password|credential|token")
# parameters that match CRED but carry no credential
NONCRED = re.compile(r"(?i)partition_?key|unique_?key|continuation_?token|session_?token|^keytype$|key_?type|kerb|^key_?name$|keyvault")
SKIP_PARAMS = {"WhatIf", "Confirm", "ProgressAction"}


def credlike(s):
    return bool(s) and bool(CRED.search(s)) and not NONCRED.search(s)


# ---------------------------------------------------------------- PowerShell help markdown

def parse_syntax_line(text):
    """`Cmdlet [-A] <String> [-B <Int32>] [-S] -C <X> [<CommonParameters>]` -> (cmdlet, params)."""
    text = " ".join(text.split())
    m = re.match(r"^([A-Za-z]+-[A-Za-z0-9]+)\s*(.*)$", text)
    if not m:
        return None, []
    name, rest = m.group(1), m.group(2)
    tokens = []  # ("opt", inner) | ("word", text)
    i = 0
    while i < len(rest):
        c = rest[i]
        if c.isspace():
            i += 1
            continue
        if c == "[":
            depth, j = 0, i
            while j < len(rest):
                if rest[j] == "[":
                    depth += 1
                elif rest[j] == "]":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            tokens.append(("opt", rest[i + 1:j].strip()))
            i = j + 1
            continue
        j = i
        if c == "<":
            j = rest.index(">", i) + 1
        else:
            while j < len(rest) and not rest[j].isspace() and rest[j] != "[":
                j += 1
        tokens.append(("word", rest[i:j]))
        i = j
    params = []
    k = 0
    while k < len(tokens):
        kind, t = tokens[k]
        nxt = tokens[k + 1] if k + 1 < len(tokens) else None
        if kind == "opt":
            if t == "<CommonParameters>":
                k += 1
                continue
            inner = re.match(r"^\[(-[\w]+)\]\s*<([^>]+)>$", t)          # [[-Name] <Type>]
            named = re.match(r"^(-[\w]+)\s*<([^>]+)>$", t)              # [-Name <Type>]
            switch = re.match(r"^(-[\w]+)$", t)                           # [-Name] or [-Switch]
            if inner:
                params.append((inner.group(1)[1:], inner.group(2), True))
            elif named:
                params.append((named.group(1)[1:], named.group(2), True))
            elif switch:
                if nxt and nxt[0] == "word" and nxt[1].startswith("<"):
                    params.append((switch.group(1)[1:], nxt[1][1:-1], False))   # [-Name] <Type>
                    k += 1
                else:
                    params.append((switch.group(1)[1:], "switch", True))
            k += 1
            continue
        if t.startswith("-"):
            if nxt and nxt[0] == "word" and nxt[1].startswith("<"):
                params.append((t[1:], nxt[1][1:-1], False))
                k += 2
                continue
            params.append((t[1:], "switch", False))
        k += 1
    return name, params


def fmt_ps(params):
    out = []
    for n, t, optional in params:
        if n in SKIP_PARAMS:
            continue
        t = "switch" if t.lower() == "switch" else t
        out.append(f"{n}{'?' if optional else ''}:{t}")
    return ";".join(out)


def read_help(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    module = None
    fm = re.match(r"^---\n(.*?)\n---", text, re.S)
    if fm:
        mm = re.search(r"^Module Name:\s*(\S+)", fm.group(1), re.M)
        if mm:
            module = mm.group(1)
    sec = re.search(r"^## SYNTAX\s*$(.*?)(?=^## )", text, re.S | re.M)
    sets = []
    if sec:
        for block in re.findall(r"```[a-z]*\n(.*?)```", sec.group(1), re.S):
            name, params = parse_syntax_line(block)
            if name:
                sets.append((name, params))
    return module, sets


def powershell_rows():
    rows = set()
    if not os.path.isdir(CACHE):
        sys.exit(f"no PowerShell help cache at {CACHE} (see the docstring for how it is filled)")
    for repo_dir in sorted(os.listdir(CACHE)):
        full = os.path.join(CACHE, repo_dir)
        if "+" not in repo_dir or not os.path.isdir(full):
            continue
        repo = repo_dir.replace("+", "/", 1)
        for commit in sorted(os.listdir(full)):
            base = os.path.join(full, commit)
            for root, _dirs, files in os.walk(base):
                for fn in sorted(files):
                    if not fn.endswith(".md"):
                        continue
                    path = os.path.join(root, fn)
                    rel = os.path.relpath(path, base).replace(os.sep, "/")
                    module, sets = read_help(path)
                    if not sets:
                        continue
                    parts = rel.split("/")
                    if not module:
                        module = parts[-2] if len(parts) > 1 and parts[-2] != "docs" else repo.split("/")[1]
                    version = parts[0] if repo == "MicrosoftDocs/azure-docs-powershell" else commit
                    cmdlet = sets[0][0]
                    keep = credlike(cmdlet.split("-", 1)[1]) or any(
                        credlike(n) or credlike(t) for _c, ps in sets for n, t, _o in ps
                        if n not in SKIP_PARAMS)
                    if not keep:
                        continue
                    for name, params in sets:
                        rows.add("\t".join([module, version, module, "-", "cmdlet", name, fmt_ps(params),
                                            "-", f"github:{repo}@{commit}/{rel}"]))
    return rows


# ---------------------------------------------------------------- Azure CLI

CLI_DUMP = r'''
import io, json, sys, contextlib
from azure.cli.core import get_default_cli
out = {}
for cmd in json.loads(sys.argv[1]):
    cli = get_default_cli()
    inv = cli.invocation_cls(cli_ctx=cli, commands_loader_cls=cli.commands_loader_cls,
                             parser_cls=cli.parser_cls, help_cls=cli.help_cls)
    cli.invocation = inv
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            inv.execute(cmd.split() + ["--help"])
    except SystemExit:
        pass
    words = cmd.split()
    sub = None
    group = inv.parser.subparsers.get(tuple(words[:-1]))
    choices = getattr(group, "choices", None) or {}
    if words[-1] in choices:
        sub = choices[words[-1]]
    if sub is None:
        out[cmd] = None
        continue
    args = []
    for act in sub._actions:
        if not act.option_strings or act.help == "==SUPPRESS==" or act.dest in ("help", "_help"):
            continue
        if act.dest.startswith("_") or act.dest in ("cmd",):
            continue
        kind = "switch" if act.nargs == 0 else ("enum" if act.choices else "string")
        args.append({"dest": act.dest, "options": list(act.option_strings), "required": bool(act.required),
                     "kind": kind})
    loaders = inv.commands_loader.cmd_to_loader_map.get(cmd) or []
    mod = loaders[0].__module__ if loaders else ""
    out[cmd] = {"args": args, "module": mod}
print(json.dumps(out, sort_keys=True))
'''


def cli_rows():
    py = os.path.join(VENV, "bin", "python")
    if not os.path.exists(py):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    have = subprocess.run([py, "-c", "import azure.cli.core, importlib.metadata as m;"
                           "print(m.version('azure-cli'))"], capture_output=True, text=True)
    if have.returncode != 0 or have.stdout.strip() != AZURE_CLI_VERSION:
        subprocess.run(["nice", "-n", "19", py, "-m", "pip", "install", "-q",
                        f"azure-cli=={AZURE_CLI_VERSION}"], check=True)
    env = dict(os.environ, AZURE_CONFIG_DIR="/tmp/keyless-azcli-config", AZURE_CORE_COLLECT_TELEMETRY="no")
    res = subprocess.run([py, "-c", CLI_DUMP, json.dumps(CLI_COMMANDS)], capture_output=True, text=True,
                         env=env)
    if res.returncode != 0:
        sys.exit("azure-cli dump failed:\n" + res.stderr[-3000:])
    data = json.loads(res.stdout.strip().splitlines()[-1])
    rows = set()
    missing = []
    for cmd in CLI_COMMANDS:
        d = data.get(cmd)
        if not d:
            missing.append(cmd)
            continue
        params = []
        for a in sorted(d["args"], key=lambda a: (not a["required"], a["dest"])):
            longs = [o for o in a["options"] if o.startswith("--")]
            opt = longs[0] if longs else a["options"][0]
            params.append(f"{opt}{'' if a['required'] else '?'}:{a['kind']}")
        rel = (d["module"] or "azure.cli").replace(".", "/") + "/__init__.py"
        rows.add("\t".join(["azure-cli", AZURE_CLI_VERSION, "azure-cli", "-", "cmdlet", f"az {cmd}",
                            ";".join(params), "-", f"pypi:azure-cli=={AZURE_CLI_VERSION}/{rel}"]))
    if missing:
        print("azure-cli commands not found: " + ", ".join(missing), file=sys.stderr)
    return rows


def main():
    rows = powershell_rows()
    if "--no-cli" not in sys.argv:
        rows |= cli_rows()
    body = sorted(rows, key=lambda r: r.encode("utf-8"))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        f.write(HEADER + "\n")
        for r in body:
            f.write(r + "\n")
    print(f"{OUT}: {len(body)} rows")


if __name__ == "__main__":
    main()
