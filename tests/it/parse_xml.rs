//! The XML parser on realistic files (`fixtures/parse/xml`): exact paths, kinds and value texts,
//! the key/value normalisation, and broken, deep and huge inputs that must not panic.

use std::path::PathBuf;

use keyless::parse::{self, Document, Format, MAX_DEPTH, ValueKind, xml::XmlParser};
use keyless::source::{Decoded, decode};

use crate::parse_support::{at, check_table};

use ValueKind::{Object, String};

fn fixture(name: &str) -> std::string::String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/parse/xml")
        .join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    match decode(&bytes) {
        Decoded::Text(source) => source.text().to_owned(),
        Decoded::Binary => panic!("{name} decoded as binary"),
    }
}

/// What holds for every document: spans inside the text on character boundaries, key spans
/// naming the element or attribute (empty for synthetic entries), elements and attributes in
/// document order, paths not too deep.
fn check_invariants(document: &Document, text: &str) {
    let mut previous = 0;
    for entry in &document.entries {
        assert!(
            text.get(entry.value.clone()).is_some(),
            "value span {:?} of {:?}",
            entry.value,
            entry.path
        );
        assert!(
            text.get(entry.key.clone()).is_some(),
            "key span {:?} of {:?}",
            entry.key,
            entry.path
        );
        assert!(!entry.path.is_empty() && entry.path.len() <= MAX_DEPTH + 1);
        if entry.key.is_empty() {
            // A synthetic key/value entry, keyed at its value (or, in text that is not XML and
            // was read as `key=value`, an empty `[]` section).
            assert!(
                entry.key.start == entry.value.start || entry.kind == Object,
                "{:?}",
                entry.path
            );
            continue;
        }
        let key = &text[entry.key.clone()];
        let named =
            if entry.kind == String && entry.key.end <= entry.value.start && key != entry.name() {
                // A text entry is keyed by its element's name, the path's last segment.
                entry.path.last().is_some_and(|last| last == key)
            } else {
                key == entry.name()
            };
        assert!(named, "key {key:?} of {:?}", entry.path);
        assert!(
            entry.value.start >= previous,
            "out of order: {:?}",
            entry.path
        );
        previous = entry.value.start;
    }
}

fn parsed(name: &str) -> (std::string::String, Document) {
    let text = fixture(name);
    let document = XmlParser::new().parse(&text);
    check_invariants(&document, &text);
    assert_eq!(
        parse::parse(Format::of_path(name).expect("an XML name"), &text),
        document
    );
    (text, document)
}

fn web_config(name: &str) {
    let (text, document) = parsed(name);
    assert!(document.complete);
    let connection = "Server=tcp:fake-sql.database.windows.net;Database=orders;User ID=orders;Password=FAKE-Passw0rd!;";
    check_table(
        &document,
        &text,
        &[
            (
                &["configuration", "appSettings", "add", "key"],
                &[
                    ("StorageAccountName", String),
                    ("StorageAccountKey", String),
                    ("webpages:Enabled", String),
                ],
            ),
            (
                &["configuration", "appSettings", "add", "value"],
                &[
                    ("fakestorage", String),
                    ("FAKEa2V5LWZha2U=", String),
                    ("false", String),
                ],
            ),
            // The normalised view: a rule keyed on the setting's name.
            (
                &["configuration", "appSettings", "StorageAccountKey"],
                &[("FAKEa2V5LWZha2U=", String)],
            ),
            (
                &["configuration", "appSettings", "webpages:Enabled"],
                &[("false", String)],
            ),
            (
                &["configuration", "connectionStrings", "add", "name"],
                &[("OrdersDb", String)],
            ),
            (
                &[
                    "configuration",
                    "connectionStrings",
                    "add",
                    "connectionString",
                ],
                &[(connection, String)],
            ),
            (
                &["configuration", "connectionStrings", "add", "providerName"],
                &[("System.Data.SqlClient", String)],
            ),
            (
                &["configuration", "connectionStrings", "OrdersDb"],
                &[(connection, String)],
            ),
            (
                &["configuration", "system.web", "compilation", "debug"],
                &[("true", String)],
            ),
        ],
    );
    let root = document.get(&["configuration"]).expect("root element");
    assert_eq!(root.kind, Object);
    assert!(
        text[root.value.clone()].starts_with("<configuration>")
            && text[root.value.clone()].ends_with("</configuration>")
    );
    let adds = at(&document, &text, &["configuration", "appSettings", "add"]);
    assert_eq!(
        adds[0],
        (
            "<add key=\"StorageAccountName\" value=\"fakestorage\" />",
            Object
        )
    );
    let synthetic = document
        .get(&["configuration", "appSettings", "StorageAccountKey"])
        .expect("normalised entry");
    assert!(synthetic.key.is_empty() && synthetic.key.start == synthetic.value.start);
    let attribute = document
        .get(&["configuration", "appSettings", "add", "key"])
        .expect("attribute");
    assert_eq!(&text[attribute.key.clone()], "key");
}

