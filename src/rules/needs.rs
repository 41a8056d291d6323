//! Words a file must contain before a call shape can match any of its calls.
//!
//! A call shape's callee pattern runs over callees normalised from the file's own tokens
//! (`parse::code`): every letter, digit and underscore of a callee comes from the source text,
//! apart from the `new ` that marks a construction. So when every match of the pattern must
//! contain one of a few words (`from_?connection_?string` needs `connection`), a file without
//! any of them has no call the shape could match, and needs no parse on its account. Parsing
//! costs far more than the rest of a scan, and rules' keywords (`connectionstring`) are much
//! more common than the calls they look for.

use aho_corasick::AhoCorasick;
use regex_syntax::hir::{Class, Hir, HirKind, Look};

/// Words shorter than this are too common to rule a file out; a pattern that needs nothing
/// longer has no gate.
const MIN_WORD: usize = 4;

/// Which words a file needs for a call shape to match one of its calls: one word of each set
/// (the callee's, and each argument condition's).
#[derive(Debug, Default, Clone)]
pub struct CallNeeds(Vec<Need>);

/// One set of words, one of which the file must hold.
#[derive(Debug, Clone)]
struct Need {
    words: AhoCorasick,
    /// The words are whole names, so only an occurrence with no letter, digit or `_` on either
    /// side counts.
    whole: bool,
}

impl CallNeeds {
    /// The needs of a shape whose patterns all have to match: the callee pattern and the
    /// argument conditions (names and written text both come from the source). A pattern whose
    /// words cannot be worked out adds no need.
    pub fn of_patterns<'p>(patterns: impl IntoIterator<Item = &'p str>) -> Self {
        Self(
            patterns
                .into_iter()
                .filter_map(|pattern| need(pattern_words(pattern)?, false))
                .collect(),
        )
    }

    /// The needs of a set of callee or name patterns any one of which may match: one word of
    /// any pattern's words. No need at all (every file meets it) when some pattern's words
    /// cannot be worked out.
    pub fn of_any_pattern<'p>(patterns: impl IntoIterator<Item = &'p str>) -> Self {
        let mut words = Vec::new();
        for pattern in patterns {
            let Some(needed) = pattern_words(pattern) else {
                return Self::default();
            };
            words.extend(needed);
        }
        Self(need(words, false).into_iter().collect())
    }

    /// The needs of a call shape: its callee pattern and the written text of its arguments
    /// as [`CallNeeds::of_patterns`], and its argument name patterns, which when they spell a
    /// few whole names (`(?i)^(ConnectionStrings?|StorageConnectionString)$`) need one of
    /// them as a whole name: every argument name is a name token of the source (a parameter,
    /// a keyword, an option key), which no letter, digit or `_` adjoins (`PSCredential` does
    /// not name a `-Credential`).
    pub fn of_call<'p>(
        callee: &'p str,
        names: impl IntoIterator<Item = &'p str>,
        written: impl IntoIterator<Item = &'p str>,
    ) -> Self {
        let mut needs = Self::of_patterns(std::iter::once(callee).chain(written));
        for pattern in names {
            let Ok(hir) = regex_syntax::Parser::new().parse(pattern) else {
                continue;
            };
            let found = match whole_names(&hir) {
                Some(names) => need(names, true),
                None => required_words(&hir).and_then(|words| need(words, false)),
            };
            needs.0.extend(found);
        }
        needs
    }

    /// The needs of a setting alternative: a word of its key path pattern (every segment of a
    /// path is a key written in the file) and, when it names resource types, the last segment
    /// of one of them (`storageAccounts` of `Microsoft.Storage/storageAccounts`: an ARM child
    /// resource may spell only that part, and `\/` may stand for the slash in JSON).
    pub fn of_setting(key: &str, resources: &[String]) -> Self {
        let mut needs = Self::of_patterns([key]);
        let words: Vec<&str> = resources
            .iter()
            .map(|resource| {
                let last = resource.rsplit('/').next().unwrap_or(resource);
                last.split('@').next().unwrap_or(last)
            })
            .collect();
        if !words.is_empty() && words.iter().all(|word| word.len() >= MIN_WORD) {
            needs.0.extend(need(words, false));
        }
        needs
    }

    /// Whether `text` has one word of each needed set (in any case).
    pub fn met_by(&self, text: &str) -> bool {
        self.0.iter().all(|need| {
            if need.whole {
                // Overlapping: `ConnectionString` inside `ConnectionStrings` must not hide the
                // whole `ConnectionStrings`.
                need.words
                    .find_overlapping_iter(text)
                    .any(|found| crate::catalogue::stands_alone(text, found.start(), found.end()))
            } else {
                need.words.find(text).is_some()
            }
        })
    }
}

