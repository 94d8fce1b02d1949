//! Errors raised while turning user input into a component.

use std::fmt;
use std::path::PathBuf;

/// Why some input could not become a component.
///
/// The Python layer maps [`LoadError::Compile`] to `witbridge.CompileError`
/// and [`LoadError::Io`] to the matching `OSError` subclass.
#[derive(Debug)]
pub enum LoadError {
    /// The bytes, text or WIT are not a usable component; the message says
    /// what is wrong and, where it helps, what to do about it.
    Compile(String),
    /// A file could not be read.
    Io {
        /// The file that was being read.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
}

impl LoadError {
    /// A compile error with a context line in front of the underlying cause.
    pub fn compile(context: impl fmt::Display, cause: impl fmt::Display) -> Self {
        LoadError::Compile(format!("{context}: {cause}"))
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Compile(msg) => f.write_str(msg),
            LoadError::Io { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LoadError::Compile(_) => None,
            LoadError::Io { source, .. } => Some(source),
        }
    }
}

/// `anyhow` errors from wasm-tools render their whole chain with `{:#}`;
/// this keeps that one-line form in our messages.
pub(crate) fn chain(err: &anyhow::Error) -> String {
    format!("{err:#}")
}