#[test]
fn web_config_app_settings_and_connection_strings() {
    web_config("web.config");
}

#[test]
fn web_config_decoded_from_utf16() {
    let bytes = std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/parse/xml/web.utf16.config"),
    )
    .expect("fixture");
    assert_eq!(
        &bytes[..2],
        [0xFF, 0xFE],
        "the fixture is UTF-16 LE with a BOM"
    );
    web_config("web.utf16.config");
    // The same entries as the UTF-8 file, which differs only in its declared encoding.
    let view = |text: &str| -> Vec<(Vec<std::string::String>, std::string::String, ValueKind)> {
        let document = XmlParser::new().parse(text);
        document
            .entries
            .iter()
            .map(|entry| (entry.path.clone(), entry.text(text).to_owned(), entry.kind))
            .collect()
    };
    assert_eq!(
        view(&fixture("web.config")),
        view(&fixture("web.utf16.config"))
    );
}

#[test]
fn service_fabric_settings() {
    let (text, document) = parsed("Settings.xml");
    assert!(document.complete);
    check_table(
        &document,
        &text,
        &[
            (
                &["Settings", "xmlns"],
                &[("http://schemas.microsoft.com/2011/01/fabric", String)],
            ),
            (
                &["Settings", "Section", "Name"],
                &[("Storage", String), ("Database", String)],
            ),
            (
                &["Settings", "Section", "Parameter", "Name"],
                &[
                    ("AccountName", String),
                    ("AccountKey", String),
                    ("ConnectionString", String),
                ],
            ),
            (
                &["Settings", "Section", "AccountKey"],
                &[("FAKEa2V5LWZha2U=", String)],
            ),
            (
                &["Settings", "Section", "AccountName"],
                &[("fakestorage", String)],
            ),
            (
                &["Settings", "Section", "ConnectionString"],
                &[("", String)],
            ),
        ],
    );
}

#[test]
fn service_fabric_application_manifest_default_values() {
    let text = r#"<ApplicationManifest ApplicationTypeName="OrdersType" xmlns="http://schemas.microsoft.com/2011/01/fabric">
  <Parameters>
    <Parameter Name="StorageKey" DefaultValue="FAKE-default" />
  </Parameters>
  <ServiceManifestImport>
    <ConfigOverrides>
      <ConfigOverride Name="Config">
        <Settings>
          <Section Name="Storage">
            <Parameter Name="AccountKey" Value="[StorageKey]" />
          </Section>
        </Settings>
      </ConfigOverride>
    </ConfigOverrides>
  </ServiceManifestImport>
</ApplicationManifest>"#;
    let document = XmlParser::new().parse(text);
    check_invariants(&document, text);
    assert!(document.complete);
    assert_eq!(
        at(
            &document,
            text,
            &["ApplicationManifest", "Parameters", "StorageKey"]
        ),
        [("FAKE-default", String)]
    );
    let path = [
        "ApplicationManifest",
        "ServiceManifestImport",
        "ConfigOverrides",
        "ConfigOverride",
        "Settings",
        "Section",
        "AccountKey",
    ];
    assert_eq!(at(&document, text, &path), [("[StorageKey]", String)]);
}

#[test]
fn cloud_service_configuration() {
    let (text, document) = parsed("ServiceConfiguration.Cloud.cscfg");
    assert!(document.complete);
    check_table(
        &document,
        &text,
        &[
            (
                &["ServiceConfiguration", "serviceName"],
                &[("Orders", String)],
            ),
            (
                &["ServiceConfiguration", "Role", "Instances", "count"],
                &[("2", String)],
            ),
            (
                &[
                    "ServiceConfiguration",
                    "Role",
                    "ConfigurationSettings",
                    "StorageConnectionString",
                ],
                &[(
                    "DefaultEndpointsProtocol=https;AccountName=fakeacct;AccountKey=FAKEFAKEFAKE==",
                    String,
                )],
            ),
        ],
    );
    // `<Setting>` is capitalised in .cscfg files; `<setting>` in app.config: both normalise.
    let text = r#"<applicationSettings><My.Settings><setting name="ApiKey" serializeAs="String"><value>FAKE</value></setting><setting name="Token" value="FAKE-token"/></My.Settings></applicationSettings>"#;
    let document = XmlParser::new().parse(text);
    assert_eq!(
        at(
            &document,
            text,
            &["applicationSettings", "My.Settings", "Token"]
        ),
        [("FAKE-token", String)]
    );
    assert_eq!(
        at(
            &document,
            text,
            &["applicationSettings", "My.Settings", "ApiKey"]
        ),
        [("FAKE", String)]
    );
    // The `<value>` element and the `value` attribute share a path.
    assert_eq!(
        at(
            &document,
            text,
            &["applicationSettings", "My.Settings", "setting", "value"]
        ),
        [
            ("<value>FAKE</value>", Object),
            ("FAKE", String),
            ("FAKE-token", String)
        ]
    );
}

