//! Bad inputs, end to end through the binary: every case keyless must survive without a panic or
//! a hang. Each test plants a good sibling file with a fake storage key (generated here, never
//! committed) and checks that its finding is still reported, that the exit code follows the
//! findings, and that whatever was skipped is named on stderr. Every run is killed after a
//! deadline, failing the test, so a hang cannot stall CI.
//!
//! Covered elsewhere at the parser level (these tests drive the whole pipeline): deep nesting and
//! unbalanced braces per parser in `tests/parse_*.rs`.

#![allow(clippy::unwrap_used)]

use keyless::checksum::{IdentifiableKind, generate_identifiable_key};
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// No case may take longer than this (debug build, loaded 2-core machine).
const DEADLINE: Duration = Duration::from_secs(120);

/// The file name every test plants its good finding in.
const GOOD: &str = "good.env";

/// A fake storage account key with a valid checksum; `label` makes it distinct per test.
fn fake_storage_key(label: &str) -> String {
    let material: Vec<u8> = label
        .bytes()
        .cycle()
        .take(64)
        .enumerate()
        .map(|(index, byte)| {
            byte.wrapping_mul(31)
                .wrapping_add((index as u8).wrapping_mul(7))
        })
        .collect();
    generate_identifiable_key(IdentifiableKind::StorageAccount, "Default0", &material)
}

/// A connection string line that carries `key`.
fn connection_line(key: &str) -> String {
    format!(
        "STORAGE=DefaultEndpointsProtocol=https;AccountName=fakeacct;AccountKey={key};EndpointSuffix=core.windows.net\n"
    )
}

/// Writes `good.env` with a fake key into `dir`.
fn plant_good(dir: &Path) {
    fs::write(dir.join(GOOD), connection_line(&fake_storage_key("good"))).unwrap();
}

/// What one run of the binary produced.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|error| {
            panic!(
                "stdout is not JSON ({error}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// Paths of the findings at error level.
    fn error_paths(&self) -> Vec<String> {
        self.json()["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|finding| finding["level"] == "error")
            .map(|finding| finding["path"].as_str().unwrap().to_owned())
            .collect()
    }

    /// The good sibling's finding is reported and decides the exit code; nothing panicked.
    fn assert_good_found(&self) {
        assert!(
            self.error_paths().iter().any(|path| path.ends_with(GOOD)),
            "the good file's finding is missing:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        assert_eq!(self.code, Some(1), "stderr:\n{}", self.stderr);
        self.assert_no_panic();
    }

    fn assert_no_panic(&self) {
        assert!(
            !self.stderr.contains("panicked"),
            "keyless panicked:\n{}",
            self.stderr
        );
    }

    /// stderr has a warning line naming `path` and containing `reason`.
    fn assert_diagnostic(&self, path: &str, reason: &str) {
        assert!(
            self.stderr
                .lines()
                .any(|line| line.starts_with("keyless: warning: ")
                    && line.contains(path)
                    && line.contains(reason)),
            "no diagnostic for {path} with `{reason}`:\n{}",
            self.stderr
        );
    }
}

/// Runs keyless in `dir` with `args` (JSON output), killing it and failing after [`DEADLINE`].
fn run(dir: &Path, args: &[&str]) -> Run {
    run_with_deadline(dir, args, DEADLINE)
}

fn run_with_deadline(dir: &Path, args: &[&str], deadline: Duration) -> Run {
    let out = tempfile::tempfile().unwrap();
    let err = tempfile::tempfile().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_keyless"))
        .arg("scan")
        .args(["--format", "json"])
        .args(args)
        .current_dir(dir)
        .env_remove("CI")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(err.try_clone().unwrap())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("keyless {args:?} did not finish within {deadline:?}: a hang");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code(),
        stdout: read_back(out),
        stderr: read_back(err),
    }
}

fn read_back(mut file: fs::File) -> String {
    use std::io::{Read, Seek};
    file.rewind().unwrap();
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).unwrap();
    String::from_utf8_lossy(&bytes).into_owned()
}

fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    plant_good(dir.path());
    dir
}

/// True when this process can read files whatever their mode (root, or CAP_DAC_OVERRIDE): then
/// `chmod 000` proves nothing and the permission part of a test is skipped with a notice.
fn permissions_are_bypassed(dir: &Path) -> bool {
    let probe = dir.join("probe");
    fs::write(&probe, "x").unwrap();
    set_mode(&probe, 0o000);
    let readable = fs::read(&probe).is_ok();
    fs::remove_file(&probe).unwrap();
    readable
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success(), "mkfifo {} failed", path.display());
}

