//! Throwaway: prints the code view of a file.
#![allow(clippy::print_stdout, clippy::unwrap_used)]
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let language = keyless::parse::code::Language::of_path(&path).unwrap();
    let view = keyless::parse::code::parse(language, &text);
    for call in &view.calls {
        println!("CALL {:?} name={:?} span={:?} name_span_text={:?}", call.callee, call.name, &text[call.span.clone()].chars().take(40).collect::<String>(), &text[call.name_span.clone()]);
        for a in &call.arguments { println!("    arg {:?} {:?} = {:?}", a.name, &text[a.span.clone()].chars().take(40).collect::<String>(), a.value); }
        for a in &call.options { println!("    opt {:?} {:?} = {:?}", a.name, &text[a.span.clone()].chars().take(40).collect::<String>(), a.value); }
    }
    for j in &view.joined_strings { println!("JOIN {:?} = {:?}", &text[j.span.clone()], j.value); }
    println!("complete={}", view.complete);
}
