//! Reading a repository's history: which blobs `scan --history` reads, and the commit that first
//! recorded each one.
//!
//! The object database is read in-process with gix (packs, deltas, loose objects, alternates,
//! shallow clones); no `git` process runs. Commits reachable from the chosen tips (and not from
//! the `--since` revision) are ordered parents first, oldest first among independent ones; their
//! trees are walked in that order, each tree and each blob once, so a blob is attributed to the
//! first commit whose tree holds it, at the path it had there. Trees of commits just outside the
//! range are marked as seen first: what the range's base already had is not new. A missing or
//! corrupt object becomes a [`Problem`] naming it and the walk goes on. This module decides *which*
//! blobs; matching happens in [`crate::scan`], as for files the walker finds.

use gix::ObjectId;
use gix::objs::Find as _;
use std::collections::BinaryHeap;
// Object ids are hashes already: these maps hash by their first bytes, not with SipHash.
use gix::hashtable::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Delta bases each thread keeps decoded. Packs store most versions of a file as deltas against
/// a neighbour; a small cache of recent bases saves most re-decoding while keeping the peak
/// memory of a whole-history scan low (gix's default is 96 MiB per thread).
const PACK_CACHE_BYTES: usize = 8 * 1024 * 1024;

/// Which commits a history scan covers.
#[derive(Debug, Clone, Default)]
pub struct HistoryOptions {
    /// Tips to start from (branch, tag or any revision name); empty: every reference and HEAD.
    pub branches: Vec<String>,
    /// Leave out what this revision already has (a pull request's base).
    pub since: Option<String>,
}

/// A repository opened for reading its history; shared by every worker thread.
pub struct Repository {
    shared: gix::ThreadSafeRepository,
    /// The work tree, or the git directory of a bare repository.
    top: PathBuf,
}

/// Why a history scan could not start.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The path is not in a git repository.
    #[error("{}: not a git repository ({message})", path.display())]
    NotARepository {
        /// The path given.
        path: PathBuf,
        /// What gix said.
        message: String,
    },
    /// A revision given with `--branch` or `--since` names nothing.
    #[error("unknown revision `{revision}`: {message}")]
    UnknownRevision {
        /// As given.
        revision: String,
        /// Why it did not resolve.
        message: String,
    },
    /// The references could not be listed.
    #[error("cannot list references: {0}")]
    References(String),
}

/// An object that could not be read; the walk or the scan goes on without it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The object's id (hex).
    pub object: String,
    /// What it was, where: "tree of commit …", "blob src/app.json in commit …".
    pub role: String,
    /// What went wrong.
    pub message: String,
}

/// A commit of the range, in walk order (parents before children).
#[derive(Debug, Clone)]
pub struct CommitRecord {
    /// The commit's id.
    pub id: ObjectId,
    /// Committer time, seconds since the epoch.
    pub time: i64,
}

/// A blob to read: recorded first by `commit` (an index into [`Plan::commits`]) at `path`.
#[derive(Debug, Clone)]
pub struct BlobEntry {
    /// The blob's id.
    pub id: ObjectId,
    /// Index of the first commit whose tree holds it.
    pub commit: usize,
    /// Its `/`-separated path in that commit's tree.
    pub path: String,
}

/// What a history scan reads.
#[derive(Debug, Default)]
pub struct Plan {
    /// Commits of the range, parents first.
    pub commits: Vec<CommitRecord>,
    /// Every blob of the range once, in the order the walk met them.
    pub blobs: Vec<BlobEntry>,
    /// Objects that could not be read while walking.
    pub problems: Vec<Problem>,
}

/// Who made a commit, when, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitMeta {
    /// Author name.
    pub author: String,
    /// Author e-mail.
    pub email: String,
    /// Author time, seconds since the epoch.
    pub time: i64,
    /// Author time as RFC 3339 with the author's offset.
    pub date: String,
    /// First line of the message.
    pub summary: String,
}