#[test]
fn binary_file_is_skipped_and_counted() {
    let dir = tree();
    let mut bytes = vec![0u8, 1, 2, 3, 0, 0xff];
    bytes.extend(connection_line(&fake_storage_key("binary")).as_bytes());
    bytes.extend([0u8; 64]);
    fs::write(dir.path().join("blob.bin"), bytes).unwrap();
    let run = run(dir.path(), &[]);
    run.assert_good_found();
    assert_eq!(run.error_paths(), [GOOD], "the binary file is not scanned");
    assert!(run.stderr.contains("skipped 1 binary"), "{}", run.stderr);
}

#[test]
fn invalid_utf8_is_scanned_lossily() {
    let dir = tree();
    let mut bytes = b"# caf\xe9 \xc3\x28 \x80\xbf\n".to_vec();
    bytes.extend(connection_line(&fake_storage_key("latin1")).as_bytes());
    bytes.extend(b"tail \xf0\x28\x8c\x28\n");
    fs::write(dir.path().join("latin1.env"), bytes).unwrap();
    let run = run(dir.path(), &[]);
    run.assert_good_found();
    let paths = run.error_paths();
    assert!(paths.iter().any(|path| path == "latin1.env"), "{paths:?}");
    let finding = &run.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|finding| finding["path"] == "latin1.env")
        .unwrap()
        .clone();
    assert_eq!(finding["line"], 2);
}

#[test]
fn utf16_without_bom_is_decoded() {
    let dir = tree();
    let text = format!(
        "<configuration>\n  <connectionStrings>\n    <add name=\"s\" connectionString=\"DefaultEndpointsProtocol=https;AccountName=fakeacct;AccountKey={};EndpointSuffix=core.windows.net\" />\n  </connectionStrings>\n</configuration>\n",
        fake_storage_key("utf16")
    );
    let bytes: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    fs::write(dir.path().join("web.config"), bytes).unwrap();
    let run = run(dir.path(), &[]);
    run.assert_good_found();
    let findings = run.json()["findings"].as_array().unwrap().clone();
    let finding = findings
        .iter()
        .find(|finding| finding["path"] == "web.config")
        .unwrap_or_else(|| panic!("no finding in the UTF-16 file: {findings:?}"));
    assert_eq!(finding["line"], 3);
}

#[test]
fn file_over_the_size_limit_is_skipped_with_a_diagnostic() {
    let dir = tree();
    // Sparse: 200 MB of size, no blocks written, so the test is cheap.
    let huge = fs::File::create(dir.path().join("huge.json")).unwrap();
    huge.set_len(200 * 1024 * 1024).unwrap();
    drop(huge);
    let run = run(dir.path(), &[]);
    run.assert_good_found();
    run.assert_diagnostic("huge.json", "over the 10.0 MiB limit");
    assert!(run.stderr.contains("1 too large"), "{}", run.stderr);
    // Named explicitly, the limit still applies.
    let explicit = self::run(dir.path(), &["huge.json", GOOD]);
    explicit.assert_good_found();
    explicit.assert_diagnostic("huge.json", "over the 10.0 MiB limit");
}

#[test]
fn fifty_mb_single_line_passed_explicitly() {
    let dir = tree();
    let key = fake_storage_key("long-line");
    let mut line = String::with_capacity(50 * 1024 * 1024 + 200);
    // Text that keeps the prefilter and the key regexes busy: base64 runs and `=`/`;`.
    let filler = "AccountName=x;Zm9vYmFyYmF6cXV4+/==;";
    while line.len() < 50 * 1024 * 1024 {
        line.push_str(filler);
    }
    line.push_str(&connection_line(&key).replace('\n', " "));
    fs::write(dir.path().join("line.txt"), &line).unwrap();
    // Over the default limit: skipped with a diagnostic.
    let skipped = run(dir.path(), &["line.txt", GOOD]);
    skipped.assert_good_found();
    skipped.assert_diagnostic("line.txt", "over the 10.0 MiB limit");
    // With the limit raised it is scanned in bounded time, and the key at its end is found.
    let started = Instant::now();
    let scanned = run(dir.path(), &["--max-file-size", "64M", "line.txt", GOOD]);
    scanned.assert_good_found();
    assert!(
        scanned.error_paths().iter().any(|path| path == "line.txt"),
        "{}",
        scanned.stdout
    );
    eprintln!("50 MB line scanned in {:?}", started.elapsed());
}

#[test]
fn json_nested_100_000_deep() {
    let dir = tree();
    let depth = 100_000;
    let key = fake_storage_key("deep");
    let mut text = "{\"a\":[".repeat(depth / 2);
    text.push_str(&format!("\"{}\"", connection_line(&key).trim_end()));
    text.push_str(&"]}".repeat(depth / 2));
    fs::write(dir.path().join("deep.json"), &text).unwrap();
    // And a deep array that never closes.
    fs::write(dir.path().join("open.json"), "[".repeat(depth)).unwrap();
    let run = run(dir.path(), &[]);
    run.assert_good_found();
    assert!(
        run.error_paths().iter().any(|path| path == "deep.json"),
        "{}",
        run.stdout
    );
}

