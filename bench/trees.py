#!/usr/bin/env python3
"""Trees for bench/run.sh: the corpus split by file kind, and a tree of many small files.

Usage:
  trees.py split CORPUS DEST   hard-link (or copy) every file of CORPUS into DEST/KIND/ at the same
                               relative path; print one line per kind: KIND<TAB>DIR<TAB>FILES<TAB>BYTES
                               <TAB>EXTENSIONS (the most common ones, "ext:count,...")
  trees.py many DEST N         write N small files (~200 bytes, Azure-looking settings) under DEST;
                               print DIR<TAB>FILES<TAB>BYTES

The kinds follow keyless's own table of file types, src/filetypes.rs, read here at run time so a new
file type lands in the right kind without touching the bench:
  code    read as source code (ReadAs::Code: C#, Python, JS/TS, Java, Go, PowerShell, Rust)
  iac     Bicep and Terraform (ReadAs::Parsed(Bicep | Terraform)), and JSON files whose $schema is an
          ARM deployment template or parameter file
  config  every other parsed format: JSON, YAML, XML and key=value (.env, .properties, .ini, .cfg,
          .conf: these get keyless's key=value parse, so they are not "plain text"), and the decoded
          ones (ReadAs::Decoded: notebook cells, .http requests)
  other   text rules only: file types the table reads as Text (Markdown, shell, TOML, Dockerfile, ...)
          and every file it does not list (.txt, images, lock files, ...). This is the kind that needs
          no parser, the one the "within 3x of ripgrep" goal is about.
Ignore files (.gitignore, .ignore, .keylessignore, .rgignore) are left out of every kind tree: keyless
honours .gitignore outside a git repository and ripgrep does not, so leaving them out makes both read
the same files.

Standard library only.
"""

import collections
import os
import random
import re
import shutil
import sys

KINDS = ("config", "iac", "code", "other")
IGNORE_FILES = {".gitignore", ".ignore", ".keylessignore", ".rgignore"}
FILETYPES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "filetypes.rs")
ARM_SCHEMA = re.compile(
    rb'"\$schema"\s*:\s*"https?://schema\.management\.azure\.com/schemas/[^"]*'
    rb'[dD]eployment(Template|Parameters)\.json'
)


def strings(text):
    return re.findall(r'"([^"]*)"', text)


def file_types():
    """(extensions, file_names, read_as) of every FileType in src/filetypes.rs, in table order."""
    with open(FILETYPES, encoding="utf-8") as f:
        source = f.read()
    start = source.index("pub const FILE_TYPES")
    table = source[start:source.index("\n];", start)]
    types = []
    for block in re.split(r"\bFileType\s*\{", table)[1:]:
        ext = re.search(r"extensions:\s*&\[(.*?)\]", block, re.S)
        names = re.search(r"file_names:\s*&\[(.*?)\]", block, re.S)
        read_as = re.search(r"read_as:\s*ReadAs::(Parsed\(Format::\w+\)|Code\(Language::\w+\)|Decoded\(Decoder::\w+\)|Text)", block)
        if not (ext and names and read_as):
            sys.exit(f"trees.py: cannot read a FileType in {FILETYPES}:\n{block[:300]}")
        types.append((strings(ext.group(1)), strings(names.group(1)), read_as.group(1)))
    if not any(r.startswith("Code") for _, _, r in types) or not any(r.startswith("Parsed") for _, _, r in types):
        sys.exit(f"trees.py: {FILETYPES} no longer looks as expected (no parsed or code types found)")
    return types


def read_as_of(types, name):
    """How keyless reads a file of this name (filetypes::of_path), or None when the table lacks it."""
    name = name.lower()
    extension = name.rsplit(".", 1)[1] if "." in name else None
    for extensions, file_names, read_as in types:
        if extension is not None and extension in extensions:
            return read_as
        for file_name in file_names:
            if (name.startswith(file_name) if file_name.endswith(".") else name == file_name):
                return read_as
    return None


def is_arm(path):
    try:
        with open(path, "rb") as f:
            head = f.read(65536)
    except OSError:
        return False
    return ARM_SCHEMA.search(head) is not None


