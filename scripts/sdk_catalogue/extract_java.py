#!/usr/bin/env python3
"""Extract the Java SDK surface that keyless's catalogue needs.

Writes scripts/sdk_catalogue/surface/java.tsv (format: scripts/sdk_catalogue/README.md).

Maven Central is not reachable from the project's machines, so this extractor reads Java
sources from a local cache folder (default /tmp/sdk-cache/java, override with
KEYLESS_JAVA_CACHE or --cache).  Nothing from the cache is committed.  The cache holds two
kinds of files, both under <cache>/<owner>+<repo>/<commit>/<path-in-repo>:

1. Excerpts of Azure/azure-sdk-for-java files, read with the search tool's read_file (the
   repository is too large to fetch).  read_file serves one stored version of a file, so the
   commit differs from file to file and is recorded in every row's `source`.  Each excerpt
   starts with a header line
       // keyless-cache repo=<owner/repo> commit=<sha> path=<path> read=<from>-<to>
   (the character range that was read) followed by the `package` line and the public
   declaration lines, copied verbatim from the text read, one declaration per line
   (a declaration whose parameters wrap keeps its continuation lines).  A class declaration
   line appears only where the read covered it; otherwise the type is the file name.
   To refill: read each path in AZURE_SDK_FOR_JAVA_FILES with read_file (repo
   Azure/azure-sdk-for-java, commit as listed) and save the declaration lines the same way.

2. Whole files copied out of git snapshots of smaller repositories (the search tool's
   `fetch`), pinned in MIRROR_FILES.  `--fill-from-mirror <dir>` copies them with
   `git show <commit>:<path>` from <dir>/<owner>+<repo>/repo into the cache.

The parser is regex based: it strips comments, string literals and annotations, walks the
braces, and reads public constructors, public static methods and public instance methods of
public (nested) classes.  Rows kept, per the README:
- a type is kept when its own name, or the name or type of a parameter of any of its public
  members, matches CRED_RE;
- for a kept type: every public constructor and static method; every instance method whose
  name or a parameter name/type matches CRED_RE (except the NOT_CRED_PARAM names and the
  "sAsync" camel-case artefact); `endpoint` setters (they pair with
  credential setters on builders); and, for types whose own name matches CRED_RE
  (credential types and credential builders), every public instance method except
  getters/is*/to*/equals/hashCode.
Output is sorted byte-wise (LC_ALL=C) and deduplicated.

Usage:
    python3 scripts/sdk_catalogue/extract_java.py [--cache DIR] [--fill-from-mirror DIR] [--out FILE]
"""

import argparse
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "surface", "java.tsv")
DEFAULT_CACHE = os.environ.get("KEYLESS_JAVA_CACHE", "/tmp/sdk-cache/java")

HEADER = "package\tversion\tnamespace\ttype\tkind\tmember\tparams\treturns\tsource"

CRED_RE = re.compile(r"(?i)conn(ection)?.?str|key|sas|signature|secret|password|credential|token")
# Names that match CRED_RE but never carry a credential: paging/lock tokens, partition/row keys,
# and the camel-case artefact "...sAsync" (getDevicesAsync) that the case-insensitive `sas` hits.
NOT_CRED_PARAM = re.compile(r"^(lockToken|lockTokens|continuationToken|cancellationToken|partitionKey|"
                            r"\w*PartitionKey|\w*RowKey|filePermissionKey|keyStart|keyEnd|sessionId)$")


def cred_name(name):
    return bool(CRED_RE.search(re.sub(r"sAsync", "_async", name)))