#[test]
fn notebook_cut_off_mid_json_is_named_and_still_read() {
    let dir = tree();
    let key = fake_storage_key("notebook");
    // A code cell whose line holds the key (escaped as JSON), then the file breaks off.
    let text = format!(
        "{{\"cells\": [{{\"cell_type\": \"code\", \"source\": [\"conn = \\\"{}\\\"\\n\"]}}, {{\"cell_type\": \"code\", \"source\": [\"print(",
        connection_line(&key).trim_end()
    );
    fs::write(dir.path().join("cut.ipynb"), text).unwrap();
    let run = run(dir.path(), &[]);
    run.assert_good_found();
    run.assert_diagnostic("cut.ipynb", "notebook JSON is incomplete");
    assert!(
        run.error_paths().iter().any(|path| path == "cut.ipynb"),
        "{}",
        run.stdout
    );
}

#[test]
fn bicep_with_unbalanced_braces() {
    let dir = tree();
    let key = fake_storage_key("bicep");
    let text = format!(
        "resource sa 'Microsoft.Storage/storageAccounts@2023-01-01' = {{\n  name: 'x'\n  properties: {{\n    {{{{{{\n}}\n}}}}}}}}\nvar conn = 'DefaultEndpointsProtocol=https;AccountName=fakeacct;AccountKey={key};EndpointSuffix=core.windows.net'\nresource other 'Microsoft.Web/sites@2022-03-01' = {{\n  properties: {{\n"
    );
    fs::write(dir.path().join("main.bicep"), text).unwrap();
    let run = run(dir.path(), &[]);
    run.assert_good_found();
    assert!(
        run.error_paths().iter().any(|path| path == "main.bicep"),
        "{}",
        run.stdout
    );
}

#[test]
fn unreadable_file() {
    let dir = tree();
    let secret = dir.path().join("secret.env");
    fs::write(&secret, connection_line(&fake_storage_key("unreadable"))).unwrap();
    set_mode(&secret, 0o000);
    let run = run(dir.path(), &[]);
    run.assert_good_found();
    if permissions_are_bypassed(dir.path()) {
        eprintln!(
            "notice: running as root: chmod 000 does not stop reads; permission part skipped"
        );
        return;
    }
    run.assert_diagnostic("secret.env", "cannot read");
    assert!(run.stderr.contains("1 unreadable"), "{}", run.stderr);
    assert_eq!(run.error_paths(), [GOOD]);
}

#[test]
fn unreadable_directory() {
    let dir = tree();
    let locked = dir.path().join("locked");
    fs::create_dir(&locked).unwrap();
    fs::write(
        locked.join("inner.env"),
        connection_line(&fake_storage_key("locked")),
    )
    .unwrap();
    set_mode(&locked, 0o000);
    let run = run(dir.path(), &[]);
    set_mode(&locked, 0o755);
    run.assert_good_found();
    if permissions_are_bypassed(dir.path()) {
        eprintln!(
            "notice: running as root: chmod 000 does not stop reads; permission part skipped"
        );
        return;
    }
    run.assert_diagnostic("locked", "Permission denied");
    assert_eq!(run.error_paths(), [GOOD]);
}

#[test]
fn symlink_loops() {
    use std::os::unix::fs::symlink;
    let dir = tree();
    let sub = dir.path().join("sub");
    fs::create_dir(&sub).unwrap();
    symlink("..", sub.join("up")).unwrap();
    symlink("self", dir.path().join("self")).unwrap();
    // Not followed by default: nothing to report, nothing to hang on.
    let plain = run(dir.path(), &[]);
    plain.assert_good_found();
    // Followed: the loop is named and the scan goes on.
    let followed = run(dir.path(), &["--follow"]);
    followed.assert_good_found();
    followed.assert_diagnostic("sub/up", "symbolic link loop");
    followed.assert_diagnostic("self", "");
    // A looping link named on the command line.
    let explicit = run(dir.path(), &["self", GOOD]);
    explicit.assert_good_found();
    explicit.assert_diagnostic("self", "");
}

#[test]
fn fifo_in_the_tree_does_not_hang_the_scan() {
    let dir = tree();
    mkfifo(&dir.path().join("pipe.env"));
    for args in [&[][..], &["--follow"][..], &["--threads", "1"][..]] {
        let run = run_with_deadline(dir.path(), args, Duration::from_secs(60));
        run.assert_good_found();
        run.assert_diagnostic("pipe.env", "not a regular file");
    }
}

#[test]
fn fifo_named_explicitly_does_not_hang() {
    let dir = tree();
    mkfifo(&dir.path().join("pipe.env"));
    let run = run_with_deadline(dir.path(), &["pipe.env", GOOD], Duration::from_secs(60));
    run.assert_good_found();
    run.assert_diagnostic("pipe.env", "not a regular file");
}

