//! The PowerShell parser (tree-sitter-powershell) on realistic Azure scripts: cmdlets with
//! named parameters and switches, native `az` lines, method calls; single- and double-quoted
//! strings and here-strings with variables; joined strings; broken and hostile input.

use crate::parse_code_support;

use keyless::parse::code::Language::Powershell;
use parse_code_support::{
    Case, arguments, call, every_prefix, expected, fixture, hostile, joined, line_of, run_cases,
    run_values, view,
};

#[test]
fn cmdlets_az_lines_and_methods() {
    let cases = [
        Case {
            source: "$ctx = New-AzStorageContext -StorageAccountName $name -StorageAccountKey $key",
            callee: "New-AzStorageContext",
            name: "New-AzStorageContext",
            arguments: &[
                (Some("StorageAccountName"), "$name", None),
                (Some("StorageAccountKey"), "$key", None),
            ],
        },
        Case {
            source: "Connect-AzAccount -ServicePrincipal -Credential $cred -Tenant:$tenant",
            callee: "Connect-AzAccount",
            name: "Connect-AzAccount",
            arguments: &[
                (Some("ServicePrincipal"), "-ServicePrincipal", Some("")),
                (Some("Credential"), "$cred", None),
                (Some("Tenant"), "$tenant", None),
            ],
        },
        Case {
            source: "Connect-AzAccount -Identity",
            callee: "Connect-AzAccount",
            name: "Connect-AzAccount",
            arguments: &[(Some("Identity"), "-Identity", Some(""))],
        },
        Case {
            source: "az login --service-principal -u $appId -p 'FAKE~secret' --tenant fake-tenant",
            callee: "az login",
            name: "login",
            arguments: &[
                (Some("service-principal"), "--service-principal", Some("")),
                (Some("u"), "$appId", None),
                (Some("p"), "'FAKE~secret'", Some("FAKE~secret")),
                (Some("tenant"), "fake-tenant", Some("fake-tenant")),
            ],
        },
        Case {
            source: "az storage account keys list -g rg -n fakeaccount --query '[0].value' -o tsv",
            callee: "az storage account keys list",
            name: "list",
            arguments: &[
                (Some("g"), "rg", Some("rg")),
                (Some("n"), "fakeaccount", Some("fakeaccount")),
                (Some("query"), "'[0].value'", Some("[0].value")),
                (Some("o"), "tsv", Some("tsv")),
            ],
        },
        Case {
            source: "Get-AzStorageAccountKey fake-rg fakeaccount | Select-Object -First 1",
            callee: "Get-AzStorageAccountKey",
            name: "Get-AzStorageAccountKey",
            arguments: &[
                (None, "fake-rg", Some("fake-rg")),
                (None, "fakeaccount", Some("fakeaccount")),
            ],
        },
        Case {
            source: "New-AzStorageContext @params -Verbose 2>&1",
            callee: "New-AzStorageContext",
            name: "New-AzStorageContext",
            arguments: &[
                (None, "@params", None),
                (Some("Verbose"), "-Verbose", Some("")),
            ],
        },
        Case {
            source: "Az.Accounts\\Connect-AzAccount -Identity",
            callee: "Az.Accounts\\Connect-AzAccount",
            name: "Connect-AzAccount",
            arguments: &[(Some("Identity"), "-Identity", Some(""))],
        },
        Case {
            source: "$bytes = [System.Text.Encoding]::UTF8.GetBytes('FAKE')",
            callee: "[System.Text.Encoding]::UTF8.GetBytes",
            name: "GetBytes",
            arguments: &[(None, "'FAKE'", Some("FAKE"))],
        },
        Case {
            source: "$client.UploadText(\"body\", $true)",
            callee: "$client.UploadText",
            name: "UploadText",
            arguments: &[(None, "\"body\"", Some("body")), (None, "$true", None)],
        },
    ];
    run_cases(Powershell, &cases);
    // Parameter names compare case-insensitively.
    let text = "new-azstoragecontext -storageaccountkey 'FAKE'";
    let view = view(Powershell, text);
    assert_eq!(
        call(&view, "new-azstoragecontext")
            .argument("StorageAccountKey")
            .and_then(|a| a.value.as_deref()),
        Some("FAKE")
    );
}