/// A need of one of `words` (in any case); `None` when they cannot be searched for.
fn need<W: AsRef<[u8]>>(words: impl IntoIterator<Item = W>, whole: bool) -> Option<Need> {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(words)
        .ok()
        .map(|words| Need { words, whole })
}

/// The names a pattern anchored at both ends matches, when it matches only a few, each at
/// least [`MIN_WORD`] long and made of letters, digits and `_` (compared ignoring ASCII case).
fn whole_names(hir: &Hir) -> Option<Vec<String>> {
    let HirKind::Concat(parts) = hir.kind() else {
        return None;
    };
    let (first, rest) = parts.split_first()?;
    let (last, middle) = rest.split_last()?;
    let is = |part: &Hir, look: Look| *part.kind() == HirKind::Look(look);
    if !is(first, Look::Start) || !is(last, Look::End) {
        return None;
    }
    let mut names = vec![String::new()];
    for part in middle {
        names = cross(&names, &spellings(part)?)?;
    }
    let fits = |name: &String| {
        name.len() >= MIN_WORD && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    };
    names
        .iter()
        .all(fits)
        .then(|| names.iter().map(|name| name.to_ascii_lowercase()).collect())
}

/// [`required_words`] of a pattern; `None` when it does not parse either.
fn pattern_words(pattern: &str) -> Option<Vec<String>> {
    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    required_words(&hir)
}

/// Words, one of which every match of `hir` contains (compared ignoring ASCII case); `None`
/// when no such set is known.
fn required_words(hir: &Hir) -> Option<Vec<String>> {
    match hir.kind() {
        HirKind::Literal(literal) => best_word(&String::from_utf8_lossy(&literal.0)),
        HirKind::Concat(parts) => concat_words(parts),
        HirKind::Capture(capture) => required_words(&capture.sub),
        HirKind::Repetition(repetition) if repetition.min >= 1 => required_words(&repetition.sub),
        HirKind::Alternation(branches) => {
            let mut words = Vec::new();
            for branch in branches {
                words.extend(required_words(branch)?);
            }
            words.sort_unstable();
            words.dedup();
            Some(words)
        }
        _ => None,
    }
}

/// The most telling requirement of a sequence: every part must match, so the words of any one
/// part (or of a run of letters the parts spell together) are needed.
fn concat_words(parts: &[Hir]) -> Option<Vec<String>> {
    let mut best: Option<Vec<String>> = None;
    let mut consider = |words: Option<Vec<String>>| {
        if let Some(words) = words
            && shortest(&words) > best.as_deref().map_or(0, shortest)
        {
            best = Some(words);
        }
    };
    // Letters spelled by consecutive parts (`(?i)from` is four one-letter classes), each run
    // as the few texts it can be.
    let mut run = vec![String::new()];
    for part in parts {
        match spellings(part).and_then(|texts| cross(&run, &texts)) {
            Some(longer) => run = longer,
            None => {
                consider(best_words(&run));
                run = vec![String::new()];
                consider(required_words(part));
            }
        }
    }
    consider(best_words(&run));
    best
}

/// The words one of which a run's texts need: the longest word of each text.
fn best_words(texts: &[String]) -> Option<Vec<String>> {
    let mut words = Vec::new();
    for text in texts {
        words.extend(best_word(text)?);
    }
    words.sort_unstable();
    words.dedup();
    Some(words)
}

/// The length of the shortest word in a set (what a file is sure to be tested against).
fn shortest(words: &[String]) -> usize {
    words.iter().map(String::len).min().unwrap_or(0)
}

/// At most this many spellings are followed through optional parts and alternations.
const MAX_SPELLINGS: usize = 32;

/// The texts a part can match when it matches one of a few strings ignoring ASCII case: a
/// literal, a class of one letter in both cases, an optional or alternative such part
/// (`from_?connection` spells `from_connection` and `fromconnection`), or a sequence of them.
fn spellings(part: &Hir) -> Option<Vec<String>> {
    match part.kind() {
        HirKind::Capture(capture) => spellings(&capture.sub),
        HirKind::Repetition(repetition) if repetition.max == Some(1) => {
            let mut texts = spellings(&repetition.sub)?;
            if repetition.min == 0 {
                texts.push(String::new());
            }
            Some(texts)
        }
        HirKind::Alternation(branches) => {
            let mut texts = Vec::new();
            for branch in branches {
                texts.extend(spellings(branch)?);
                if texts.len() > MAX_SPELLINGS {
                    return None;
                }
            }
            Some(texts)
        }
        HirKind::Concat(parts) => {
            let mut texts = vec![String::new()];
            for part in parts {
                texts = cross(&texts, &spellings(part)?)?;
            }
            Some(texts)
        }
        _ => spelled(part).map(|text| vec![text]),
    }
}