# ---------------------------------------------------------------------------------------------
# Pinned inputs.
# Azure/azure-sdk-for-java: (commit, path) of every excerpt in the cache.  The Maven package is
# com.azure:<artifact> where <artifact> is the folder under sdk/<service>/.
AZURE_SDK_FOR_JAVA = "Azure/azure-sdk-for-java"
AZURE_SDK_FOR_JAVA_FILES = [
    ("0034629393d9fe1e9d42a3fea247ac5fe131111b", "sdk/storage/azure-storage-blob/src/main/java/com/azure/storage/blob/BlobServiceClientBuilder.java"),
    ("0034629393d9fe1e9d42a3fea247ac5fe131111b", "sdk/storage/azure-storage-blob/src/main/java/com/azure/storage/blob/BlobContainerClientBuilder.java"),
    ("b5ee9f3e5f8b70295bc27d44362568993c292632", "sdk/storage/azure-storage-blob/src/main/java/com/azure/storage/blob/BlobClientBuilder.java"),
    ("05a89f7caf856bfee80fdedf46c3708e1de82636", "sdk/storage/azure-storage-blob/src/main/java/com/azure/storage/blob/specialized/SpecializedBlobClientBuilder.java"),
    ("000a47f4364de7314bc87080947b3fdfb9679c99", "sdk/storage/azure-storage-common/src/main/java/com/azure/storage/common/StorageSharedKeyCredential.java"),
    ("000a47f4364de7314bc87080947b3fdfb9679c99", "sdk/storage/azure-storage-queue/src/main/java/com/azure/storage/queue/QueueServiceClientBuilder.java"),
    ("000a47f4364de7314bc87080947b3fdfb9679c99", "sdk/storage/azure-storage-queue/src/main/java/com/azure/storage/queue/QueueClientBuilder.java"),
    ("063ba93cad28062e619e065ad7a383d4c6cbc20f", "sdk/storage/azure-storage-file-share/src/main/java/com/azure/storage/file/share/ShareServiceClientBuilder.java"),
    ("019dad46f38fdb7c354408bf5b7cd33370bc5f3d", "sdk/storage/azure-storage-file-share/src/main/java/com/azure/storage/file/share/ShareFileClientBuilder.java"),
    ("0247312baf670b58a1444aff9724b35b395f4ba5", "sdk/storage/azure-storage-file-datalake/src/main/java/com/azure/storage/file/datalake/DataLakeServiceClientBuilder.java"),
    ("0247312baf670b58a1444aff9724b35b395f4ba5", "sdk/storage/azure-storage-file-datalake/src/main/java/com/azure/storage/file/datalake/DataLakePathClientBuilder.java"),
    ("04da2345fc1ddc75c9a970485e01f238539605f1", "sdk/core/azure-core/src/main/java/com/azure/core/credential/AzureKeyCredential.java"),
    ("04da2345fc1ddc75c9a970485e01f238539605f1", "sdk/core/azure-core/src/main/java/com/azure/core/credential/AzureSasCredential.java"),
    ("0aff6ca414af790015aad18c2767ca36450eda90", "sdk/core/azure-core/src/main/java/com/azure/core/credential/AzureNamedKeyCredential.java"),
    ("00f84949aab9f77f75a963544ccd6577276c7f86", "sdk/tables/azure-data-tables/src/main/java/com/azure/data/tables/TableServiceClientBuilder.java"),
    ("00f84949aab9f77f75a963544ccd6577276c7f86", "sdk/tables/azure-data-tables/src/main/java/com/azure/data/tables/TableClientBuilder.java"),
    ("3bb92dbc540d5d5c2d078c6eccd664936546bae0", "sdk/tables/azure-data-tables/src/main/java/com/azure/data/tables/TableClientBuilder.java"),
    ("0e4b5fb5480f4c400a0fc4101e58966977355b31", "sdk/servicebus/azure-messaging-servicebus/src/main/java/com/azure/messaging/servicebus/ServiceBusClientBuilder.java"),
    ("00a6a9bbcf2f902e33d7590453c2d4fa07be5a59", "sdk/servicebus/azure-messaging-servicebus/src/main/java/com/azure/messaging/servicebus/administration/ServiceBusAdministrationClientBuilder.java"),
    ("9d95073d9448739ae2970c10328cca1ba3dc8f4a", "sdk/eventhubs/azure-messaging-eventhubs/src/main/java/com/azure/messaging/eventhubs/EventHubClientBuilder.java"),
    ("02e5720c718b920e85fb0bfbeca6b6576474be59", "sdk/eventhubs/azure-messaging-eventhubs/src/main/java/com/azure/messaging/eventhubs/EventProcessorClientBuilder.java"),
    ("025c0ad413294ba71daf796267fc829db15dfa3f", "sdk/eventhubs/azure-messaging-eventhubs-checkpointstore-blob/src/main/java/com/azure/messaging/eventhubs/checkpointstore/blob/BlobCheckpointStore.java"),
    ("012b408683ccf08612d674b1704ee76b0e1bcebd", "sdk/eventgrid/azure-messaging-eventgrid/src/main/java/com/azure/messaging/eventgrid/EventGridPublisherClientBuilder.java"),
    ("085d24fa3d0402c159cbe5b5ec350dc830b26d09", "sdk/appconfiguration/azure-data-appconfiguration/src/main/java/com/azure/data/appconfiguration/ConfigurationClientBuilder.java"),
    ("04da2345fc1ddc75c9a970485e01f238539605f1", "sdk/webpubsub/azure-messaging-webpubsub/src/main/java/com/azure/messaging/webpubsub/WebPubSubServiceClientBuilder.java"),
    ("017ae424d09ab1180665ef131eff9c254c3429f4", "sdk/cosmos/azure-cosmos/src/main/java/com/azure/cosmos/CosmosClientBuilder.java"),
    ("0e534aed21b407ab3fd1a559ea4ae57f07444ebe", "sdk/search/azure-search-documents/src/main/java/com/azure/search/documents/SearchClientBuilder.java"),
    ("0e534aed21b407ab3fd1a559ea4ae57f07444ebe", "sdk/search/azure-search-documents/src/main/java/com/azure/search/documents/indexes/SearchIndexClientBuilder.java"),
    ("0e534aed21b407ab3fd1a559ea4ae57f07444ebe", "sdk/search/azure-search-documents/src/main/java/com/azure/search/documents/indexes/SearchIndexerClientBuilder.java"),
    ("12d764944aca03f45391a244c69b60d1100de3da", "sdk/openai/azure-ai-openai/src/main/java/com/azure/ai/openai/OpenAIClientBuilder.java"),
    ("0c63cf8ec5bad71a056369fdc5574681c8de6368", "sdk/formrecognizer/azure-ai-formrecognizer/src/main/java/com/azure/ai/formrecognizer/documentanalysis/DocumentAnalysisClientBuilder.java"),
    ("02c59a28e108869b1cc99794dc7e861b959d625f", "sdk/formrecognizer/azure-ai-formrecognizer/src/main/java/com/azure/ai/formrecognizer/FormRecognizerClientBuilder.java"),
    ("0a0d50f271e8385bda3135aa7a6b4768282c40cd", "sdk/documentintelligence/azure-ai-documentintelligence/src/main/java/com/azure/ai/documentintelligence/DocumentIntelligenceClientBuilder.java"),
    ("032be60f9a0977810b7212085554e202d9dcc133", "sdk/textanalytics/azure-ai-textanalytics/src/main/java/com/azure/ai/textanalytics/TextAnalyticsClientBuilder.java"),
    ("060779138033817db0413e9889027de07414b39f", "sdk/vision/azure-ai-vision-imageanalysis/src/main/java/com/azure/ai/vision/imageanalysis/ImageAnalysisClientBuilder.java"),
    ("0173eb71aa3c39db02315303c0f5ecac4e67d100", "sdk/contentsafety/azure-ai-contentsafety/src/main/java/com/azure/ai/contentsafety/ContentSafetyClientBuilder.java"),
    ("1182915300d9e3bff193088229655f4d08300f8b", "sdk/ai/azure-ai-inference/src/main/java/com/azure/ai/inference/ChatCompletionsClientBuilder.java"),
    ("04ef1f8dad965461a9adabe694ca704e0d01fa30", "sdk/communication/azure-communication-sms/src/main/java/com/azure/communication/sms/SmsClientBuilder.java"),
    ("010a658e06efdde11481a8fadf52db291f6408eb", "sdk/communication/azure-communication-email/src/main/java/com/azure/communication/email/EmailClientBuilder.java"),
    ("04f3eb5d9d161b5bddecf602f8106e9f95894492", "sdk/communication/azure-communication-identity/src/main/java/com/azure/communication/identity/CommunicationIdentityClientBuilder.java"),
    ("02e5720c718b920e85fb0bfbeca6b6576474be59", "sdk/maps/azure-maps-search/src/main/java/com/azure/maps/search/MapsSearchClientBuilder.java"),
    ("04da2345fc1ddc75c9a970485e01f238539605f1", "sdk/identity/azure-identity/src/main/java/com/azure/identity/ClientSecretCredentialBuilder.java"),
    ("07b26a95d75e3d23e8849c78cf0136c82e3d474e", "sdk/identity/azure-identity/src/main/java/com/azure/identity/UsernamePasswordCredentialBuilder.java"),
    ("07c99fb4d84b89b2d5764bdc0b66afdfc94c6409", "sdk/identity/azure-identity/src/main/java/com/azure/identity/ClientCertificateCredentialBuilder.java"),
    ("0949c687faad265f1645b64862b012f433ce07be", "sdk/identity/azure-identity/src/main/java/com/azure/identity/ManagedIdentityCredentialBuilder.java"),
    ("015d5f2dd05feaa996f5dbb5342b4679f53cf5f5", "sdk/identity/azure-identity/src/main/java/com/azure/identity/DefaultAzureCredentialBuilder.java"),
    # second stored versions (find_files names another commit than read_file's default)
    ("d8b0503c4ea8b5a5728c5bfd1d73f8e3ae9be469", "sdk/storage/azure-storage-queue/src/main/java/com/azure/storage/queue/QueueClientBuilder.java"),
    ("e62fb5595f309a9658b85da2c7724d62e9ef244b", "sdk/storage/azure-storage-common/src/main/java/com/azure/storage/common/StorageSharedKeyCredential.java"),
    ("670afb62c56ad93a0730871523c3466915d085dd", "sdk/storage/azure-storage-file-share/src/main/java/com/azure/storage/file/share/ShareClientBuilder.java"),
    ("1c04c3d5a481efc85477b277c42c37ee789ad3f4", "sdk/appconfiguration/azure-data-appconfiguration/src/main/java/com/azure/data/appconfiguration/ConfigurationClientBuilder.java"),
    ("df53c226844b4e03083ea7aab1face6e073b6ba6", "sdk/eventgrid/azure-messaging-eventgrid/src/main/java/com/azure/messaging/eventgrid/EventGridPublisherClientBuilder.java"),
    ("ad245e8d71459468d39d7be1a39cfe76bad568e5", "sdk/translation/azure-ai-translation-text/src/main/java/com/azure/ai/translation/text/TextTranslationClientBuilder.java"),
]

