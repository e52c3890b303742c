//! Git packs, fetched with the system `git` binary so that the user's credential helpers, SSH
//! agent and `url.*.insteadOf` rules work as they do for `git clone`. Each pack URL gets a bare
//! repository under the cache directory; a commit's files are written out under
//! `trees/<commit>/` (regular files only: no symlinks, no submodules, no checkout filters), so
//! nothing in a pack runs on the machine that scans.
//!
//! git never prompts (`GIT_TERMINAL_PROMPT=0`, SSH in batch mode), only the transports in
//! [`validate_url`] are allowed (not `ext::`, which runs commands), and every git process has a
//! time limit.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::PackError;

/// The environment variable holding a token for HTTPS pack URLs.
pub const TOKEN_ENV: &str = "GUARDRAIL_PACK_TOKEN";

/// How long one git command may take (a fetch of a large pack over a slow link included).
const GIT_TIMEOUT: Duration = Duration::from_secs(300);
/// Bounds on what one pack may write to the cache.
const MAX_PACK_FILES: usize = 20_000;
const MAX_PACK_BYTES: u64 = 64 * 1024 * 1024;

/// Transports git may use for packs (also after `insteadOf` rewriting and redirects).
const PROTOCOL_CONFIG: &[&str] = &[
    "protocol.allow=never",
    "protocol.https.allow=always",
    "protocol.http.allow=always",
    "protocol.ssh.allow=always",
    "protocol.git.allow=always",
    "protocol.file.allow=always",
    "http.lowSpeedLimit=1000",
    "http.lowSpeedTime=60",
];

/// Accepts `https://`, `http://`, `ssh://`, `git://`, `file://` and scp-style
/// `user@host:path` URLs; refuses anything git would read as an option or a command transport.
pub fn validate_url(url: &str) -> Result<(), PackError> {
    let bad = |why: &str| PackError::UnsupportedUrl {
        url: url.to_string(),
        why: why.to_string(),
    };
    if url.is_empty() || url.starts_with('-') || url.chars().any(|c| c.is_control() || c == ' ') {
        return Err(bad("not a URL"));
    }
    if let Some((scheme, rest)) = url.split_once("://") {
        if !matches!(scheme, "https" | "http" | "ssh" | "git" | "file") {
            return Err(bad(
                "only https://, http://, ssh://, git://, file:// and user@host:path are supported",
            ));
        }
        let host = rest.split('/').next().unwrap_or_default();
        let host = host.rsplit('@').next().unwrap_or(host);
        if host.starts_with('-') || (scheme != "file" && host.is_empty()) {
            return Err(bad("the host is missing or starts with `-`"));
        }
        return Ok(());
    }
    // scp-style: `[user@]host:path`, with no `/` before the colon (else git reads a local path).
    match url.split_once(':') {
        Some((host, path))
            if !host.is_empty() && !host.contains('/') && !path.is_empty() && !url.contains("::") =>
        {
            let h = host.rsplit('@').next().unwrap_or(host);
            if h.starts_with('-') || h.is_empty() {
                return Err(bad("the host is missing or starts with `-`"));
            }
            Ok(())
        }
        _ => Err(bad(
            "only https://, http://, ssh://, git://, file:// and user@host:path are supported (use `path:` for a pack on disk)",
        )),
    }
}

/// Refuses revisions git could read as options or revision expressions.
pub fn validate_rev(rev: &str) -> Result<(), PackError> {
    let ok = !rev.is_empty()
        && !rev.starts_with(['-', '/', '.'])
        && !rev.ends_with(['/', '.'])
        && !rev.contains("..")
        && !rev.contains("//")
        && !rev.ends_with(".lock")
        && rev
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-' | b'/' | b'+'));
    if ok {
        Ok(())
    } else {
        Err(PackError::InvalidRev {
            rev: rev.to_string(),
        })
    }
}

/// A full commit sha.
pub fn is_full_sha(rev: &str) -> bool {
    rev.len() == 40 && rev.bytes().all(|c| c.is_ascii_hexdigit())
}

/// What a `rev` names in the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevKind {
    Tag,
    Branch,
    Commit,
}

impl RevKind {
    /// `tag`, `branch`, `commit`.
    pub fn as_str(self) -> &'static str {
        match self {
            RevKind::Tag => "tag",
            RevKind::Branch => "branch",
            RevKind::Commit => "commit",
        }
    }
}

/// The pack cache: `$XDG_CACHE_HOME/guardrail/packs` (or `~/.cache/guardrail/packs`).
#[derive(Debug, Clone)]
pub struct GitCache {
    pub root: PathBuf,
}

