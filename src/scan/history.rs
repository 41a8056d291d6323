//! `scan --history`: every blob of a repository's history through the same matcher as files.
//!
//! [`crate::history`] lists the range's blobs once each, with the commit that first recorded
//! them; worker threads read and match them (each with its own gix handle); then every secret is
//! reported once, at its earliest commit, with whether the HEAD tree still holds it.

use crossbeam_channel::{Receiver, Sender};
use gix::ObjectId;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use super::{
    Collected, Counters, FileContext, HistoryContext, ScanError, ScanOptions, ScanReport,
    ScanSettings,
};
use crate::finding::{Finding, Level, Origin};
use crate::history::{self, BlobRead, HistoryOptions, Repository};
use crate::rules::Registry;
use crate::rules::matcher::Scope;
use crate::walk;

/// What a history scan reads and reports.
#[derive(Debug, Clone, Default)]
pub struct HistoryScan {
    /// The range: tips and `--since`.
    pub range: HistoryOptions,
    /// Run every rule and every check (joining keys split over string pieces in code), not
    /// only the leaked-secret (error-level) rules on the text.
    pub every_level: bool,
}

/// Blobs sent to the workers at a time: few enough to balance threads, enough to keep the
/// channel quiet.
const CHUNK: usize = 16;

/// Scans the history of the repository at `options.walk.roots[0]` (default `.`): each blob once,
/// each secret reported once at the commit that first recorded it.
pub fn scan_history(
    registry: &Registry,
    options: &ScanOptions,
    settings: &ScanSettings,
    scan: &HistoryScan,
    progress: &AtomicUsize,
) -> Result<ScanReport, ScanError> {
    let started = Instant::now();
    let root = options
        .walk
        .roots
        .first()
        .cloned()
        .unwrap_or_else(|| ".".into());
    let repository = Repository::open(&root)?;
    let excludes = walk::compile_excludes(&options.walk.excludes)?;
    let context = FileContext {
        registry,
        options,
        settings,
        counters: Counters::default(),
        scope: if scan.every_level {
            Scope::default()
        } else {
            Scope {
                min_level: Level::Error,
                join_string_pieces: false,
            }
        },
    };
    // keyless.toml's excludes, matched from its own directory as in a tree scan, on each blob
    // where the work tree would hold it.
    let anchored = settings.policy.config_excludes();
    let is_excluded = |path: &str| {
        (!excludes.is_empty() && excludes.is_match(path))
            || anchored.is_some_and(|anchored| anchored.excludes(&root.join(path)))
    };
    let mut excluded = 0;
    // The walk must read every commit before it can name each blob's first commit, and the
    // workers would wait for it. A whole-history scan holds every blob of HEAD's tree, so those
    // go to the workers first, under their HEAD paths; the walk then skips each one it finds at
    // the same path, and one it first finds elsewhere is read again there (its early findings
    // are dropped), so every blob is still matched under the path of its first commit.
    let head_first = scan.range.branches.is_empty() && scan.range.since.is_none();
    let mut early: HashMap<ObjectId, String> = HashMap::new();
    let mut void: HashSet<ObjectId> = HashSet::new();
    let (planned, (mut collected, scanned)) = run_workers(
        &repository,
        &context,
        threads(options),
        progress,
        |sender| {
            if let Some(head) = repository.head().filter(|_| head_first) {
                let (blobs, _) = repository.tree_blobs(head);
                early = blobs
                    .into_iter()
                    .filter(|(_, path)| !is_excluded(path))
                    .collect();
                send_chunks(
                    sender,
                    early.iter().map(|(id, path)| Job {
                        index: None,
                        id: *id,
                        path: path.clone(),
                        commit: Some(head),
                    }),
                );
            }
            repository.plan_with(&scan.range, &mut |blobs, first, commit| {
                let jobs = blobs.iter().enumerate().filter_map(|(offset, blob)| {
                    match early.get(&blob.id) {
                        Some(path) if *path == blob.path => return None,
                        Some(_) => {
                            void.insert(blob.id);
                        }
                        None => {}
                    }
                    if is_excluded(&blob.path) {
                        excluded += 1;
                        return None;
                    }
                    Some(Job {
                        index: Some(first + offset),
                        id: blob.id,
                        path: blob.path.clone(),
                        commit: Some(commit),
                    })
                });
                send_chunks(sender, jobs);
            })
        },
    );
    let plan = planned?;
    // Each finding's blob as an index into the plan; early findings of a blob read again, or
    // (which a whole-history walk never gives) of one the plan lacks, are dropped.
    let index_of: HashMap<ObjectId, usize> = if early.is_empty() {
        HashMap::new()
    } else {
        plan.blobs
            .iter()
            .enumerate()
            .map(|(index, blob)| (blob.id, index))
            .collect()
    };
    let mut blob_of = Vec::with_capacity(scanned.len());
    let mut kept = Vec::with_capacity(scanned.len());
    for (finding, blob) in std::mem::take(&mut collected.findings)
        .into_iter()
        .zip(scanned)
    {
        let index = match blob {
            Scanned::Planned(index) => Some(index),
            Scanned::Early(id) if !void.contains(&id) => index_of.get(&id).copied(),
            Scanned::Early(_) => None,
        };
        if let Some(index) = index {
            blob_of.push(index);
            kept.push(finding);
        }
    }
    collected.findings = kept;
    for problem in &plan.problems {
        context.unreadable(
            format!("{} {}", problem.role, problem.object),
            problem.message.clone(),
            &mut collected,
        );
    }
    // A history has no marker to clean up: unused suppressions are a work-tree matter.
    collected.unused.clear();
    let findings = std::mem::take(&mut collected.findings);
    let at_head = secrets_at_head(&repository, &context, &plan, &findings, &blob_of, options);
    let mut report = collected.into_report(context.counters, started);
    report.findings = attribute(&repository, &plan, findings, &blob_of, &at_head);
    report.base = Some(repository.top().to_path_buf());
    report.history = Some(HistoryContext {
        repository: repository.top().to_path_buf(),
        remote_url: repository.remote_url(),
        head: repository.head().map(|id| id.to_string()),
        branch: repository.head_branch(),
        commits: plan.commits.len(),
        blobs: plan.blobs.len() - excluded,
    });
    report.elapsed = started.elapsed();
    Ok(report)
}