#[test]
fn msbuild_project_properties() {
    let (text, document) = parsed("Orders.Api.csproj");
    assert!(document.complete);
    check_table(
        &document,
        &text,
        &[
            (&["Project", "Sdk"], &[("Microsoft.NET.Sdk.Web", String)]),
            (
                &["Project", "PropertyGroup", "TargetFramework"],
                &[
                    ("<TargetFramework>net8.0</TargetFramework>", Object),
                    ("net8.0", String),
                ],
            ),
            (
                &["Project", "PropertyGroup", "DockerRegistryPassword"],
                &[
                    (
                        "<DockerRegistryPassword>FAKE-Passw0rd!</DockerRegistryPassword>",
                        Object,
                    ),
                    ("FAKE-Passw0rd!", String),
                ],
            ),
            (
                &["Project", "ItemGroup", "PackageReference", "Include"],
                &[("Azure.Storage.Blobs", String)],
            ),
            (
                &["Project", "ItemGroup", "PackageReference", "Version"],
                &[("12.19.1", String)],
            ),
        ],
    );
    // Blank text between elements yields nothing.
    assert_eq!(at(&document, &text, &["Project", "PropertyGroup"]).len(), 1);
}

#[test]
fn publish_profile() {
    let (text, document) = parsed("FakeSite-WebDeploy.pubxml");
    assert!(document.complete);
    check_table(
        &document,
        &text,
        &[
            (&["Project", "ToolsVersion"], &[("4.0", String)]),
            (
                &["Project", "PropertyGroup", "UserName"],
                &[
                    ("<UserName>$fakesite</UserName>", Object),
                    ("$fakesite", String),
                ],
            ),
            (
                &["Project", "PropertyGroup", "Password"],
                &[
                    ("<Password>FAKE-Passw0rd!</Password>", Object),
                    ("FAKE-Passw0rd!", String),
                ],
            ),
            (
                &["Project", "PropertyGroup", "_SavePWD"],
                &[("<_SavePWD>True</_SavePWD>", Object), ("True", String)],
            ),
        ],
    );
    let password = document
        .entries
        .iter()
        .find(|entry| entry.name() == "Password" && entry.kind == String)
        .expect("text");
    assert_eq!(&text[password.key.clone()], "Password");
}

#[test]
fn comments_cdata_entities_and_declarations() {
    let text = "<?xml version=\"1.0\"?>\n<!DOCTYPE root>\n<?pi target?>\n<root a=\"x &amp; y\" b='&#x41;'>\n  <!-- <hidden key=\"k\" value=\"v\"/> -->\n  <script><![CDATA[ if (a < b) { key = \"FAKE\"; } ]]></script>\n  <t>one &lt; two</t>\n  <e/>\n  <blank>   </blank>\n</root>\n";
    let document = XmlParser::new().parse(text);
    check_invariants(&document, text);
    assert!(document.complete);
    check_table(
        &document,
        text,
        &[
            (&["root", "a"], &[("x &amp; y", String)]),
            (&["root", "b"], &[("&#x41;", String)]),
            (
                &["root", "script"],
                &[
                    (
                        "<script><![CDATA[ if (a < b) { key = \"FAKE\"; } ]]></script>",
                        Object,
                    ),
                    ("if (a < b) { key = \"FAKE\"; }", String),
                ],
            ),
            (
                &["root", "t"],
                &[("<t>one &lt; two</t>", Object), ("one &lt; two", String)],
            ),
            (&["root", "e"], &[("<e/>", Object)]),
            (&["root", "blank"], &[("<blank>   </blank>", Object)]),
            (&["root", "hidden"], &[]),
            (&["root", "k"], &[]),
        ],
    );
}