/// What reading a blob gave.
#[derive(Debug)]
pub enum BlobRead {
    /// The blob's bytes.
    Bytes(Vec<u8>),
    /// Over the size limit: its size, unread.
    TooLarge(u64),
}

impl Repository {
    /// Opens the repository holding `path` (its work tree, a directory below it, or a bare git
    /// directory).
    pub fn open(path: &Path) -> Result<Self, HistoryError> {
        let not_a_repository = |message: String| HistoryError::NotARepository {
            path: path.to_path_buf(),
            message,
        };
        if !path.exists() {
            return Err(not_a_repository("no such directory".into()));
        }
        let repo = gix::discover(path).map_err(|error| not_a_repository(error.to_string()))?;
        let top = repo
            .workdir()
            .map_or_else(|| repo.git_dir().to_path_buf(), Path::to_path_buf);
        Ok(Self {
            shared: repo.into_sync(),
            top,
        })
    }

    /// The work tree (or the git directory of a bare repository): finding paths are relative to it.
    pub fn top(&self) -> &Path {
        &self.top
    }

    /// A handle for one thread, with its own delta-base cache.
    pub fn local(&self) -> gix::Repository {
        let mut repo = self.shared.to_thread_local();
        repo.objects.set_pack_cache(|| {
            Box::new(gix::odb::pack::cache::lru::StaticLinkedList::<64>::new(
                PACK_CACHE_BYTES,
            ))
        });
        repo
    }

    /// The commit HEAD points to, if it points to one.
    pub fn head(&self) -> Option<ObjectId> {
        let repo = self.local();
        let id = repo.head_id().ok()?.detach();
        peel_to_commit(&repo, id)
    }

    /// The branch HEAD names, without `refs/heads/`.
    pub fn head_branch(&self) -> Option<String> {
        let repo = self.local();
        let name = repo.head_name().ok()??;
        Some(name.shorten().to_string())
    }

    /// The URL of the `origin` remote, as configured.
    pub fn remote_url(&self) -> Option<String> {
        let repo = self.local();
        let config = repo.config_snapshot();
        config
            .string("remote.origin.url")
            .map(|url| url.to_string())
    }

    /// Lists the commits and blobs of the range `options` chooses.
    pub fn plan(&self, options: &HistoryOptions) -> Result<Plan, HistoryError> {
        self.plan_with(options, &mut |_, _, _| {})
    }

    /// [`Repository::plan`], handing each commit's new blobs to `on_blobs` as soon as its tree
    /// is walked (with the index of the first of them in [`Plan::blobs`] and the commit's id),
    /// so that reading them can start while the walk goes on.
    pub fn plan_with(
        &self,
        options: &HistoryOptions,
        on_blobs: &mut dyn FnMut(&[BlobEntry], usize, ObjectId),
    ) -> Result<Plan, HistoryError> {
        let repo = self.local();
        let tips = if options.branches.is_empty() {
            every_tip(&repo)?
        } else {
            options
                .branches
                .iter()
                .map(|name| resolve(&repo, name))
                .collect::<Result<Vec<_>, _>>()?
        };
        let hidden_tips = match &options.since {
            Some(since) => vec![resolve(&repo, since)?],
            None => Vec::new(),
        };
        let shallow: HashSet<ObjectId> = repo
            .shallow_commits()
            .ok()
            .flatten()
            .map(|commits| commits.iter().copied().collect())
            .unwrap_or_default();
        let mut walker = Walker {
            repo: &repo,
            buf: Vec::new(),
            shallow,
            problems: Vec::new(),
        };
        let hidden = walker.ancestors(&hidden_tips);
        let graph = walker.graph(&tips, &hidden);
        let mut seen = Seen::default();
        // What the range's base already has is not new: mark the trees of excluded parents.
        for tree in &graph.boundary_trees {
            walker.mark_tree(*tree, &mut seen);
        }
        let mut plan = Plan::default();
        for (index, node) in graph.order.iter().enumerate() {
            plan.commits.push(CommitRecord {
                id: node.id,
                time: node.time,
            });
            let first = plan.blobs.len();
            walker.collect_tree(node.tree, node.id, index, &mut seen, &mut plan.blobs);
            if let Some(new) = plan.blobs.get(first..).filter(|new| !new.is_empty()) {
                on_blobs(new, first, node.id);
            }
        }
        plan.problems = walker.problems;
        Ok(plan)
    }