#[test]
fn splatted_hashtables_are_options() {
    let text = "$key = 'FAKE'\n$params = @{\n    StorageAccountName = 'fakeaccount'\n    'StorageAccountKey' = $key; Force = $true\n}\nNew-AzStorageContext @params -Verbose\n";
    let splatted = view(Powershell, text);
    let found = call(&splatted, "New-AzStorageContext");
    assert_eq!(
        arguments(text, found),
        expected(&[
            (None, "@params", None),
            (Some("Verbose"), "-Verbose", Some(""))
        ])
    );
    assert_eq!(
        parse_code_support::options(text, found),
        expected(&[
            (
                Some("StorageAccountName"),
                "'fakeaccount'",
                Some("fakeaccount")
            ),
            (Some("StorageAccountKey"), "$key", Some("FAKE")),
            (Some("Force"), "$true", None),
        ])
    );
    assert_eq!(
        found
            .option("storageaccountkey")
            .and_then(|o| o.value.as_deref()),
        Some("FAKE")
    );
    // A hashtable assigned twice, or an array, gives nothing.
    let twice = "$p = @{ A = 1 }\n$p = @{ B = 2 }\nNew-Thing @p\n$a = @('x')\nNew-Other @a\n";
    let unsplatted = view(Powershell, twice);
    assert!(unsplatted.calls.iter().all(|call| call.options.is_empty()));
}

#[test]
fn spans_point_at_the_command() {
    let text = "Write-Host 'x'\n$ctx = New-AzStorageContext `\n    -StorageAccountName $name `\n    -StorageAccountKey $key\n";
    let view = view(Powershell, text);
    let found = call(&view, "New-AzStorageContext");
    assert!(text[found.span.clone()].starts_with("New-AzStorageContext `\n"));
    assert!(text[found.span.clone()].ends_with("-StorageAccountKey $key"));
    assert_eq!(line_of(text, found.name_span.start), 2);
    let key = found.argument("storageaccountkey").expect("key");
    assert_eq!(line_of(text, key.span.start), 4);
    assert_eq!(
        &text[key.name_span.clone().expect("name")],
        "StorageAccountKey"
    );
}

#[test]
fn every_literal_form_resolves() {
    let cases = [
        ("use 'single'", Some("single")),
        ("use 'it''s'", Some("it's")),
        ("use \"double\"", Some("double")),
        (
            "use \"tab`there `\"q`\" \"\"d\"\"\"",
            Some("tab\there \"q\" \"d\""),
        ),
        ("$a = 'x'\nuse \"a$a-${a}\"", Some("ax-x")),
        ("use \"sub $(Get-Date)\"", None),
        ("use \"env $env:HOME\"", None),
        ("use @'\nverbatim $here\n'@", Some("verbatim $here")),
        ("$v = 'x'\nuse @\"\nexpand $v\n\"@", Some("expand x")),
        ("use ('a' + \"b\")", Some("ab")),
        ("use bareword", Some("bareword")),
        ("use ([string]'cast')", Some("cast")),
        ("use (1 + 2)", None),
    ];
    run_values(Powershell, &cases);
}

#[test]
fn variables_resolve_when_assigned_once() {
    let cases = [
        ("$Key = 'k'\nuse $key", Some("k")),
        ("$script:Key = 'scoped'\nuse $Key", Some("scoped")),
        ("[string]$typed = 'typed'\nuse $typed", Some("typed")),
        ("$a = 'a'\n$b = $a + 'b'\nuse $b", Some("ab")),
        ("$s = 'a'\n$s += 'b'\nuse $s", None),
        ("$s = 'a'\n$s = 'b'\nuse $s", None),
        ("param([string]$Key = 'default')\nuse $Key", None),
        (
            "function F {\n  param($Key)\n  use $Key\n}\n$Key = 'x'",
            None,
        ),
        ("foreach ($k in $keys) { use $k }", None),
        ("$env:KEY = 'e'\nuse $env:KEY", None),
        ("use $undefined", None),
    ];
    run_values(Powershell, &cases);
}

