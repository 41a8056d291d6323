//! Throwaway: weight distribution of real Rust files.
#![allow(clippy::print_stdout, clippy::unwrap_used)]
use proc_macro2::{Delimiter, TokenStream, TokenTree};
use std::str::FromStr;
fn weight(tokens: &TokenStream) -> usize {
    struct Level { tokens: proc_macro2::token_stream::IntoIter, base: usize, run: usize, after_brace: bool }
    let mut max = 0;
    let mut stack = vec![Level { tokens: tokens.clone().into_iter(), base: 0, run: 0, after_brace: false }];
    while let Some(level) = stack.last_mut() {
        let Some(tree) = level.tokens.next() else { stack.pop(); continue; };
        if let TokenTree::Punct(p) = &tree { if matches!(p.as_char(), ';' | ',' | '#') { level.run = 0; level.after_brace = false; continue; } }
        if level.after_brace {
            let continues = match &tree { TokenTree::Punct(p) => !matches!(p.as_char(), '#' | '!'), TokenTree::Ident(i) => i == "as" || i == "else", _ => false };
            if !continues { level.run = 0; }
            level.after_brace = false;
        }
        level.run += 1;
        let w = level.base + level.run;
        max = max.max(w);
        if let TokenTree::Group(g) = tree { level.after_brace = g.delimiter() == Delimiter::Brace; stack.push(Level { tokens: g.stream().into_iter(), base: w, run: 0, after_brace: false }); }
    }
    max
}
fn main() {
    let mut weights = Vec::new();
    for line in std::io::stdin().lines() {
        let path = line.unwrap();
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        if let Ok(t) = TokenStream::from_str(&text) { let w = weight(&t); weights.push((w, path)); }
        proc_macro2::extra::invalidate_current_thread_spans();
    }
    weights.sort();
    let n = weights.len();
    for q in [50, 90, 99, 999] { let i = (n * q / if q == 999 {1000} else {100}).min(n-1); println!("p{q}: {}", weights[i].0); }
    for (w, p) in weights.iter().rev().take(8) { println!("{w} {p}"); }
    for lim in [150, 200, 256, 300, 500, 1000] { println!(">{lim}: {}", weights.iter().filter(|(w,_)| *w > lim).count()); }
    println!("files {n}");
}