# Whole files from git snapshots: (repo, commit, path, maven package, package version).
IOT_DEVICE = ("Azure/azure-iot-sdk-java", "8abba69bce116d789d1e0d589fc3a4fe6f5ca21d")
IOT_SERVICE = ("Azure/azure-iot-service-sdk-java", "91d1b18f0d7dd0927c10201b3a23004b35cf87d3")
MSAL4J = ("AzureAD/microsoft-authentication-library-for-java", "ff44d4a6cc338924f96820d772bd10144cd67094")
_IOTD = "iothub/device/iot-device-client/src/main/java/com/microsoft/azure/sdk/iot/device/"
_IOTS = "service/iot-service-client/src/main/java/com/microsoft/azure/sdk/iot/service/"
_MSAL = "msal4j-sdk/src/main/java/com/microsoft/aad/msal4j/"
MIRROR_FILES = [
    IOT_DEVICE + (_IOTD + "DeviceClient.java", "com.microsoft.azure.sdk.iot:iot-device-client", "2.5.1"),
    IOT_DEVICE + (_IOTD + "ModuleClient.java", "com.microsoft.azure.sdk.iot:iot-device-client", "2.5.1"),
    IOT_DEVICE + ("provisioning/provisioning-device-client/src/main/java/com/microsoft/azure/sdk/iot/provisioning/device/ProvisioningDeviceClient.java",
                  "com.microsoft.azure.sdk.iot.provisioning:provisioning-device-client", "2.1.3"),
    IOT_DEVICE + ("provisioning/security/security-provider/src/main/java/com/microsoft/azure/sdk/iot/provisioning/security/SecurityProviderSymmetricKey.java",
                  "com.microsoft.azure.sdk.iot.provisioning.security:security-provider", "2.0.1"),
    IOT_DEVICE + ("provisioning/provisioning-service-client/src/main/java/com/microsoft/azure/sdk/iot/provisioning/service/ProvisioningServiceClient.java",
                  "com.microsoft.azure.sdk.iot.provisioning:provisioning-service-client", "2.0.3"),
    IOT_SERVICE + (_IOTS + "registry/RegistryClient.java", "com.microsoft.azure.sdk.iot:iot-service-client", "2.1.10"),
    IOT_SERVICE + (_IOTS + "messaging/MessagingClient.java", "com.microsoft.azure.sdk.iot:iot-service-client", "2.1.10"),
    IOT_SERVICE + (_IOTS + "messaging/FileUploadNotificationProcessorClient.java", "com.microsoft.azure.sdk.iot:iot-service-client", "2.1.10"),
    IOT_SERVICE + (_IOTS + "messaging/MessageFeedbackProcessorClient.java", "com.microsoft.azure.sdk.iot:iot-service-client", "2.1.10"),
    IOT_SERVICE + (_IOTS + "twin/TwinClient.java", "com.microsoft.azure.sdk.iot:iot-service-client", "2.1.10"),
    IOT_SERVICE + (_IOTS + "methods/DirectMethodsClient.java", "com.microsoft.azure.sdk.iot:iot-service-client", "2.1.10"),
    IOT_SERVICE + (_IOTS + "configurations/ConfigurationsClient.java", "com.microsoft.azure.sdk.iot:iot-service-client", "2.1.10"),
    IOT_SERVICE + (_IOTS + "digitaltwin/DigitalTwinClient.java", "com.microsoft.azure.sdk.iot:iot-service-client", "2.1.10"),
    IOT_SERVICE + (_IOTS + "jobs/ScheduledJobsClient.java", "com.microsoft.azure.sdk.iot:iot-service-client", "2.1.10"),
    IOT_SERVICE + (_IOTS + "query/QueryClient.java", "com.microsoft.azure.sdk.iot:iot-service-client", "2.1.10"),
    IOT_SERVICE + (_IOTS + "auth/IotHubConnectionStringBuilder.java", "com.microsoft.azure.sdk.iot:iot-service-client", "2.1.10"),
    MSAL4J + (_MSAL + "ClientCredentialFactory.java", "com.microsoft.azure:msal4j", "1.17.2"),
    MSAL4J + (_MSAL + "ConfidentialClientApplication.java", "com.microsoft.azure:msal4j", "1.17.2"),
    MSAL4J + (_MSAL + "PublicClientApplication.java", "com.microsoft.azure:msal4j", "1.17.2"),
    MSAL4J + (_MSAL + "UserNamePasswordParameters.java", "com.microsoft.azure:msal4j", "1.17.2"),
    MSAL4J + (_MSAL + "ManagedIdentityApplication.java", "com.microsoft.azure:msal4j", "1.17.2"),
]