#[test]
fn joined_strings_are_the_outermost_resolved_joins() {
    let text = "$head = 'FAKE'\n$key = $head + 'key' + \"==\"\n$t = \"$head-$key\"\n$u = $unknown + 'c' + 'd'\n$p = \"plain\"\n";
    let view = view(Powershell, text);
    assert_eq!(
        joined(text, &view),
        vec![
            ("$head + 'key' + \"==\"".to_owned(), "FAKEkey==".to_owned()),
            ("\"$head-$key\"".to_owned(), "FAKE-FAKEkey==".to_owned()),
        ]
    );
}

#[test]
fn fixture_with_key_based_sign_in() {
    let text = fixture("powershell/key_based.ps1");
    let view = view(Powershell, &text);
    assert!(view.complete);
    let key = "FAKEkeyFAKEkeyFAKEkeyFAKE==";
    let connect = call(&view, "Connect-AzAccount");
    assert_eq!(line_of(&text, connect.name_span.start), 12);
    assert_eq!(
        arguments(&text, connect),
        expected(&[
            (Some("ServicePrincipal"), "-ServicePrincipal", Some("")),
            (Some("Credential"), "$credential", None),
            (Some("Tenant"), "\"fake-tenant\"", Some("fake-tenant")),
        ])
    );
    let context = call(&view, "New-AzStorageContext");
    assert_eq!(line_of(&text, context.name_span.start), 13);
    assert_eq!(
        arguments(&text, context),
        expected(&[
            (
                Some("StorageAccountName"),
                "$accountName",
                Some("fakeaccount")
            ),
            (Some("StorageAccountKey"), "$accountKey", Some(key))
        ])
    );
    let secure = call(&view, "ConvertTo-SecureString");
    assert_eq!(
        arguments(&text, secure),
        expected(&[
            (None, "\"FAKE~secret~FAKE\"", Some("FAKE~secret~FAKE")),
            (Some("AsPlainText"), "-AsPlainText", Some("")),
            (Some("Force"), "-Force", Some(""))
        ])
    );
    let login = call(&view, "az login");
    assert_eq!(line_of(&text, login.name_span.start), 16);
    assert_eq!(
        login.argument("p").and_then(|a| a.value.as_deref()),
        Some("FAKE~secret~FAKE")
    );
    assert_eq!(
        login.argument("u").and_then(|a| a.value.as_deref()),
        None,
        "a parameter is not a known value"
    );
    let list = call(&view, "az storage account keys list");
    assert_eq!(
        list.argument("account-name")
            .and_then(|a| a.value.as_deref()),
        Some("fakeaccount")
    );
    let bytes = call(&view, "[System.Text.Encoding]::UTF8.GetBytes");
    assert_eq!(bytes.arguments[0].value.as_deref(), Some(key));
    assert!(view.calls.iter().any(|c| c.callee == "New-Object"));
    assert!(joined(&text, &view).iter().any(|(_, value)| value == key));
}

#[test]
fn fixture_with_identities() {
    let text = fixture("powershell/identity.ps1");
    let view = view(Powershell, &text);
    assert!(view.complete);
    let callees: Vec<&str> = view.calls.iter().map(|c| c.callee.as_str()).collect();
    assert_eq!(
        callees,
        ["Connect-AzAccount", "New-AzStorageContext", "az login"]
    );
    assert_eq!(
        call(&view, "az login")
            .argument("identity")
            .and_then(|a| a.value.as_deref()),
        Some("")
    );
    assert!(
        call(&view, "New-AzStorageContext")
            .argument("StorageAccountKey")
            .is_none()
    );
}

#[test]
fn broken_code_keeps_what_it_can() {
    let text = "function Broken {\n  if ($x {\nNew-AzStorageContext -StorageAccountName fake -StorageAccountKey 'FAKE'\n";
    let broken = view(Powershell, text);
    assert!(!broken.complete);
    let found = call(&broken, "New-AzStorageContext");
    assert_eq!(
        found
            .argument("StorageAccountKey")
            .and_then(|a| a.value.as_deref()),
        Some("FAKE")
    );
}

#[test]
fn every_prefix_of_the_fixture_parses() {
    every_prefix(Powershell, &fixture("powershell/key_based.ps1"), 7);
}

#[test]
fn hostile_input_is_bounded() {
    hostile(Powershell, &|expression| format!("$x = {expression}\n"));
}