    /// Every blob of the tree of `commit`, with its path; problems for unreadable trees.
    pub fn tree_blobs(&self, commit: ObjectId) -> (Vec<(ObjectId, String)>, Vec<Problem>) {
        let repo = self.local();
        let mut walker = Walker {
            repo: &repo,
            buf: Vec::new(),
            shallow: HashSet::default(),
            problems: Vec::new(),
        };
        let Some(node) = walker.commit(commit) else {
            return (Vec::new(), walker.problems);
        };
        let mut seen = Seen::default();
        let mut blobs = Vec::new();
        walker.collect_tree(node.tree, commit, 0, &mut seen, &mut blobs);
        let listed = blobs.into_iter().map(|blob| (blob.id, blob.path)).collect();
        (listed, walker.problems)
    }

    /// Author, date and summary of a commit.
    pub fn commit_meta(repo: &gix::Repository, id: ObjectId) -> Result<CommitMeta, String> {
        let mut buf = Vec::new();
        let data = repo
            .objects
            .try_find(&id, &mut buf)
            .map_err(|error| error.to_string())?
            .ok_or_else(|| "object not found".to_owned())?;
        let commit = gix::objs::CommitRef::from_bytes(data.data, data.object_hash)
            .map_err(|error| error.to_string())?;
        let author = commit.author().map_err(|error| error.to_string())?;
        let time = author.time().unwrap_or_default();
        let summary = commit.message().summary();
        Ok(CommitMeta {
            author: author.name.to_string().trim().to_owned(),
            email: author.email.to_string().trim().to_owned(),
            time: time.seconds,
            date: time.format_or_unix(gix::date::time::format::ISO8601_STRICT),
            summary: String::from_utf8_lossy(summary.as_ref()).into_owned(),
        })
    }
}

/// Extensions of formats whose files hold NUL bytes in their first kilobytes (headers with zero
/// length fields), which the tree scan's sniff would skip as binary: their blobs are skipped
/// unread, which spares inflating them and touching half the pack of a typical repository.
const BINARY_EXTENSIONS: &[&str] = &[
    "7z", "a", "aar", "avi", "bmp", "class", "dll", "docx", "dylib", "eot", "exe", "gif", "gz",
    "ico", "jar", "jpeg", "jpg", "lib", "mov", "mp3", "mp4", "nupkg", "o", "obj", "otf", "pbit",
    "pbix", "pdb", "png", "pptx", "pyc", "so", "tgz", "tif", "tiff", "ttf", "vsix", "war", "wav",
    "webm", "webp", "whl", "woff", "woff2", "xlsx", "xz", "zip",
];

/// True when `path` names a format that is always binary (see [`BINARY_EXTENSIONS`]).
pub fn binary_by_name(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.').is_some_and(|(stem, extension)| {
        !stem.is_empty()
            && BINARY_EXTENSIONS
                .iter()
                .any(|binary| binary.eq_ignore_ascii_case(extension))
    })
}

/// Reads a blob with a thread's handle; larger than `max_size` bytes: its size only.
pub fn read_blob(repo: &gix::Repository, id: ObjectId, max_size: u64) -> Result<BlobRead, String> {
    let header = repo.find_header(id).map_err(|error| error.to_string())?;
    if header.size() > max_size {
        return Ok(BlobRead::TooLarge(header.size()));
    }
    let mut object = repo.find_object(id).map_err(|error| error.to_string())?;
    if object.kind != gix::objs::Kind::Blob {
        return Err(format!("expected a blob, found a {}", object.kind));
    }
    Ok(BlobRead::Bytes(std::mem::take(&mut object.data)))
}