/// Every text of `left` followed by every text of `right`; `None` past [`MAX_SPELLINGS`].
fn cross(left: &[String], right: &[String]) -> Option<Vec<String>> {
    if left.len().saturating_mul(right.len()) > MAX_SPELLINGS {
        return None;
    }
    Some(
        left.iter()
            .flat_map(|head| right.iter().map(move |tail| format!("{head}{tail}")))
            .collect(),
    )
}

/// The text a part matches when it matches exactly one string ignoring ASCII case: a literal,
/// or a class of one letter in both cases.
fn spelled(part: &Hir) -> Option<String> {
    match part.kind() {
        HirKind::Literal(literal) => Some(String::from_utf8_lossy(&literal.0).into_owned()),
        HirKind::Class(Class::Unicode(class)) => {
            let mut chars = class
                .ranges()
                .iter()
                .flat_map(|range| range.start()..=range.end());
            one_letter(&mut chars)
        }
        HirKind::Class(Class::Bytes(class)) => {
            let mut chars = class
                .ranges()
                .iter()
                .flat_map(|range| range.start()..=range.end())
                .map(char::from);
            one_letter(&mut chars)
        }
        _ => None,
    }
}

/// The letter of a class that holds one character, or one ASCII letter in its two cases (the
/// Kelvin sign and the long s that Unicode case folding adds are left out: the source's own
/// spelling is ASCII wherever it matters).
fn one_letter(chars: &mut dyn Iterator<Item = char>) -> Option<String> {
    let mut seen: Vec<char> = Vec::new();
    for c in chars {
        if seen.len() == 4 {
            return None;
        }
        seen.push(c);
    }
    let mut ascii = seen.iter().filter(|c| c.is_ascii());
    let first = *ascii.next()?;
    let all_same = seen
        .iter()
        .all(|c| !c.is_ascii() || c.eq_ignore_ascii_case(&first));
    (all_same && !seen.is_empty()).then(|| first.to_string())
}