# ---------------------------------------------------------------------------------------------
# Java text handling.

MODIFIERS = ("public", "protected", "private", "static", "final", "abstract", "synchronized",
             "native", "default", "strictfp", "transient", "volatile", "sealed", "non-sealed")
CLASS_DECL = re.compile(r"\b(class|interface|enum|record)\s+([A-Za-z_$][\w$]*)")
SIG = re.compile(
    r"^(?P<mods>(?:(?:%s)\s+)*)(?:<(?P<tparams>[^()]*?)>\s*)?(?:(?P<ret>[\w$.<>\[\],?&\s]+?)\s+)?"
    r"(?P<name>[A-Za-z_$][\w$]*)\s*\((?P<params>.*)\)\s*(?:\[\s*\]\s*)*(?:throws\s+[\w$.,\s<>]+)?$"
    % "|".join(re.escape(m) for m in MODIFIERS),
    re.S,
)
QUAL = re.compile(r"\b(?:[a-z_][\w$]*\.)+(?=[A-Z])")


def strip_comments_and_strings(text):
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            out.append(" ")
        elif text.startswith('"""', i):
            j = text.find('"""', i + 3)
            i = n if j < 0 else j + 3
            out.append('""')
        elif c == '"' or c == "'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            out.append(c + c)
        else:
            out.append(c)
            i += 1
    return "".join(out)


