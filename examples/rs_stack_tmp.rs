//! Throwaway: stack use of the Rust parser on hostile constructs.
#![allow(clippy::print_stdout, clippy::unwrap_used)]
fn build(kind: &str, n: usize) -> String {
    let body = match kind {
        "paren" => format!("{}x{}", "(".repeat(n), ")".repeat(n)),
        "block" => format!("{}x{}", "{".repeat(n), "}".repeat(n)),
        "array" => format!("{}x{}", "[".repeat(n), "]".repeat(n)),
        "call" => format!("{}x{}", "f(".repeat(n), ")".repeat(n)),
        "binary" => format!("x{}", " + x".repeat(n)),
        "chain" => format!("x{}", ".a()".repeat(n)),
        "unary" => format!("{}x", "-".repeat(n)),
        "refs" => format!("{}x", "&".repeat(n)),
        "closure" => format!("{}x", "|| ".repeat(n)),
        "assign" => format!("x{}", " = x".repeat(n)),
        "ret" => format!("{}x", "return ".repeat(n)),
        "cast" => format!("x{}", " as T".repeat(n)),
        "try" => format!("x{}", "?".repeat(n)),
        "ifelse" => format!("if a {{}}{}", " else if a {}".repeat(n)),
        "generic" => format!("0 as {}T{}", "Vec<".repeat(n), ">".repeat(n)),
        "concat" => format!("concat!({}\"x\"{})", "concat!(".repeat(n), ")".repeat(n)),
        "mixed" => format!("{}x{}", "(f(&[-".repeat(n), "])))".repeat(n)),
        "range" => format!("x{}", "..x".repeat(n)),
        _ => panic!(),
    };
    format!("fn main() {{ let y = {body}; }}\n")
}
fn main() {
    let kind = std::env::args().nth(1).unwrap();
    let n: usize = std::env::args().nth(2).unwrap().parse().unwrap();
    let text = build(&kind, n);
    let handle = std::thread::Builder::new().stack_size(2 << 20).spawn(move || {
        let view = keyless::parse::code::parse(keyless::parse::code::Language::Rust, &text);
        (view.calls.len(), view.joined_strings.len(), view.complete)
    }).unwrap();
    println!("{kind} {n} {:?}", handle.join().unwrap());
}