#[test]
fn broken_inputs_keep_what_can_be_read() {
    // Truncated inside a tag: the complete attributes before the cut are kept.
    let text = "<configuration>\n  <appSettings>\n    <add key=\"A\" value=\"FAKE-a\" />\n    <add key=\"B\" val";
    let document = XmlParser::new().parse(text);
    check_invariants(&document, text);
    assert!(!document.complete);
    assert_eq!(
        at(&document, text, &["configuration", "appSettings", "A"]),
        [("FAKE-a", String)]
    );
    assert_eq!(
        at(
            &document,
            text,
            &["configuration", "appSettings", "add", "key"]
        ),
        [("A", String), ("B", String)]
    );
    // Unbalanced tags.
    let text = "<a><b x=\"1\"></c><d>text</d></a>";
    let document = XmlParser::new().parse(text);
    check_invariants(&document, text);
    assert!(!document.complete);
    assert_eq!(at(&document, text, &["a", "b", "x"]), [("1", String)]);
    // Junk around the root, a second root, unterminated comment and CDATA.
    for text in [
        "junk<a>1</a><b>2</b>",
        "<a><!-- never closed",
        "<a><![CDATA[ never closed",
        "<a b=\"never closed><c/></a>",
        "</a></b></c>",
        "<<<<>>>>",
        "<a",
        "<?xml",
        "<",
        "&amp;",
    ] {
        let document = XmlParser::new().parse(text);
        check_invariants(&document, text);
    }
    for text in ["", "   \n", "<!-- only a comment -->"] {
        let document = XmlParser::new().parse(text);
        check_invariants(&document, text);
        assert!(document.entries.is_empty(), "{text:?}");
    }
}

#[test]
fn broken_fixture_keeps_the_complete_settings() {
    let (text, document) = parsed("broken-truncated.config");
    assert!(!document.complete);
    check_table(
        &document,
        &text,
        &[
            (
                &["configuration", "appSettings", "StorageAccountKey"],
                &[("FAKEa2V5LWZha2U=", String)],
            ),
            (
                &["configuration", "appSettings", "add", "key"],
                &[("StorageAccountKey", String), ("ServiceBusKey", String)],
            ),
            (&["configuration", "appSettings", "ServiceBusKey"], &[]),
        ],
    );
}

#[test]
fn every_truncation_of_every_fixture_parses() {
    let mut parser = XmlParser::new();
    for name in [
        "web.config",
        "Settings.xml",
        "Orders.Api.csproj",
        "FakeSite-WebDeploy.pubxml",
        "ServiceConfiguration.Cloud.cscfg",
        "web.utf16.config",
        "broken-truncated.config",
    ] {
        let text = fixture(name);
        for (end, _) in text.char_indices() {
            let prefix = &text[..end];
            check_invariants(&parser.parse(prefix), prefix);
        }
    }
}

#[test]
fn deep_nesting_is_refused_cheaply() {
    let mut parser = XmlParser::new();
    for text in [
        "<a>".repeat(100_000),
        "<a>".repeat(100_000) + &"</a>".repeat(100_000),
        "<a x='1'>".repeat(100_000),
    ] {
        let started = std::time::Instant::now();
        let document = parser.parse(&text);
        assert!(!document.complete);
        assert!(document.entries.is_empty());
        assert!(
            started.elapsed().as_secs() < 5,
            "the pre-scan refuses deep input at once"
        );
    }
    // The parser is still usable afterwards.
    let document = parser.parse("<a><b>c</b></a>");
    assert!(document.complete);
    assert_eq!(document.entries.len(), 3);
    // Wide is fine: many siblings, no depth.
    let text = "<r>".to_owned() + &"<add key=\"k\" value=\"v\"/>".repeat(20_000) + "</r>";
    let document = parser.parse(&text);
    assert!(document.complete);
    assert_eq!(document.entries.len(), 1 + 20_000 * 4);
}

#[test]
fn junk_and_huge_inputs_do_not_panic() {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let bytes: Vec<u8> = (0..100_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    let mut parser = XmlParser::new();
    // Junk that does not start with `<` is read as `key=value` text; junk after a `<` as XML.
    let junk = std::string::String::from_utf8_lossy(&bytes);
    check_invariants(&parser.parse(&junk), &junk);
    let junk = format!("<{junk}");
    check_invariants(&parser.parse(&junk), &junk);
    let structural: std::string::String = bytes
        .iter()
        .map(|byte| {
            [
                '<', '>', '/', '=', '"', '\'', ' ', 'a', '!', '-', '?', '&', ';', '[', ']', '\n',
            ][usize::from(*byte) % 16]
        })
        .collect();
    check_invariants(&parser.parse(&structural), &structural);
    huge_single_line(8);
}

/// A `size_mib` MiB file of one line of text content. The 50 MiB case is ignored by default:
/// `cargo test --release -- --ignored`.
fn huge_single_line(size_mib: usize) {
    let text = "<a>".to_owned() + &"x".repeat(size_mib * 1024 * 1024) + "</a>";
    let document = XmlParser::new().parse(&text);
    assert!(document.complete);
    assert_eq!(at(&document, &text, &["a"]).len(), 2);
    assert_eq!(document.entries[1].value, 3..text.len() - 4);
}

#[test]
#[ignore = "slow in debug builds; run with --release -- --ignored"]
fn fifty_mib_single_line() {
    huge_single_line(50);
}