/// Which blob a finding came from: a place in the plan, or a HEAD blob read before the plan.
#[derive(Debug, Clone, Copy)]
enum Scanned {
    Planned(usize),
    Early(ObjectId),
}

/// A blob to read, its index in the plan (none for a HEAD blob sent before the plan was
/// made), and where to say it was.
struct Job {
    index: Option<usize>,
    id: ObjectId,
    path: String,
    commit: Option<ObjectId>,
}

fn threads(options: &ScanOptions) -> usize {
    match options.walk.threads {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        threads => threads,
    }
}

/// Sends `jobs` in chunks of [`CHUNK`]; a closed channel (no worker left) drops them.
fn send_chunks(sender: &Sender<Vec<Job>>, jobs: impl Iterator<Item = Job>) {
    let mut chunk = Vec::with_capacity(CHUNK);
    for job in jobs {
        chunk.push(job);
        if chunk.len() == CHUNK {
            let _ = sender.send(std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK)));
        }
    }
    if !chunk.is_empty() {
        let _ = sender.send(chunk);
    }
}

/// Runs `feed` (which sends jobs) while `threads` workers read and match them, each with its own
/// gix handle. Returns what `feed` returned, the findings and, for each finding, the plan index
/// of the blob it came from.
fn run_workers<T>(
    repository: &Repository,
    context: &FileContext<'_>,
    threads: usize,
    progress: &AtomicUsize,
    feed: impl FnOnce(&Sender<Vec<Job>>) -> T,
) -> (T, (Collected, Vec<Scanned>)) {
    let (sender, receiver) = crossbeam_channel::bounded::<Vec<Job>>(256);
    let merged = Mutex::new((Collected::default(), Vec::new()));
    let fed = std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            let receiver = receiver.clone();
            let merged = &merged;
            scope.spawn(move || {
                let (collected, blob_of) = work(repository, context, &receiver, progress);
                let mut merged = merged
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let (all, all_blobs) = &mut *merged;
                let mut collected = collected;
                all.append(&mut collected);
                all_blobs.extend(blob_of);
            });
        }
        drop(receiver);
        let fed = feed(&sender);
        drop(sender);
        fed
    });
    let merged = merged
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    (fed, merged)
}

