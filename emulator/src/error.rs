//! The error returned by the library API (starting and stopping the emulator).

use std::fmt;

/// What went wrong while starting or running the emulator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Binding the port, reading or writing the data directory.
    Io,
    /// The SQLite database.
    Storage,
    /// Keys, certificates, TLS configuration.
    Crypto,
    /// The resource asked about does not exist in the emulator.
    NotFound,
    /// An argument is malformed (not a VM or scale set id, an instance on a VM, ...).
    InvalidInput,
    /// Anything else.
    Other,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorKind::Io => "i/o",
            ErrorKind::Storage => "storage",
            ErrorKind::Crypto => "crypto",
            ErrorKind::NotFound => "not found",
            ErrorKind::InvalidInput => "invalid input",
            ErrorKind::Other => "emulator",
        })
    }
}

/// An error of the emulator library.
#[derive(Debug, thiserror::Error)]
#[error("{kind} error: {message}")]
pub struct Error {
    kind: ErrorKind,
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Error {
    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            source: None,
        }
    }

    pub(crate) fn io(message: impl Into<String>, source: std::io::Error) -> Error {
        Error {
            kind: ErrorKind::Io,
            message: format!("{}: {source}", message.into()),
            source: Some(Box::new(source)),
        }
    }

    pub(crate) fn crypto(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Crypto, message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::NotFound, message)
    }

    pub(crate) fn invalid_input(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidInput, message)
    }

    pub(crate) fn other(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Other, message)
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error {
            kind: ErrorKind::Storage,
            message: e.to_string(),
            source: Some(Box::new(e)),
        }
    }
}
