//! Reading one input file without letting the file system hang or flood the scan: only
//! regular files are opened (a FIFO would block the scan forever, a device could stream
//! without end), the size is bounded, and a file that vanished since the walk is told apart
//! from one that cannot be read.

use std::io::Read;
use std::path::Path;

/// Why a file was not read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// A FIFO, socket or device (or a directory): never opened for reading.
    #[error("not a regular file (a FIFO, socket, device or directory); not read")]
    NotRegular,
    /// Larger than the limit: skipped.
    #[error("file is {size} bytes, larger than {max} (`limits.max-file-size`); skipped")]
    TooLarge { size: u64, max: u64 },
    /// Gone since it was listed (deleted or renamed during the scan).
    #[error("file disappeared before it could be read; skipped")]
    Vanished,
    /// Any other failure (permissions, I/O).
    #[error("cannot read: {0}")]
    Io(#[source] std::io::Error),
}

impl From<std::io::Error> for ReadError {
    fn from(e: std::io::Error) -> ReadError {
        if e.kind() == std::io::ErrorKind::NotFound {
            ReadError::Vanished
        } else {
            ReadError::Io(e)
        }
    }
}

/// The bytes of the regular file at `path` (symbolic links are resolved), at most `max`.
pub fn read_regular(path: &Path, max: u64) -> Result<Vec<u8>, ReadError> {
    // Look before opening: opening a FIFO blocks until a writer appears, and opening some
    // devices has effects of its own.
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular);
    }
    if meta.len() > max {
        return Err(ReadError::TooLarge {
            size: meta.len(),
            max,
        });
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    // The file may have been replaced by a FIFO since the look: a non-blocking open returns
    // at once, and the check on the open handle below refuses it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NONBLOCK);
    }
    let file = opts.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular);
    }
    // A file that grows while it is read still stops at the limit.
    let mut bytes = Vec::with_capacity(meta.len().min(max) as usize);
    file.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(ReadError::TooLarge {
            size: bytes.len() as u64,
            max,
        });
    }
    Ok(bytes)
}

/// Like [`read_regular`], as UTF-8 text (invalid UTF-8 is an I/O error of kind
/// `InvalidData`).
pub fn read_regular_text(path: &Path, max: u64) -> Result<String, ReadError> {
    let bytes = read_regular(path, max)?;
    String::from_utf8(bytes).map_err(|e| {
        ReadError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not valid UTF-8 (at byte {})", e.utf8_error().valid_up_to()),
        ))
    })
}

/// The largest of guardrail's own files (configuration, pack manifest, lock file, baseline)
/// that is read.
pub const MAX_OWN_FILE: u64 = 64 * 1024 * 1024;

/// Reads one of guardrail's own files (configuration, pack manifest, lock file, baseline) as
/// text, with the protections of [`read_regular`] (at most [`MAX_OWN_FILE`] bytes), as a
/// plain I/O error (`NotFound` when it does not exist).
pub fn read_own_file(path: &Path) -> std::io::Result<String> {
    read_regular_text(path, MAX_OWN_FILE).map_err(|e| match e {
        ReadError::Io(e) => e,
        ReadError::Vanished => std::io::Error::from(std::io::ErrorKind::NotFound),
        other => std::io::Error::other(other.to_string()),
    })
}