impl GitCache {
    /// The cache at its standard place.
    pub fn standard() -> Result<GitCache, PackError> {
        let base = match std::env::var_os("XDG_CACHE_HOME") {
            Some(p) if Path::new(&p).is_absolute() => PathBuf::from(p),
            _ => match std::env::var_os("HOME") {
                Some(h) if !h.is_empty() => PathBuf::from(h).join(".cache"),
                _ => return Err(PackError::NoCacheDir),
            },
        };
        Ok(GitCache {
            root: base.join("guardrail").join("packs"),
        })
    }

    /// The cache directory of one pack URL: a readable name plus a hash of the whole URL.
    pub fn dir(&self, url: &str) -> PathBuf {
        let readable: String = url
            .split_once("://")
            .map(|(_, r)| r)
            .unwrap_or(url)
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        let readable: String = readable.trim_matches(['-', '.']).chars().take(60).collect();
        let hash = crate::findings::fingerprint(&[url]);
        self.root.join(format!("{readable}-{}", &hash[..12]))
    }

    fn git_dir(&self, url: &str) -> PathBuf {
        self.dir(url).join("repo.git")
    }

    /// Runs git on the pack's bare repository.
    fn git(&self, url: &str, args: &[&str], stdin: Option<Vec<u8>>) -> Result<Vec<u8>, PackError> {
        let git_dir = self.git_dir(url);
        let mut cmd = Command::new("git");
        cmd.arg(format!("--git-dir={}", git_dir.display()));
        for c in PROTOCOL_CONFIG {
            cmd.args(["-c", c]);
        }
        cmd.args(args);
        configure_env(&mut cmd, url);
        run(cmd, stdin).map_err(|e| PackError::Git {
            url: url.to_string(),
            action: args.first().copied().unwrap_or_default().to_string(),
            message: e,
        })
    }

    fn ensure_repo(&self, url: &str) -> Result<(), PackError> {
        let git_dir = self.git_dir(url);
        if git_dir.join("HEAD").is_file() {
            return Ok(());
        }
        std::fs::create_dir_all(self.dir(url)).map_err(|source| PackError::Io {
            path: self.dir(url).display().to_string(),
            source,
        })?;
        let mut cmd = Command::new("git");
        cmd.args(["init", "--bare", "--quiet"]).arg(&git_dir);
        configure_env(&mut cmd, url);
        run(cmd, None).map_err(|message| PackError::Git {
            url: url.to_string(),
            action: "init".into(),
            message,
        })?;
        Ok(())
    }

    /// Whether the cache holds anything for this URL.
    pub fn has_repo(&self, url: &str) -> bool {
        self.git_dir(url).join("HEAD").is_file()
    }

    /// Fetches every tag and branch of the pack (network).
    pub fn fetch(&self, url: &str) -> Result<(), PackError> {
        self.ensure_repo(url)?;
        self.git(
            url,
            &[
                "fetch",
                "--quiet",
                "--no-tags",
                "--force",
                "--no-write-fetch-head",
                url,
                "+refs/tags/*:refs/tags/*",
                "+refs/heads/*:refs/remotes/origin/*",
            ],
            None,
        )?;
        Ok(())
    }

    /// Fetches one commit by its sha (for a commit no branch or tag reaches).
    pub fn fetch_commit(&self, url: &str, sha: &str) -> Result<(), PackError> {
        self.ensure_repo(url)?;
        self.git(
            url,
            &[
                "fetch",
                "--quiet",
                "--no-tags",
                "--no-write-fetch-head",
                url,
                sha,
            ],
            None,
        )?;
        Ok(())
    }

    fn rev_parse(&self, url: &str, expr: &str) -> Option<String> {
        if !self.has_repo(url) {
            return None;
        }
        let out = self
            .git(url, &["rev-parse", "--verify", "--quiet", expr], None)
            .ok()?;
        let s = String::from_utf8_lossy(&out).trim().to_string();
        is_full_sha(&s).then_some(s)
    }

    /// What `rev` names in the cache, and its commit. Tags win over branches, as in git.
    pub fn lookup(&self, url: &str, rev: &str) -> Option<(RevKind, String)> {
        if let Some(c) = self.rev_parse(url, &format!("refs/tags/{rev}^{{commit}}")) {
            return Some((RevKind::Tag, c));
        }
        if is_full_sha(rev) {
            return self
                .rev_parse(url, &format!("{rev}^{{commit}}"))
                .map(|c| (RevKind::Commit, c));
        }
        self.rev_parse(url, &format!("refs/remotes/origin/{rev}^{{commit}}"))
            .map(|c| (RevKind::Branch, c))
    }

    /// Whether the cache has this commit.
    pub fn has_commit(&self, url: &str, sha: &str) -> bool {
        self.rev_parse(url, &format!("{sha}^{{commit}}")).is_some()
    }