#[test]
fn device_files_are_skipped() {
    use std::os::unix::fs::symlink;
    let dir = tree();
    // Creating device nodes needs privileges; a followed link to one is the same file type.
    symlink("/dev/zero", dir.path().join("zero.env")).unwrap();
    symlink("/dev/null", dir.path().join("null.json")).unwrap();
    let followed = run(dir.path(), &["--follow"]);
    followed.assert_good_found();
    followed.assert_diagnostic("zero.env", "not a regular file");
    followed.assert_diagnostic("null.json", "not a regular file");
    let explicit = run(dir.path(), &["/dev/zero", GOOD]);
    explicit.assert_good_found();
    explicit.assert_diagnostic("/dev/zero", "not a regular file");
}

#[test]
fn non_utf8_file_names() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = tree();
    let name = OsStr::from_bytes(b"key-\xff\xfe.env");
    fs::write(
        dir.path().join(name),
        connection_line(&fake_storage_key("name")),
    )
    .unwrap();
    let sub = dir.path().join(OsStr::from_bytes(b"dir-\x80"));
    fs::create_dir(&sub).unwrap();
    fs::write(
        sub.join("inner.env"),
        connection_line(&fake_storage_key("dir-name")),
    )
    .unwrap();
    let run = run(dir.path(), &[]);
    run.assert_good_found();
    let paths = run.error_paths();
    assert_eq!(paths.len(), 3, "{paths:?}");
    assert!(
        paths.contains(&"key-\u{fffd}\u{fffd}.env".to_owned()),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"dir-\u{fffd}/inner.env".to_owned()),
        "{paths:?}"
    );
}

/// Files deleted while the scan runs: whatever the walker listed and then could not read becomes
/// a `cannot read` diagnostic, never a panic, and the untouched file is still reported. The race
/// is real, so which path it takes varies; the assertions hold for every outcome.
#[test]
fn files_deleted_during_the_scan() {
    let dir = tree();
    let doomed = dir.path().join("doomed");
    fs::create_dir(&doomed).unwrap();
    let count = 3000;
    for index in 0..count {
        fs::write(
            doomed.join(format!("f{index}.env")),
            format!("KEY{index}=value\n"),
        )
        .unwrap();
    }
    let deleter = {
        let doomed = doomed.clone();
        std::thread::spawn(move || {
            for index in (0..count).rev() {
                let _ = fs::remove_file(doomed.join(format!("f{index}.env")));
            }
        })
    };
    let run = run(dir.path(), &[]);
    deleter.join().unwrap();
    run.assert_good_found();
    for line in run.stderr.lines().filter(|line| line.contains("doomed/")) {
        assert!(
            line.starts_with("keyless: warning: doomed/f")
                && (line.contains("No such file") || line.contains("not found")),
            "unexpected diagnostic: {line}"
        );
    }
}

/// The deterministic half of the race above: a file named on the command line that vanished is
/// a missing path (exit 2, clear message), and a file that vanished between the walk and the read
/// becomes a diagnostic (a unit test in `src/scan.rs` drives that path directly).
#[test]
fn vanished_file_named_on_the_command_line() {
    let dir = tree();
    let run = run(dir.path(), &[GOOD, "gone.env"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("gone.env: no such file or directory"),
        "{}",
        run.stderr
    );
    run.assert_no_panic();
}

#[test]
fn empty_tree() {
    let dir = tree();
    let empty = dir.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let alone = run(&empty, &[]);
    assert_eq!(alone.code, Some(0), "{}", alone.stderr);
    assert_eq!(alone.json()["findings"], serde_json::json!([]));
    assert!(alone.stderr.contains("0 files"), "{}", alone.stderr);
    let with_good = run(dir.path(), &["empty", GOOD]);
    with_good.assert_good_found();
}

#[test]
fn path_that_does_not_exist() {
    let dir = tree();
    let run = run(dir.path(), &["no/such/dir"]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr
            .contains("no/such/dir: no such file or directory"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    run.assert_no_panic();
}

/// Keeps the helper honest: a run that outlives its deadline fails the test instead of hanging.
#[test]
fn the_harness_kills_a_hung_run() {
    let dir = tree();
    mkfifo(&dir.path().join("pipe"));
    let result = std::panic::catch_unwind(|| {
        // A baseline read from a FIFO that nobody writes blocks, as `cat` would: a sure hang.
        run_with_deadline(
            dir.path(),
            &["--baseline", "pipe", GOOD],
            Duration::from_secs(2),
        )
    });
    let message = result.err().and_then(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|text| (*text).to_owned()))
    });
    assert!(
        message
            .as_deref()
            .is_some_and(|text| text.contains("a hang")),
        "{message:?}"
    );
}