def strip_annotations(text):
    out = []
    i, n = 0, len(text)
    while i < n:
        m = re.match(r"@(?!interface\b)[A-Za-z_$][\w$.]*", text[i:]) if text[i] == "@" else None
        if m:
            i += m.end()
            k = i
            while k < n and text[k] in " \t\r\n":
                k += 1
            if k < n and text[k] == "(":
                depth = 0
                while k < n:
                    if text[k] == "(":
                        depth += 1
                    elif text[k] == ")":
                        depth -= 1
                        if depth == 0:
                            k += 1
                            break
                    k += 1
                i = k
            out.append(" ")
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def norm_space(s):
    return re.sub(r"\s+", " ", s).strip()


def simple_type(t):
    t = norm_space(QUAL.sub("", t))
    t = re.sub(r"\s*<\s*", "<", t)
    t = re.sub(r"\s*>", ">", t)
    t = re.sub(r"\s*,\s*", ", ", t)
    t = re.sub(r"\s*\[\s*\]", "[]", t)
    return t


def split_top(s, sep=","):
    parts, depth, cur = [], 0, []
    for ch in s:
        if ch in "<([{":
            depth += 1
        elif ch in ">)]}":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    if "".join(cur).strip():
        parts.append("".join(cur))
    return parts


def parse_params(raw):
    out = []
    for p in split_top(raw):
        p = norm_space(p)
        if not p:
            continue
        p = re.sub(r"^(final\s+)+", "", p)
        m = re.match(r"^(.*?)(\.\.\.)?\s*([A-Za-z_$][\w$]*)\s*((?:\[\s*\])*)$", p, re.S)
        if not m:
            out.append(("?", simple_type(p), False))
            continue
        typ, dots, name, dims = m.group(1), m.group(2), m.group(3), m.group(4)
        if typ.endswith("..."):
            typ, dots = typ[:-3], "..."
        typ = simple_type(typ + dims.replace(" ", ""))
        out.append((name, typ, bool(dots)))
    return out