/// Every reference's commit, and HEAD's.
fn every_tip(repo: &gix::Repository) -> Result<Vec<ObjectId>, HistoryError> {
    let mut tips = Vec::new();
    if let Some(head) = repo
        .head_id()
        .ok()
        .and_then(|id| peel_to_commit(repo, id.detach()))
    {
        tips.push(head);
    }
    let platform = repo
        .references()
        .map_err(|error| HistoryError::References(error.to_string()))?;
    let references = platform
        .all()
        .map_err(|error| HistoryError::References(error.to_string()))?;
    for reference in references {
        // A broken reference is skipped: the others still say what history there is.
        let Ok(mut reference) = reference else {
            continue;
        };
        if let Some(id) = reference
            .peel_to_id()
            .ok()
            .and_then(|id| peel_to_commit(repo, id.detach()))
        {
            tips.push(id);
        }
    }
    tips.sort();
    tips.dedup();
    Ok(tips)
}

/// `id` if it is a commit, the commit an annotated tag points to, or `None`.
fn peel_to_commit(repo: &gix::Repository, id: ObjectId) -> Option<ObjectId> {
    let object = repo.find_object(id).ok()?;
    let peeled = object.peel_tags_to_end().ok()?;
    (peeled.kind == gix::objs::Kind::Commit).then_some(peeled.id)
}

/// A reference name (`main`, `origin/main`, `v1.0`, `HEAD`) or a commit id, full or abbreviated.
fn resolve(repo: &gix::Repository, revision: &str) -> Result<ObjectId, HistoryError> {
    let unknown = |message: &str| HistoryError::UnknownRevision {
        revision: revision.to_owned(),
        message: message.to_owned(),
    };
    let name = revision.trim();
    if name.is_empty() {
        return Err(unknown("empty"));
    }
    if let Ok(Some(mut reference)) = repo.try_find_reference(name)
        && let Ok(id) = reference.peel_to_id()
    {
        return peel_to_commit(repo, id.detach()).ok_or_else(|| unknown("not a commit"));
    }
    if name.len() >= 4 && name.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        let id = if let Ok(id) = ObjectId::from_hex(name.as_bytes()) {
            Some(id)
        } else {
            let prefix =
                gix::hash::Prefix::from_hex(name).map_err(|error| unknown(&error.to_string()))?;
            match repo.objects.lookup_prefix(prefix, None) {
                Ok(Some(Ok(id))) => Some(id),
                Ok(Some(Err(()))) => return Err(unknown("ambiguous abbreviated id")),
                _ => None,
            }
        };
        if let Some(id) = id {
            return peel_to_commit(repo, id).ok_or_else(|| unknown("no such commit"));
        }
    }
    Err(unknown(
        "not a branch, tag or commit id (give a reference name or a commit id)",
    ))
}

/// A commit's place in the graph.
#[derive(Debug, Clone)]
struct Node {
    id: ObjectId,
    tree: ObjectId,
    time: i64,
    parents: Vec<ObjectId>,
}

/// The range's commits in walk order, and the trees its base already had.
struct Graph {
    order: Vec<Node>,
    boundary_trees: Vec<ObjectId>,
}

/// Trees and blobs already walked.
#[derive(Default)]
struct Seen {
    trees: HashSet<ObjectId>,
    blobs: HashSet<ObjectId>,
}

struct Walker<'r> {
    repo: &'r gix::Repository,
    buf: Vec<u8>,
    /// Commits whose parents are not in this (shallow) clone.
    shallow: HashSet<ObjectId>,
    problems: Vec<Problem>,
}