    /// The directory holding the files of `commit` (written on first use).
    pub fn materialize(&self, url: &str, commit: &str) -> Result<PathBuf, PackError> {
        let trees = self.dir(url).join("trees");
        let target = trees.join(commit);
        if target.is_dir() {
            return Ok(target);
        }
        let listing = self.git(url, &["ls-tree", "-r", "-z", "--full-tree", commit], None)?;
        let mut files: Vec<(String, String)> = Vec::new();
        for entry in listing.split(|b| *b == 0).filter(|e| !e.is_empty()) {
            let entry = String::from_utf8_lossy(entry);
            let Some((meta, path)) = entry.split_once('\t') else {
                continue;
            };
            let parts: Vec<&str> = meta.split(' ').collect();
            // Regular files only: symlinks (120000) and submodules (commit) are left out.
            if parts.len() != 3 || parts[1] != "blob" || !matches!(parts[0], "100644" | "100755") {
                continue;
            }
            if !safe_path(path) {
                continue;
            }
            files.push((parts[2].to_string(), path.to_string()));
        }
        if files.len() > MAX_PACK_FILES {
            return Err(PackError::TooLarge {
                url: url.to_string(),
                why: format!("more than {MAX_PACK_FILES} files"),
            });
        }
        let mut input = Vec::new();
        for (sha, _) in &files {
            input.extend_from_slice(sha.as_bytes());
            input.push(b'\n');
        }
        let blobs = self.git(url, &["cat-file", "--batch"], Some(input))?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let tmp = trees.join(format!(".tmp-{commit}-{}-{nanos}", std::process::id()));
        let io = |path: &Path, source: std::io::Error| PackError::Io {
            path: path.display().to_string(),
            source,
        };
        std::fs::create_dir_all(&tmp).map_err(|e| io(&tmp, e))?;
        let mut at = 0usize;
        let mut total = 0u64;
        for (_, path) in &files {
            let header_end = blobs[at..]
                .iter()
                .position(|b| *b == b'\n')
                .map(|p| at + p)
                .ok_or_else(|| PackError::Git {
                    url: url.to_string(),
                    action: "cat-file".into(),
                    message: "truncated output".into(),
                })?;
            let header = String::from_utf8_lossy(&blobs[at..header_end]).to_string();
            let size: usize = header
                .rsplit(' ')
                .next()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| PackError::Git {
                    url: url.to_string(),
                    action: "cat-file".into(),
                    message: format!("unexpected output `{header}`"),
                })?;
            let start = header_end + 1;
            let end = (start + size).min(blobs.len());
            total += size as u64;
            if total > MAX_PACK_BYTES {
                let _ = std::fs::remove_dir_all(&tmp);
                return Err(PackError::TooLarge {
                    url: url.to_string(),
                    why: format!("more than {MAX_PACK_BYTES} bytes"),
                });
            }
            let dest = tmp.join(path);
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
            }
            std::fs::write(&dest, &blobs[start..end]).map_err(|e| io(&dest, e))?;
            at = end + 1;
        }
        match std::fs::rename(&tmp, &target) {
            Ok(()) => Ok(target),
            // Another run wrote it first: theirs is the same commit.
            Err(_) if target.is_dir() => {
                let _ = std::fs::remove_dir_all(&tmp);
                Ok(target)
            }
            Err(e) => {
                let _ = std::fs::remove_dir_all(&tmp);
                Err(io(&target, e))
            }
        }
    }
}

/// A repository path that stays inside the tree it is written to.
fn safe_path(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && path
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != ".." && !c.eq_ignore_ascii_case(".git"))
        && !path.contains('\\')
}

/// No prompts, no inherited repository, SSH in batch mode, and the token for HTTPS.
fn configure_env(cmd: &mut Command, url: &str) {
    for v in [
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_NAMESPACE",
        "GIT_COMMON_DIR",
        "GIT_CEILING_DIRECTORIES",
    ] {
        cmd.env_remove(v);
    }
    cmd.env("GIT_TERMINAL_PROMPT", "0");
    if std::env::var_os("GIT_SSH_COMMAND").is_none() && std::env::var_os("GIT_SSH").is_none() {
        cmd.env(
            "GIT_SSH_COMMAND",
            "ssh -o BatchMode=yes -o ConnectTimeout=30",
        );
    }
    if let Some((key, value)) = token_header(url) {
        // Passed through the environment, not the command line, so it is not visible in the
        // process list; appended to any GIT_CONFIG_* entries already there.
        let n: usize = std::env::var("GIT_CONFIG_COUNT")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        cmd.env(format!("GIT_CONFIG_KEY_{n}"), key);
        cmd.env(format!("GIT_CONFIG_VALUE_{n}"), value);
        cmd.env("GIT_CONFIG_COUNT", (n + 1).to_string());
    }
}

