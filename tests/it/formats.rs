//! File formats read through a derived text: Jupyter notebooks (cells decoded from JSON),
//! `.http` / `.rest` files (variables filled in) and Bot Framework `.bot` files (JSON). Findings
//! land on the bytes of the file where the secret is written, once each, and broken input only
//! falls back to the plain text scan. Every key here is random and fake.

use crate::common;

use keyless::finding::hash_secret;
use keyless::{Finding, Service, scan_text};

fn scan(path: &str, text: &str) -> Vec<Finding> {
    scan_text(&common::registry(), path, text)
}

/// `"cells"` JSON of one code cell per source-line list.
fn notebook(cells: &[&[&str]]) -> String {
    let cells: Vec<serde_json::Value> = cells
        .iter()
        .map(|lines| {
            serde_json::json!({
                "cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [],
                "source": lines,
            })
        })
        .collect();
    let document =
        serde_json::json!({ "cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5 });
    serde_json::to_string_pretty(&document).unwrap_or_default()
}

const OPENAI_KEY: &str = "e1c94b7a0d3f58a26b9e4c0d7f1a3b85";
const STORAGE_KEY: &str =
    "qM3/ZrT8vXo1FAKEd9kLw2pN6yB4cJ7hU0sA5gE+fRi/VtQnXmWzKbYoPlCjHuGeDaSxIrFvOwMkNqTyZ1J2Bw==";

#[test]
fn a_key_in_a_code_cell_is_reported_on_its_notebook_line_and_column() {
    let text = notebook(&[&[
        "from openai import AzureOpenAI\n",
        "endpoint = \"https://kl-fake-openai.openai.azure.com/\"\n",
        &format!("api_key = \"{OPENAI_KEY}\"\n"),
    ]]);
    let findings = scan("notebooks/chat.ipynb", &text);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let finding = &findings[0];
    assert_eq!(finding.rule_id, "openai-api-key");
    let line = text
        .lines()
        .position(|line| line.contains(OPENAI_KEY))
        .map(|index| index + 1);
    assert_eq!(Some(finding.start.line), line);
    assert_eq!(&text[finding.byte_range.clone()], OPENAI_KEY);
    let column = text
        .lines()
        .nth(finding.start.line - 1)
        .and_then(|line| line.find(OPENAI_KEY));
    assert_eq!(Some(finding.start.column - 1), column);
    assert_eq!(finding.secret_hash, hash_secret(OPENAI_KEY));
}

#[test]
fn a_key_with_json_escapes_is_judged_decoded_and_reported_on_its_escaped_text() {
    // `\/` is JSON's optional escape of `/`: the raw text holds no base64 key at all.
    let escaped = STORAGE_KEY.replace('/', "\\/");
    let cell = format!(
        "conn = \\\"DefaultEndpointsProtocol=https;AccountName=klfakenotes;AccountKey={escaped};EndpointSuffix=core.windows.net\\\"\\n"
    );
    let text = format!(
        "{{\"cells\": [{{\"cell_type\": \"code\", \"metadata\": {{}}, \"outputs\": [], \"source\": [\"{cell}\"]}}], \"nbformat\": 4}}\n"
    );
    let findings = scan("notes.ipynb", &text);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].rule_id, "storage-account-key");
    assert_eq!(findings[0].secret_hash, hash_secret(STORAGE_KEY));
    assert_eq!(&text[findings[0].byte_range.clone()], escaped);
}

#[test]
fn a_key_the_raw_json_shows_too_is_reported_once() {
    let text = notebook(&[
        &[&format!(
            "AZURE_OPENAI_ENDPOINT=https://kl-fake-openai.openai.azure.com/\nAZURE_OPENAI_API_KEY={OPENAI_KEY}\n"
        )],
        &["print('done')\n"],
    ]);
    let findings = scan("setup.ipynb", &text);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].secret_hash, hash_secret(OPENAI_KEY));
}

#[test]
fn outputs_are_read_and_placeholders_stay_silent() {
    let output = serde_json::json!({
        "cells": [{
            "cell_type": "code", "execution_count": 2, "metadata": {},
            "source": ["client = AzureOpenAI(azure_endpoint=\"https://kl-fake-openai.openai.azure.com/\", api_key=\"<your-api-key>\")\n"],
            "outputs": [{"output_type": "stream", "name": "stdout",
                          "text": [format!("AZURE_OPENAI_API_KEY=\"{OPENAI_KEY}\"\n")]}],
        }],
        "nbformat": 4,
    })
    .to_string();
    let findings = scan("debug.ipynb", &output);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].secret_hash, hash_secret(OPENAI_KEY));
}