impl Walker<'_> {
    /// Reads a commit's tree, parents and committer time; a problem when it cannot.
    fn commit(&mut self, id: ObjectId) -> Option<Node> {
        let found = self.repo.objects.try_find(&id, &mut self.buf);
        let data = match found {
            Ok(Some(data)) => data,
            Ok(None) => {
                self.problem(id, "commit", "object not found".into());
                return None;
            }
            Err(error) => {
                self.problem(id, "commit", error.to_string());
                return None;
            }
        };
        if data.kind != gix::objs::Kind::Commit {
            let message = format!("expected a commit, found a {}", data.kind);
            self.problem(id, "commit", message);
            return None;
        }
        let shallow = self.shallow.contains(&id);
        let decoded = gix::objs::CommitRef::from_bytes(data.data, data.object_hash)
            .map(|commit| {
                let time = commit
                    .committer()
                    .map(|signature| signature.seconds())
                    .unwrap_or_default();
                // A shallow clone's boundary commits have no parents here.
                let parents = if shallow {
                    Vec::new()
                } else {
                    commit.parents().collect()
                };
                (commit.tree(), time, parents)
            })
            .map_err(|error| error.to_string());
        match decoded {
            Ok((tree, time, parents)) => Some(Node {
                id,
                tree,
                time,
                parents,
            }),
            Err(error) => {
                self.problem(id, "commit", format!("cannot decode: {error}"));
                None
            }
        }
    }

    /// Every commit reachable from `tips`, tips included.
    fn ancestors(&mut self, tips: &[ObjectId]) -> HashSet<ObjectId> {
        let mut seen: HashSet<ObjectId> = HashSet::default();
        let mut stack: Vec<ObjectId> = tips.to_vec();
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            if let Some(node) = self.commit(id) {
                stack.extend(node.parents);
            }
        }
        seen
    }

    /// The commits reachable from `tips` but not in `hidden`, parents first; among commits
    /// whose parents are all placed, the oldest first.
    fn graph(&mut self, tips: &[ObjectId], hidden: &HashSet<ObjectId>) -> Graph {
        let mut nodes: HashMap<ObjectId, Node> = HashMap::default();
        let mut boundary: Vec<ObjectId> = Vec::new();
        let mut stack: Vec<ObjectId> = tips
            .iter()
            .copied()
            .filter(|tip| !hidden.contains(tip))
            .collect();
        while let Some(id) = stack.pop() {
            if nodes.contains_key(&id) {
                continue;
            }
            let Some(node) = self.commit(id) else {
                continue;
            };
            for parent in &node.parents {
                if hidden.contains(parent) {
                    boundary.push(*parent);
                } else if !nodes.contains_key(parent) {
                    stack.push(*parent);
                }
            }
            nodes.insert(id, node);
        }
        let mut boundary_trees = Vec::new();
        boundary.sort();
        boundary.dedup();
        for parent in boundary {
            if let Some(node) = self.commit(parent) {
                boundary_trees.push(node.tree);
            }
        }
        // Kahn's algorithm: a commit becomes ready once every parent in the range is placed.
        let mut waiting: HashMap<ObjectId, usize> = HashMap::default();
        let mut children: HashMap<ObjectId, Vec<ObjectId>> = HashMap::default();
        for node in nodes.values() {
            let inside: Vec<&ObjectId> = node
                .parents
                .iter()
                .filter(|parent| nodes.contains_key(*parent))
                .collect();
            waiting.insert(node.id, inside.len());
            for parent in inside {
                children.entry(*parent).or_default().push(node.id);
            }
        }
        let mut ready: BinaryHeap<std::cmp::Reverse<(i64, ObjectId)>> = nodes
            .values()
            .filter(|node| waiting.get(&node.id) == Some(&0))
            .map(|node| std::cmp::Reverse((node.time, node.id)))
            .collect();
        let mut order = Vec::with_capacity(nodes.len());
        while let Some(std::cmp::Reverse((_, id))) = ready.pop() {
            for child in children.get(&id).map(Vec::as_slice).unwrap_or_default() {
                if let Some(count) = waiting.get_mut(child) {
                    *count = count.saturating_sub(1);
                    if *count == 0
                        && let Some(node) = nodes.get(child)
                    {
                        ready.push(std::cmp::Reverse((node.time, node.id)));
                    }
                }
            }
            if let Some(node) = nodes.remove(&id) {
                order.push(node);
            }
        }
        Graph {
            order,
            boundary_trees,
        }
    }

    /// Marks a tree and everything below it as seen, recording nothing.
    fn mark_tree(&mut self, tree: ObjectId, seen: &mut Seen) {
        let mut already_there = Vec::new();
        self.collect_tree(tree, tree, usize::MAX, seen, &mut already_there);
    }

    /// Walks `tree` of `commit` (index `commit_index`), skipping trees already seen, and records
    /// every blob not seen before.
    fn collect_tree(
        &mut self,
        tree: ObjectId,
        commit: ObjectId,
        commit_index: usize,
        seen: &mut Seen,
        blobs: &mut Vec<BlobEntry>,
    ) {
        if !seen.trees.insert(tree) {
            return;
        }
        let mut stack: Vec<(ObjectId, String)> = vec![(tree, String::new())];
        while let Some((id, prefix)) = stack.pop() {
            let found = self.repo.objects.try_find(&id, &mut self.buf);
            let data = match found {
                Ok(Some(data)) if data.kind == gix::objs::Kind::Tree => data,
                Ok(Some(data)) => {
                    let message = format!("expected a tree, found a {}", data.kind);
                    self.tree_problem(id, &prefix, commit, message);
                    continue;
                }
                Ok(None) => {
                    self.tree_problem(id, &prefix, commit, "object not found".into());
                    continue;
                }
                Err(error) => {
                    self.tree_problem(id, &prefix, commit, error.to_string());
                    continue;
                }
            };
            let mut broken = None;
            for entry in gix::objs::TreeRefIter::from_bytes(data.data, data.object_hash) {
                let entry = match entry {
                    Ok(entry) => entry,
                    Err(error) => {
                        broken = Some(format!("cannot decode: {error}"));
                        break;
                    }
                };
                let mode = entry.mode;
                // Symbolic links and submodules hold no file content of this repository.
                if mode.is_tree() {
                    let oid = entry.oid.to_owned();
                    if seen.trees.insert(oid) {
                        stack.push((oid, join(&prefix, entry.filename)));
                    }
                } else if mode.is_blob() {
                    let oid = entry.oid.to_owned();
                    if seen.blobs.insert(oid) {
                        blobs.push(BlobEntry {
                            id: oid,
                            commit: commit_index,
                            path: join(&prefix, entry.filename),
                        });
                    }
                }
            }
            if let Some(message) = broken {
                self.tree_problem(id, &prefix, commit, message);
            }
        }
    }

    fn tree_problem(&mut self, id: ObjectId, prefix: &str, commit: ObjectId, message: String) {
        let place = if prefix.is_empty() {
            "root tree".to_owned()
        } else {
            format!("tree {prefix}/")
        };
        self.problem(id, &format!("{place} of commit {commit}"), message);
    }

    fn problem(&mut self, id: ObjectId, role: &str, message: String) {
        self.problems.push(Problem {
            object: id.to_string(),
            role: role.to_owned(),
            message,
        });
    }
}

/// `prefix/name` (or `name` at the root), with invalid UTF-8 replaced.
fn join(prefix: &str, name: &gix::bstr::BStr) -> String {
    let name = String::from_utf8_lossy(name.as_ref());
    if prefix.is_empty() {
        name.into_owned()
    } else {
        format!("{prefix}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_formats_are_known_by_extension() {
        assert!(binary_by_name("assets/logo.PNG"));
        assert!(binary_by_name("lib/native.so"));
        assert!(!binary_by_name("appsettings.json"));
        assert!(!binary_by_name(".png"));
        assert!(!binary_by_name("png"));
        assert!(!binary_by_name("docs/notes.pdf"));
    }
}