/// The longest run of word characters in `text`, as the one word needed; `None` when it is
/// too short to tell files apart, or is the `new` a construction's callee starts with (written
/// by the parser, not always by the source: C# `Foo x = new()`).
fn best_word(text: &str) -> Option<Vec<String>> {
    let word = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .max_by_key(|word| word.len())?;
    (word.len() >= MIN_WORD && !word.eq_ignore_ascii_case("new"))
        .then(|| vec![word.to_ascii_lowercase()])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(pattern: &str) -> Option<Vec<String>> {
        let hir = regex_syntax::Parser::new().parse(pattern).expect("pattern");
        required_words(&hir)
    }

    #[test]
    fn a_setting_needs_a_word_of_its_key_and_the_last_segment_of_a_resource_type() {
        let needs = CallNeeds::of_setting(
            r"^properties\.allowSharedKeyAccess$",
            &["Microsoft.Storage/storageAccounts".into()],
        );
        // ARM JSON may write the slash as `\/`, and a child resource only its own segment.
        assert!(needs.met_by(
            r#"{"type": "Microsoft.Storage\/storageAccounts", "allowsharedkeyaccess": true}"#
        ));
        assert!(!needs.met_by(r#"{"type": "Microsoft.Storage/storageAccounts"}"#));
        assert!(!needs.met_by(r#"{"allowSharedKeyAccess": true}"#));
        let child = CallNeeds::of_setting(
            r"^properties\.(?:AzureWebJobsStorage)$",
            &["Microsoft.Web/sites/config@2022-03-01".into()],
        );
        assert!(child.met_by(r#"{"type": "config", "properties": {"AzureWebJobsStorage": "x"}}"#));
        // A key pattern without a telling word and no resource types: every file may match.
        assert!(CallNeeds::of_setting(r"^[a-z]+$", &[]).met_by(""));
    }

    #[test]
    fn words_every_match_contains() {
        let table: &[(&str, Option<&[&str]>)] = &[
            (
                r"(?i)(^|\.)(from_?connection_?string|New[A-Za-z0-9_]*FromConnectionString)$",
                Some(&[
                    "from_connection_string",
                    "from_connectionstring",
                    "fromconnection_string",
                    "fromconnectionstring",
                ]),
            ),
            (
                r"^new (BlobServiceClient|QueueClient)$",
                Some(&["blobserviceclient", "queueclient"]),
            ),
            (
                r"(?i)Builder\(\)(\.[A-Za-z0-9_]+\(\))*\.connectionString$",
                Some(&["connectionstring"]),
            ),
            (
                r"(?i)^(Connect-AzAccount|Add-AzAccount)$",
                Some(&["azaccount"]),
            ),
            (r"(?i)^az login$", Some(&["login"])),
            (
                r"(?i)(^|\.)from_?connection_?string$",
                Some(&[
                    "from_connection_string",
                    "from_connectionstring",
                    "fromconnection_string",
                    "fromconnectionstring",
                ]),
            ),
            // Nothing long enough is needed: no gate.
            (r"(?i)^[A-Za-z]+-(Az|AzureRm|Azure)[A-Za-z]+$", None),
            (
                r"(?i)^new [A-Za-z0-9_.]*(Auth|Token)[A-Za-z0-9_]*$",
                Some(&["auth", "token"]),
            ),
            // An optional part needs nothing.
            (r"(?i)^(ClientSecretCredential)?$", None),
        ];
        for (pattern, expected) in table {
            let expected = expected.map(|list| {
                list.iter()
                    .map(|word| (*word).to_owned())
                    .collect::<Vec<_>>()
            });
            assert_eq!(words(pattern), expected, "{pattern}");
        }
    }

    #[test]
    fn an_argument_name_that_spells_whole_names_needs_one_written_alone() {
        let needs = CallNeeds::of_call(
            r"(?i)^Connect-AzAccount$",
            [r"(?i)^(ConnectionStrings?|Credential)$"],
            [],
        );
        assert!(needs.met_by("Connect-AzAccount -Credential $c"));
        assert!(needs.met_by("Connect-AzAccount @{ 'connectionstrings' = $c }"));
        assert!(needs.met_by("connect-azaccount -ConnectionString:$c"));
        assert!(!needs.met_by("Connect-AzAccount\n$c = [PSCredential]::new($u, $p)"));
        assert!(!needs.met_by("Connect-AzAccount\n$myConnectionString = 'x'"));
        // A name pattern that is not whole names needs its word anywhere.
        let loose = CallNeeds::of_call(r"(?i)^Connect-AzAccount$", [r"(?i)credential"], []);
        assert!(loose.met_by("Connect-AzAccount\n$c = [PSCredential]::new($u, $p)"));
        let table: &[(&str, Option<&[&str]>)] = &[
            (r"(?i)^Credential$", Some(&["credential"])),
            (
                r"(?i)^(ConnectionStrings?|StorageConnectionString)$",
                Some(&[
                    "connectionstrings",
                    "connectionstring",
                    "storageconnectionstring",
                ]),
            ),
            // Not anchored at both ends, too short, or not a plain name: none.
            (r"(?i)Credential$", None),
            (r"(?i)^(Key|AccountKey)$", None),
            (r"(?i)^Sas-Token$", None),
            (r"(?i)^[a-z]+Key$", None),
        ];
        for (pattern, expected) in table {
            let hir = regex_syntax::Parser::new().parse(pattern).expect("pattern");
            let expected = expected.map(|list| list.iter().map(|w| (*w).to_owned()).collect());
            assert_eq!(whole_names(&hir), expected, "{pattern}");
        }
    }

    #[test]
    fn needs_are_met_in_any_case() {
        let needs = CallNeeds::of_patterns([r"(?i)(^|\.)from_?connection_?string$"]);
        assert!(needs.met_by("client = BlobServiceClient.FROM_CONNECTION_STRING(x)"));
        assert!(!needs.met_by("conn = os.environ['CONNECTION_STRING']"));
        assert!(CallNeeds::of_patterns([r"^.*$"]).met_by("anything"));
        // Every pattern of a shape needs its word.
        let both =
            CallNeeds::of_patterns([r"(?i)^New-AzStorageContext$", r"(?i)^StorageAccountKey$"]);
        assert!(both.met_by("New-AzStorageContext -StorageAccountKey $key"));
        assert!(!both.met_by("New-AzStorageContext -UseConnectedAccount"));
    }
}