/// One worker: reads and matches every job it receives.
fn work(
    repository: &Repository,
    context: &FileContext<'_>,
    receiver: &Receiver<Vec<Job>>,
    progress: &AtomicUsize,
) -> (Collected, Vec<Scanned>) {
    let repo = repository.local();
    let max_size = context.options.max_file_size;
    // keyless.toml's override globs see each blob where the work tree would hold it.
    let root = context
        .options
        .walk
        .roots
        .first()
        .cloned()
        .unwrap_or_else(|| ".".into());
    let mut collected = Collected::default();
    let mut blob_of: Vec<Scanned> = Vec::new();
    for chunk in receiver {
        for job in chunk {
            progress.fetch_add(1, Ordering::Relaxed);
            if history::binary_by_name(&job.path) {
                context
                    .counters
                    .skipped_binary
                    .fetch_add(1, Ordering::Relaxed);
                continue;
            }
            match history::read_blob(&repo, job.id, max_size) {
                Ok(BlobRead::Bytes(bytes)) => {
                    context.scan_bytes(&job.path, &root.join(&job.path), bytes, &mut collected);
                }
                Ok(BlobRead::TooLarge(len)) => {
                    context.skip_large(&job.path, len, &mut collected);
                }
                Err(message) => context.unreadable(
                    blob_place(&job),
                    format!("cannot read: {message}"),
                    &mut collected,
                ),
            }
            let scanned = job.index.map_or(Scanned::Early(job.id), Scanned::Planned);
            blob_of.resize(collected.findings.len(), scanned);
        }
    }
    (collected, blob_of)
}

/// How a diagnostic names a blob: its id, its path and the commit it was first seen in.
fn blob_place(job: &Job) -> String {
    match job.commit {
        Some(commit) => format!("blob {} ({} in commit {commit})", job.id, job.path),
        None => format!("blob {} ({})", job.id, job.path),
    }
}

/// The hashes of the secrets that the HEAD tree holds. Blobs of HEAD that the range did not
/// read (HEAD outside `--branch`, or older than `--since`) are read now, and only when there is
/// something to look for.
fn secrets_at_head(
    repository: &Repository,
    context: &FileContext<'_>,
    plan: &history::Plan,
    findings: &[Finding],
    blob_of: &[usize],
    options: &ScanOptions,
) -> HashSet<String> {
    let mut present = HashSet::new();
    if findings.is_empty() {
        return present;
    }
    let Some(head) = repository.head() else {
        return present;
    };
    let (head_blobs, _) = repository.tree_blobs(head);
    let head_ids: HashSet<ObjectId> = head_blobs.iter().map(|(id, _)| *id).collect();
    for (finding, &index) in findings.iter().zip(blob_of) {
        if plan
            .blobs
            .get(index)
            .is_some_and(|blob| head_ids.contains(&blob.id))
        {
            present.insert(finding.secret_hash.clone());
        }
    }
    let planned: HashSet<ObjectId> = plan.blobs.iter().map(|blob| blob.id).collect();
    let mut unread = head_blobs
        .into_iter()
        .filter(|(id, _)| !planned.contains(id))
        .map(|(id, path)| Job {
            index: None,
            id,
            path,
            commit: Some(head),
        })
        .peekable();
    if unread.peek().is_some() {
        // Counted apart: these blobs are not part of the range the summary reports.
        let side = FileContext {
            registry: context.registry,
            options: context.options,
            settings: context.settings,
            counters: Counters::default(),
            scope: context.scope,
        };
        let ignored = AtomicUsize::new(0);
        let ((), (collected, _)) =
            run_workers(repository, &side, threads(options), &ignored, |sender| {
                send_chunks(sender, unread);
            });
        present.extend(
            collected
                .findings
                .into_iter()
                .map(|finding| finding.secret_hash),
        );
    }
    present
}

