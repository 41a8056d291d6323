//! How many findings one credential yields and at which level, where rule examples cannot say it
//! (they only ask whether a rule fires): one credential is one finding, a placeholder literal is
//! never raised to an error, a call with a placeholder still counts as key-based auth, and a
//! committed password is reported even when it is weak. All values are made up.

use crate::common;

use keyless::Level;

/// A current-format Entra client secret with a valid checksum (`fake_keys entra bugs-ps1`).
const ENTRA_SECRET: &str = "n2P8Q~sgCNEqShgRXi9o-sD_Xc3WM6WzRGByxbKW";

/// (rule id, level, line) of every finding in `text` scanned as `file`.
fn findings(file: &str, text: &str) -> Vec<(String, Level, usize)> {
    let registry = common::registry();
    keyless::scan_text(&registry, file, text)
        .into_iter()
        .map(|finding| (finding.rule_id, finding.level, finding.start.line))
        .collect()
}

/// The findings a file must yield: (rule id, level, line), in report order.
type Expected<'a> = &'a [(&'a str, Level, usize)];

/// Each case: file name, text, and exactly the findings it must yield.
fn expect(cases: &[(&str, String, Expected<'_>)]) {
    let mut failures = Vec::new();
    for (file, text, expected) in cases {
        let got = findings(file, text);
        let expected: Vec<(String, Level, usize)> = expected
            .iter()
            .map(|(rule, level, line)| ((*rule).to_owned(), *level, *line))
            .collect();
        if got != expected {
            failures.push(format!(
                "{file}: {text:?}\n  expected {expected:?}\n  got      {got:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_secret_inside_a_calls_credential_argument_is_one_finding() {
    expect(&[
        (
            "login.ps1",
            format!(
                "Connect-AzAccount -ServicePrincipal -Credential (New-Object PSCredential($appId, (ConvertTo-SecureString \"{ENTRA_SECRET}\" -AsPlainText -Force))) -Tenant $t\n"
            ),
            &[("entra-client-secret", Level::Error, 1)],
        ),
        (
            "login.ps1",
            format!(
                "Connect-AzAccount -ServicePrincipal -Tenant $t -Credential (New-Object System.Management.Automation.PSCredential -ArgumentList $appId, (ConvertTo-SecureString -String '{ENTRA_SECRET}' -AsPlainText -Force))\n"
            ),
            &[("entra-client-secret", Level::Error, 1)],
        ),
        (
            "auth.py",
            format!(
                "cred = ClientSecretCredential(tenant_id, client_id, os.environ.get(\"AZURE_CLIENT_SECRET\", \"{ENTRA_SECRET}\"))\n"
            ),
            &[("entra-client-secret", Level::Error, 1)],
        ),
    ]);
}

#[test]
fn a_secret_outside_the_calls_credential_keeps_both_findings() {
    expect(&[
        (
            "login.ps1",
            format!(
                "$secret = ConvertTo-SecureString \"{ENTRA_SECRET}\" -AsPlainText -Force\n$cred = New-Object PSCredential($appId, $secret)\nConnect-AzAccount -ServicePrincipal -Credential $cred -Tenant $t\n"
            ),
            &[
                ("entra-client-secret", Level::Error, 1),
                ("sdk-client-secret-credential", Level::Warning, 3),
            ],
        ),
        (
            "auth.py",
            format!(
                "cred = ClientSecretCredential(tenant_id, client_id, os.environ[\"AZURE_CLIENT_SECRET\"])  # was {ENTRA_SECRET}\n"
            ),
            &[
                ("sdk-client-secret-credential", Level::Warning, 1),
                ("entra-client-secret", Level::Error, 1),
            ],
        ),
        (
            "login.ps1",
            "Connect-AzAccount -ServicePrincipal -Credential $cred -Tenant $t\n".to_owned(),
            &[("sdk-client-secret-credential", Level::Warning, 1)],
        ),
    ]);
}

#[test]
fn placeholder_key_literals_are_key_based_auth_not_leaks() {
    let call = |key: &str| {
        format!(
            "var client = new SearchClient(new Uri(endpoint), \"idx\", new AzureKeyCredential(\"{key}\"));\n"
        )
    };
    expect(&[
        (
            "Search.cs",
            call("FAKE_SEARCH_KEY_0123456789abcdef"),
            &[("sdk-key-credential", Level::Warning, 1)],
        ),
        (
            "Search.cs",
            call("api-key-abc123456789"),
            &[("sdk-key-credential", Level::Warning, 1)],
        ),
        (
            "Search.cs",
            call("<your-key>"),
            &[("sdk-key-credential", Level::Warning, 1)],
        ),
        (
            "Search.cs",
            call("your-search-api-key-here"),
            &[("sdk-key-credential", Level::Warning, 1)],
        ),
        (
            "search.js",
            "const client = new SearchClient(endpoint, \"idx\", new AzureKeyCredential(`${process.env.SEARCH_KEY}`));\n".to_owned(),
            &[("sdk-key-credential", Level::Warning, 1)],
        ),
    ]);
}

#[test]
fn real_looking_key_literals_stay_errors() {
    let call = |key: &str| {
        format!(
            "var client = new SearchClient(new Uri(endpoint), \"idx\", new AzureKeyCredential(\"{key}\"));\n"
        )
    };
    expect(&[
        (
            "Search.cs",
            call("Zq8Lm2Xv7Np4Rt6Wy1Bc3Dk5Fh9Gj0Hs"),
            &[("sdk-key-credential", Level::Error, 1)],
        ),
        (
            "Search.cs",
            call("q3J9vX2mK8pL4nR7-tY1wZ5sD0fG6hB"),
            &[("sdk-key-credential", Level::Error, 1)],
        ),
        (
            "search.py",
            "client = SearchClient(endpoint, \"idx\", AzureKeyCredential(\"Hv4Rk9Wm2Tq7Lx5Nz8Pb3Cs6Dj1Fg0Yw\"))\n".to_owned(),
            &[("sdk-key-credential", Level::Error, 1)],
        ),
    ]);
}

#[test]
fn committed_weak_passwords_are_errors_and_stand_ins_stay_quiet() {
    let env = |password: &str| {
        format!("DB_HOST=kl-fake-pg.postgres.database.azure.com\nDB_PASSWORD={password}\n")
    };
    let weak: Expected<'_> = &[("database-password-setting", Level::Error, 2)];
    expect(&[
        (".env", env("StagingP@ssw0rd!"), weak),
        (".env", env("P@ssw0rd123"), weak),
        (".env", env("Azure123456@"), weak),
        (".env", env("P@ssw0rd"), &[]),
        (".env", env("changeme"), &[]),
        (".env", env("<your-password>"), &[]),
        (".env", env("yourStrong(!)Password"), &[]),
        (".env", env("xxxxxxxxxx"), &[]),
    ]);
}