/// `http.<scheme>://<host>/.extraHeader` carrying `GUARDRAIL_PACK_TOKEN` for an HTTPS URL
/// (plain HTTP only to a loopback address, never over the network).
fn token_header(url: &str) -> Option<(String, String)> {
    let token = std::env::var(TOKEN_ENV).ok().filter(|t| !t.is_empty())?;
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split('/').next()?;
    let host = host.rsplit('@').next().unwrap_or(host);
    // The host name without the port (`[::1]:8080` → `[::1]`, `127.0.0.1:80` → `127.0.0.1`).
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host.split(':').next().unwrap_or_default(),
    };
    let loopback = matches!(name, "127.0.0.1" | "localhost" | "::1");
    if !(scheme == "https" || scheme == "http" && loopback) {
        return None;
    }
    Some((
        format!("http.{scheme}://{host}/.extraHeader"),
        format!(
            "Authorization: Basic {}",
            base64(format!("x-access-token:{token}").as_bytes())
        ),
    ))
}

fn base64(input: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Runs a command with a time limit, feeding `stdin`; stdout on success, else a message with
/// the end of stderr.
fn run(mut cmd: Command, stdin: Option<Vec<u8>>) -> Result<Vec<u8>, String> {
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| format!("cannot run git: {e}"))?;
    let writer = stdin.and_then(|input| {
        child.stdin.take().map(|mut s| {
            std::thread::spawn(move || {
                let _ = s.write_all(&input);
            })
        })
    });
    let mut out_pipe = child.stdout.take();
    let mut err_pipe = child.stderr.take();
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(p) = out_pipe.as_mut() {
            let _ = p.read_to_end(&mut buf);
        }
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(p) = err_pipe.as_mut() {
            let _ = p.read_to_end(&mut buf);
        }
        buf
    });
    let deadline = Instant::now() + GIT_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Ok(s),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break Err(format!(
                    "git did not finish within {} s",
                    GIT_TIMEOUT.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => break Err(format!("cannot wait for git: {e}")),
        }
    };
    if let Some(w) = writer {
        let _ = w.join();
    }
    let out = out_reader.join().unwrap_or_default();
    let err = err_reader.join().unwrap_or_default();
    let status = status?;
    if status.success() {
        Ok(out)
    } else {
        let err = String::from_utf8_lossy(&err);
        let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
        let tail = lines[lines.len().saturating_sub(4)..].join("; ");
        Err(if tail.is_empty() {
            format!("git exited with {status}")
        } else {
            tail
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        for ok in [
            "https://github.com/acme/guardrails.git",
            "http://127.0.0.1:8080/pack.git",
            "ssh://git@github.com/acme/g.git",
            "git@github.com:acme/g.git",
            "file:///tmp/pack",
        ] {
            assert!(validate_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "ext::sh -c touch% /tmp/x",
            "-uhelp",
            "ssh://-oProxyCommand=x/y",
            "fd::17",
            "/tmp/pack",
            "../pack",
            "",
            "ftp://x/y",
        ] {
            assert!(validate_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn revs() {
        for ok in [
            "v3.2.0",
            "main",
            "release/1.x",
            "0123456789abcdef0123456789abcdef01234567",
        ] {
            assert!(validate_rev(ok).is_ok(), "{ok}");
        }
        for bad in [
            "-x", "a..b", "HEAD~1", "v1^{}", "a b", "", "x.lock", "@{-1}",
        ] {
            assert!(validate_rev(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn base64_and_token_scope() {
        assert_eq!(base64(b"x-access-token:abc"), "eC1hY2Nlc3MtdG9rZW46YWJj");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"a"), "YQ==");
        std::env::set_var(TOKEN_ENV, "abc");
        let (key, value) = token_header("https://github.com/acme/p.git").unwrap();
        assert_eq!(key, "http.https://github.com/.extraHeader");
        assert_eq!(value, "Authorization: Basic eC1hY2Nlc3MtdG9rZW46YWJj");
        assert!(token_header("http://127.0.0.1:8080/p.git").is_some());
        assert!(token_header("http://[::1]:8080/p.git").is_some());
        assert!(
            token_header("http://example.com/p.git").is_none(),
            "never over plain http"
        );
        assert!(token_header("ssh://git@github.com/p.git").is_none());
        std::env::remove_var(TOKEN_ENV);
        assert!(safe_path("checks/a.yaml"));
        assert!(!safe_path("../x") && !safe_path("a/.git/config") && !safe_path("/etc/x"));
    }
}