def fmt_params(params):
    return ";".join(("..." if var else "") + "%s:%s" % (name, typ) for name, typ, var in params)


class Member:
    def __init__(self, type_name, kind, name, params, returns, mods):
        self.type_name = type_name
        self.kind = kind
        self.name = name
        self.params = params
        self.returns = returns
        self.mods = mods


def parse_signature(chunk, class_name, in_interface):
    chunk = norm_space(chunk)
    if not chunk or "=" in chunk.split("(", 1)[0] or chunk.startswith(("return ", "new ")):
        return None
    m = SIG.match(chunk)
    if not m:
        return None
    mods = set(m.group("mods").split())
    public = "public" in mods or (in_interface and "private" not in mods)
    if not public:
        return None
    name = m.group("name")
    ret = m.group("ret")
    params = parse_params(m.group("params"))
    if ret is None:
        if name != class_name.split(".")[-1]:
            return None
        return Member(class_name, "ctor", "new", params, "-", mods)
    ret = simple_type(ret)
    if ret in MODIFIERS or ret in ("new", "return", "throw", "else", "class"):
        return None
    kind = "static" if "static" in mods else "method"
    return Member(class_name, kind, name, params, ret, mods)


def parse_full(text):
    """Return (package, [Member]) for a whole Java source file."""
    text = strip_annotations(strip_comments_and_strings(text))
    pm = re.search(r"^\s*package\s+([\w.]+)\s*;", text, re.M)
    package = pm.group(1) if pm else ""
    members = []
    stack = []  # entries: ("class", dotted_name, visible, is_interface) or ("block",)
    chunk = []
    paren = 0
    for ch in text:
        if ch == "(":
            paren += 1
        elif ch == ")":
            paren -= 1
        if paren > 0 or ch not in "{};":
            chunk.append(ch)
            continue
        s = "".join(chunk).strip()
        chunk = []
        top = stack[-1] if stack else None
        in_class = top is not None and top[0] == "class"
        if ch == "{":
            cm = CLASS_DECL.search(s) if (top is None or in_class) else None
            if cm and "(" not in s[:cm.start()] and "=" not in s[:cm.start()]:
                mods = s[:cm.start()].split()
                name = cm.group(2)
                parent_visible = top[2] if top else True
                visible = parent_visible and ("public" in mods or (top is not None and top[3]))
                dotted = (top[1] + "." + name) if top else name
                stack.append(("class", dotted, visible, cm.group(1) == "interface"))
            else:
                if in_class and top[2] and s:
                    mem = parse_signature(s, top[1], top[3])
                    if mem:
                        members.append(mem)
                stack.append(("block",))
        elif ch == ";":
            if in_class and top[2] and s and "(" in s:
                mem = parse_signature(s, top[1], top[3])
                if mem:
                    members.append(mem)
        elif ch == "}":
            if stack:
                stack.pop()
    return package, members


HEADER_RE = re.compile(r"^// keyless-cache repo=(\S+) commit=(\S+) path=(\S+) read=(\S+)")