#[test]
fn a_broken_notebook_falls_back_to_the_text_scan() {
    let whole = notebook(&[&[&format!(
        "AZURE_OPENAI_ENDPOINT=https://kl-fake-openai.openai.azure.com/\nAZURE_OPENAI_API_KEY={OPENAI_KEY}\n"
    )]]);
    // Cut after the key: the JSON is incomplete, the raw text still has the key.
    let cut = whole.find(OPENAI_KEY).unwrap_or(0) + OPENAI_KEY.len() + 4;
    let broken = &whole[..cut.min(whole.len())];
    let findings = scan("broken.ipynb", broken);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    // Cut inside a later cell: the first cell's key, written with JSON escapes, is still read.
    let two = notebook(&[
        &[&format!(
            "key = \"{OPENAI_KEY}\"  # https://kl-fake-openai.openai.azure.com\n"
        )],
        &["print(1)\n"],
    ]);
    let cut = two.rfind("print").unwrap_or(two.len());
    let findings = scan("cut.ipynb", &two[..cut]);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    for text in [
        "",
        "{",
        "{\"cells\": [",
        "{\"cells\": \"x\"}",
        "\u{feff}[1, 2",
        "{\"cells\": [{\"source\": [\"\\ud800\\u12\"]}]}",
    ] {
        let _ = scan("broken.ipynb", text);
    }
}

const HTTP_KEY: &str = "7f3a9c2e5b1d48a6c0e9f2b7d4a1c836";

#[test]
fn a_variable_used_in_a_header_is_reported_on_its_definition_once() {
    let text = format!(
        "@host = https://kl-fake-apim.azure-api.net\n@sub = {HTTP_KEY}\n\n\
         ### list\nGET {{{{host}}}}/orders/v1/items\nOcp-Apim-Subscription-Key: {{{{sub}}}}\n\n\
         ### one\nGET {{{{host}}}}/orders/v1/items/1\nOcp-Apim-Subscription-Key: {{{{sub}}}}\n"
    );
    for path in ["api/orders.http", "api/orders.rest"] {
        let findings = scan(path, &text);
        assert_eq!(findings.len(), 1, "{path}: {findings:#?}");
        let finding = &findings[0];
        assert_eq!(finding.rule_id, "apim-subscription-key");
        assert_eq!(finding.service, Service::Apim);
        assert_eq!((finding.start.line, finding.start.column), (2, 8));
        assert_eq!(&text[finding.byte_range.clone()], HTTP_KEY);
    }
    // The same text in a file of another kind is not filled in.
    assert!(scan("orders.txt", &text).is_empty());
}

#[test]
fn a_header_is_judged_by_its_request_host() {
    let text = format!(
        "@key = {HTTP_KEY}\n\nPOST https://api.cognitive.microsofttranslator.com/translate?api-version=3.0&to=de\n\
         Ocp-Apim-Subscription-Key: {{{{key}}}}\nContent-Type: application/json\n\n[{{\"Text\": \"hi\"}}]\n"
    );
    let findings = scan("translate.http", &text);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].service, Service::Cognitiveservices);
    assert_eq!(findings[0].start.line, 1);
}

#[test]
fn references_to_the_environment_and_tokens_stay_silent() {
    for text in [
        "@sub = {{$dotenv APIM_KEY}}\nGET https://kl-fake-apim.azure-api.net/orders\nOcp-Apim-Subscription-Key: {{sub}}\n",
        "@sub = {{$processEnv APIM_KEY}}\nGET https://kl-fake-apim.azure-api.net/orders\nOcp-Apim-Subscription-Key: {{sub}}\n",
        "GET https://kl-fake-apim.azure-api.net/orders\nAuthorization: Bearer {{$aadV2Token scopes:api://kl-fake/.default}}\n",
        "@a = {{b}}\n@b = {{a}}\nGET https://kl-fake-apim.azure-api.net/{{a}}\nOcp-Apim-Subscription-Key: {{a}}\n",
    ] {
        assert!(scan("api.http", text).is_empty(), "{text}");
    }
}