def kind_of(types, path):
    read_as = read_as_of(types, os.path.basename(path))
    if read_as is None or read_as == "Text":
        return "other"
    if read_as.startswith("Code"):
        return "code"
    if read_as in ("Parsed(Format::Bicep)", "Parsed(Format::Terraform)"):
        return "iac"
    if read_as == "Parsed(Format::Json)" and is_arm(path):
        return "iac"
    return "config"


def place(source, target):
    os.makedirs(os.path.dirname(target), exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def split(corpus, dest):
    types = file_types()
    if os.path.exists(dest):
        shutil.rmtree(dest)
    files = collections.Counter()
    nbytes = collections.Counter()
    extensions = {kind: collections.Counter() for kind in KINDS}
    for root, dirs, names in os.walk(corpus):
        dirs.sort()
        for name in sorted(names):
            path = os.path.join(root, name)
            if name in IGNORE_FILES or name == ".bench-stamp" or not os.path.isfile(path) or os.path.islink(path):
                continue
            kind = kind_of(types, path)
            place(path, os.path.join(dest, kind, os.path.relpath(path, corpus)))
            files[kind] += 1
            nbytes[kind] += os.path.getsize(path)
            lower = name.lower()
            extensions[kind]["." + lower.rsplit(".", 1)[1] if "." in lower.lstrip(".") else lower] += 1
    for kind in KINDS:
        os.makedirs(os.path.join(dest, kind), exist_ok=True)
        top = ",".join(f"{e}:{n}" for e, n in extensions[kind].most_common(12))
        print(f"{kind}\t{os.path.join(dest, kind)}\t{files[kind]}\t{nbytes[kind]}\t{top}")


# Small files that look like an Azure app's settings: mostly harmless, one in ten with a key-shaped
# (made-up, random) value, so keyless's parsers and rules both get work.
def fake_key(rng, n=86):
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    return "".join(rng.choice(alphabet) for _ in range(n)) + "=="


def small_file(rng, i):
    account = f"store{i % 997:03d}"
    keyed = (i // 5) % 10 == 0  # one file in ten of each shape
    secret = fake_key(rng) if keyed else "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/x)"
    shape = i % 5
    if shape == 0:
        return "appsettings.json", (
            '{\n  "Storage": {\n    "AccountName": "%s",\n    "Endpoint": "https://%s.blob.core.windows.net",\n    "AccountKey": "%s"\n  },\n'
            '  "ServiceBus": { "Namespace": "sb-%d.servicebus.windows.net" }\n}\n'
            % (account, account, secret, i)
        )
    if shape == 1:
        return "app.env", (
            "AZURE_STORAGE_ACCOUNT=%s\nAZURE_STORAGE_KEY=%s\nAZURE_CLIENT_ID=00000000-0000-0000-0000-%012d\n"
            "LOG_LEVEL=info\n" % (account, secret, i)
        )
    if shape == 2:
        return "values.yaml", (
            "storage:\n  account: %s\n  container: reports\n  storageAccountKey: \"%s\"\nreplicas: %d\n"
            % (account, secret, i % 7 + 1)
        )
    if shape == 3:
        return "settings.ini", (
            "[storage]\naccount = %s\nendpoint = https://%s.blob.core.windows.net\nkey = %s\n"
            % (account, account, secret)
        )
    return "notes.txt", (
        "Deploy %s to the staging slot, then swap.\nConnection: DefaultEndpointsProtocol=https;"
        "AccountName=%s;AccountKey=%s;EndpointSuffix=core.windows.net\n" % (account, account, secret)
    )


def many(dest, n):
    if os.path.exists(dest):
        shutil.rmtree(dest)
    rng = random.Random(18)
    total = 0
    for i in range(n):
        # 100 files a folder, 100 folders a top folder: d00/e00/00-appsettings.json ...
        directory = os.path.join(dest, f"d{i // 10000:02d}", f"e{(i // 100) % 100:02d}")
        if i % 100 == 0:
            os.makedirs(directory, exist_ok=True)
        name, text = small_file(rng, i)
        data = text.encode()
        with open(os.path.join(directory, f"{i % 100:02d}-{name}"), "wb") as f:
            f.write(data)
        total += len(data)
    print(f"{dest}\t{n}\t{total}")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "split":
        split(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "many":
        many(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
