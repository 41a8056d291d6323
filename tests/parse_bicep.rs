use keyless::parse::bicep::BicepParser;

#[test]
#[ignore]
fn dump() {
    let path = std::env::var("DUMP").unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    let doc = BicepParser::new().parse(&text);
    for e in &doc.entries {
        println!(
            "{:<60} {:?} key={:?} {:?}",
            e.path.join("."),
            e.kind,
            &text[e.key.clone()],
            &text[e.value.clone()].chars().take(50).collect::<String>()
        );
    }
    for r in &doc.resources {
        println!(
            "RES {} {:?} {:?}",
            r.type_name,
            &text[r.header.clone()],
            r.path
        );
    }
    println!("complete={}", doc.complete);
}

#[test]
#[ignore]
fn timing() {
    let path = std::env::var("DUMP").unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    let mut p = tree_sitter::Parser::new();
    p.set_language(&tree_sitter_bicep::LANGUAGE.into()).unwrap();
    let t0 = std::time::Instant::now();
    let t = p.parse(&text, None).unwrap();
    println!("raw parse {:?}", t0.elapsed());
    drop(t);
    if std::env::var("FULL").is_ok() {
        let t0 = std::time::Instant::now();
        let doc = BicepParser::new().parse(&text);
        println!("full {:?} entries={}", t0.elapsed(), doc.entries.len());
    }
}