#[test]
fn variables_that_multiply_stay_bounded() {
    // Each level doubles the text: filled in without a bound this is 2^depth per reference.
    let mut text = String::from("@v0 = x\n");
    for level in 1..40 {
        let previous = level - 1;
        text.push_str(&format!(
            "@v{level} = {{{{v{previous}}}}}{{{{v{previous}}}}}\n"
        ));
    }
    text.push_str(&"GET https://kl-fake.example/{{v39}}\n".repeat(200));
    let started = std::time::Instant::now();
    assert!(scan("bomb.http", &text).is_empty());
    // Generous: a blow-up would take minutes; the bound keeps it well under a second.
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn a_bot_file_reports_each_service_key_and_an_encrypted_one_nothing() {
    let bot = serde_json::json!({
        "name": "kl-fake-bot",
        "services": [
            {"type": "endpoint", "id": "1", "name": "production",
             "endpoint": "https://kl-fake-bot.azurewebsites.net/api/messages",
             "appId": "927ef0ef-c02f-4f5a-a4c1-6a0f6c288b08", "appPassword": "k7R!pZ2#qW9$FAKE%tY4&uI1*"},
            {"type": "luis", "id": "2", "name": "Dispatch", "appId": "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
             "authoringKey": "c4e8a1f6b3d92e705a8c1f4b6d3e9a27", "region": "westus"},
            {"type": "qna", "id": "3", "name": "faq", "kbId": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
             "endpointKey": "4b63d95a-0b35-4d42-9bec-b5fbb3a291a1",
             "hostname": "https://kl-fake-qna.azurewebsites.net/qnamaker"},
            {"type": "cosmosdb", "id": "4", "name": "state", "endpoint": "https://kl-fake-cosmos.documents.azure.com:443/",
             "key": STORAGE_KEY, "database": "bot", "collection": "state"},
            {"type": "blob", "id": "5", "name": "transcripts", "container": "transcripts",
             "connectionString": format!("DefaultEndpointsProtocol=https;AccountName=klfakebot;AccountKey={STORAGE_KEY};EndpointSuffix=core.windows.net")},
        ],
        "padlock": "",
        "version": "2.0",
    });
    let text = serde_json::to_string_pretty(&bot).unwrap_or_default();
    let findings = scan("kl-fake.bot", &text);
    let mut found: Vec<(&str, Service)> = findings
        .iter()
        .map(|finding| (finding.rule_id.as_str(), finding.service))
        .collect();
    found.sort_by_key(|(rule, _)| *rule);
    assert_eq!(
        found,
        [
            ("bot-app-password", Service::Entra),
            ("bot-file-cognitive-key", Service::Cognitiveservices),
            ("bot-file-cognitive-key", Service::Cognitiveservices),
            ("bot-file-cosmos-key", Service::Cosmos),
            ("storage-account-key", Service::Storage),
        ],
        "{findings:#?}"
    );
    let password = findings
        .iter()
        .find(|finding| finding.rule_id == "bot-app-password");
    assert_eq!(
        password.map(|finding| finding.remediation.as_str()),
        Some("bot")
    );

    // Encrypted with a botFileSecret: every value is ciphertext and the padlock is set.
    let mut encrypted = bot;
    encrypted["padlock"] = serde_json::json!("Vt2mQ9xK4bFAKEc7pR1sW6yN3hJ8dL0gZ5aE2uC9oX=");
    for service in encrypted["services"].as_array_mut().into_iter().flatten() {
        for field in ["appPassword", "authoringKey", "endpointKey", "key"] {
            if service.get(field).is_some() {
                service[field] = serde_json::json!(
                    "oK3vR8tY1wQ6FAKEnB2mX7cZ4aS9dF0gH5jL3pU8eI1yT6rW2qN7bV4cX9zM1aS="
                );
            }
        }
        if service.get("connectionString").is_some() {
            service["connectionString"] = serde_json::json!(
                "Hq5wE2rT7yU0FAKEiO3pA8sD1fG6hJ4kL9zX2cV7bN0mQ5wE8rT3yU6iO1pA4sD9fG2hJ7kL0z="
            );
        }
    }
    let text = serde_json::to_string_pretty(&encrypted).unwrap_or_default();
    let findings = scan("kl-fake.bot", &text);
    assert!(findings.is_empty(), "{findings:#?}");
}