def parse_excerpt(text, file_type):
    """Excerpt files: one declaration per line (continuations joined), no bodies."""
    lines = text.splitlines()[1:]
    package = ""
    class_name = file_type
    in_interface = False
    members = []
    buf = ""
    for line in lines:
        buf = (buf + " " + line.strip()).strip() if buf else line.strip()
        if not buf:
            continue
        if not CLASS_DECL.search(buf) and buf.count("(") > buf.count(")"):
            continue  # parameters wrap onto the next line
        decl, buf = buf, ""
        m = re.match(r"^package\s+([\w.]+)\s*;", decl)
        if m:
            package = m.group(1)
            continue
        cm = CLASS_DECL.search(decl)
        if cm and "(" not in decl[:cm.start()]:
            class_name = cm.group(2)
            in_interface = cm.group(1) == "interface"
            continue
        decl = strip_annotations(decl).rstrip("{;").strip()
        mem = parse_signature(decl, class_name, in_interface)
        if mem:
            members.append(mem)
    return package, members


def select(members):
    """Apply the README's inclusion rule; returns kept members."""
    by_type = {}
    for m in members:
        by_type.setdefault(m.type_name, []).append(m)
    kept = []
    for type_name, mems in by_type.items():
        simple = type_name.split(".")[-1]
        named = bool(CRED_RE.search(simple))

        def credish(m):
            if cred_name(m.name):
                return True
            return any(not NOT_CRED_PARAM.match(n) and (CRED_RE.search(n) or CRED_RE.search(t))
                       for n, t, _ in m.params)

        if not (named or any(credish(m) for m in mems)):
            continue
        for m in mems:
            if m.kind in ("ctor", "static"):
                kept.append(m)
            elif credish(m) or m.name == "endpoint":
                kept.append(m)
            elif named and not re.match(r"^(get|is|to)[A-Z]|^(equals|hashCode|toString)$", m.name):
                kept.append(m)
    return kept


def rows_for(package_id, version, namespace, members, source):
    rows = []
    for m in select(members):
        rows.append("\t".join([
            package_id, version, namespace, m.type_name, m.kind, m.name,
            fmt_params(m.params), m.returns if m.kind != "ctor" else "-", source,
        ]))
    return rows


def azure_sdk_package(path):
    m = re.match(r"sdk/[^/]+/([^/]+)/", path)
    return "com.azure:" + m.group(1)


def cache_path(cache, repo, commit, path):
    return os.path.join(cache, repo.replace("/", "+"), commit, path)


def fill_from_mirror(cache, mirror_root):
    for repo, commit, path, _pkg, _ver in MIRROR_FILES:
        gitdir = os.path.join(mirror_root, repo.replace("/", "+"), "repo")
        data = subprocess.run(["git", "--git-dir", gitdir, "show", "%s:%s" % (commit, path)],
                              check=True, capture_output=True).stdout
        dest = cache_path(cache, repo, commit, path)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "wb") as f:
            f.write(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", default=DEFAULT_CACHE)
    ap.add_argument("--fill-from-mirror", metavar="DIR")
    ap.add_argument("--out", default=DEFAULT_OUT)
    args = ap.parse_args()

    if args.fill_from_mirror:
        fill_from_mirror(args.cache, args.fill_from_mirror)

    rows, missing = set(), []
    for commit, path in AZURE_SDK_FOR_JAVA_FILES:
        f = cache_path(args.cache, AZURE_SDK_FOR_JAVA, commit, path)
        if not os.path.exists(f):
            missing.append(f)
            continue
        with open(f, encoding="utf-8") as fh:
            text = fh.read()
        if not HEADER_RE.match(text):
            sys.exit("%s: not an excerpt (no keyless-cache header)" % f)
        ftype = os.path.basename(path)[:-5]
        namespace, members = parse_excerpt(text, ftype)
        source = "github:%s@%s/%s" % (AZURE_SDK_FOR_JAVA, commit, path)
        rows.update(rows_for(azure_sdk_package(path), commit, namespace, members, source))
    for repo, commit, path, pkg, ver in MIRROR_FILES:
        f = cache_path(args.cache, repo, commit, path)
        if not os.path.exists(f):
            missing.append(f)
            continue
        with open(f, encoding="utf-8") as fh:
            namespace, members = parse_full(fh.read())
        source = "github:%s@%s/%s" % (repo, commit, path)
        rows.update(rows_for(pkg, ver, namespace, members, source))
    if missing:
        sys.exit("missing from the cache (see the docstring for how to fill it):\n  " + "\n  ".join(missing))

    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    body = sorted(rows, key=lambda r: r.encode("utf-8"))
    with open(args.out, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(HEADER + "\n")
        for r in body:
            fh.write(r + "\n")
    print("%s: %d rows" % (args.out, len(body)))


if __name__ == "__main__":
    main()