/// Keeps one finding per secret, the one of the earliest commit, with that commit's author,
/// date and summary; newest first.
fn attribute(
    repository: &Repository,
    plan: &history::Plan,
    findings: Vec<Finding>,
    blob_of: &[usize],
    at_head: &HashSet<String>,
) -> Vec<Finding> {
    let commit_of = |index: usize| plan.blobs.get(index).map_or(usize::MAX, |blob| blob.commit);
    let mut by_secret: HashMap<String, (Finding, usize, BTreeSet<String>)> = HashMap::new();
    for (finding, &index) in findings.into_iter().zip(blob_of) {
        let commit = commit_of(index);
        match by_secret.get_mut(&finding.secret_hash) {
            None => {
                by_secret.insert(
                    finding.secret_hash.clone(),
                    (finding, commit, BTreeSet::new()),
                );
            }
            Some((kept, kept_commit, paths)) => {
                let earlier = (commit, finding.sort_key()) < (*kept_commit, kept.sort_key());
                if earlier {
                    paths.insert(std::mem::replace(kept, finding).path);
                    *kept_commit = commit;
                } else {
                    paths.insert(finding.path);
                }
            }
        }
    }
    let repo = repository.local();
    let mut metas: HashMap<usize, history::CommitMeta> = HashMap::new();
    let mut kept: Vec<(Finding, usize)> = Vec::with_capacity(by_secret.len());
    for (hash, (mut finding, commit, mut paths)) in by_secret {
        paths.remove(&finding.path);
        let id = plan.commits.get(commit).map(|record| record.id);
        let meta = match (metas.get(&commit), id) {
            (Some(meta), _) => Some(meta.clone()),
            (None, Some(id)) => Repository::commit_meta(&repo, id).ok().inspect(|meta| {
                metas.insert(commit, meta.clone());
            }),
            (None, None) => None,
        };
        let meta = meta.unwrap_or_else(|| history::CommitMeta {
            author: String::new(),
            email: String::new(),
            time: plan.commits.get(commit).map_or(0, |record| record.time),
            date: String::new(),
            summary: String::new(),
        });
        finding.origin = Some(Box::new(Origin {
            commit: id.map(|id| id.to_string()).unwrap_or_default(),
            author: meta.author,
            email: meta.email,
            time: meta.time,
            date: meta.date,
            summary: meta.summary,
            present_at_head: at_head.contains(&hash),
            other_paths: paths.into_iter().collect(),
        }));
        kept.push((finding, commit));
    }
    // Newest first; the walk order breaks ties between commits of the same second.
    kept.sort_by(|(left, left_commit), (right, right_commit)| {
        let time = |finding: &Finding| finding.origin.as_ref().map_or(0, |origin| origin.time);
        time(right)
            .cmp(&time(left))
            .then(right_commit.cmp(left_commit))
            .then_with(|| left.sort_key().cmp(&right.sort_key()))
    });
    kept.into_iter().map(|(finding, _)| finding).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blob_is_named_by_id_path_and_commit() {
        let id = ObjectId::null(gix::hash::Kind::Sha1);
        let job = Job {
            index: Some(0),
            id,
            path: "a/b.json".into(),
            commit: Some(id),
        };
        assert_eq!(
            blob_place(&job),
            format!("blob {id} (a/b.json in commit {id})")
        );
    }
}
