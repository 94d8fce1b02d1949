//! WASI for instances: turning a `witbridge.WasiConfig` into a wasmtime-wasi
//! context, and the streams that connect a guest's stdio to Python.

use std::path::PathBuf;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use pyo3::exceptions::PyOSError;
use pyo3::prelude::*;

use crate::fs_path::FsPath;
use pyo3::types::PyBytes;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe, SinkOutputStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamError};
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder};
use witbridge_core::stderr_tail::StderrTail;

/// The most a captured stream holds; a guest writing more traps rather
/// than exhausting the host's memory.
const CAPTURE_CAPACITY: usize = 1 << 30;

/// Where a guest's stdin comes from.
enum Input {
    Empty,
    Inherit,
    Bytes(Vec<u8>),
}

/// Where a guest's stdout or stderr goes.
enum Output {
    Inherit,
    Capture,
    Discard,
    /// A Python callable taking `bytes` (the package wraps file objects).
    Python(Py<PyAny>),
}

/// A directory the guest sees.
struct Preopen {
    guest: String,
    host: PathBuf,
    read_only: bool,
}

/// A `WasiConfig`, read once when given to the linker.
pub struct WasiSpec {
    args: Vec<String>,
    env: Vec<(String, String)>,
    inherit_env: bool,
    preopens: Vec<Preopen>,
    stdin: Input,
    stdout: Output,
    stderr: Output,
}

/// What was captured for an instance to show as `inst.stdout`/`inst.stderr`.
#[derive(Default)]
pub struct Captured {
    pub stdout: Option<MemoryOutputPipe>,
    pub stderr: Option<MemoryOutputPipe>,
}

impl WasiSpec {
    /// The sandbox of DESIGN.md §1, for components whose host said nothing:
    /// no files, no environment, no arguments but a program name, stdout and
    /// stderr inherited, stdin empty.
    pub fn sandbox() -> Self {
        WasiSpec {
            args: vec!["main".into()],
            env: Vec::new(),
            inherit_env: false,
            preopens: Vec::new(),
            stdin: Input::Empty,
            stdout: Output::Inherit,
            stderr: Output::Inherit,
        }
    }

    /// Reads a `witbridge.WasiConfig` (already validated by its `__post_init__`).
    pub fn from_config(config: &Bound<'_, PyAny>) -> PyResult<Self> {
        let preopens = config
            .getattr("_preopens")?
            .extract::<Vec<(String, FsPath, bool)>>()?
            .into_iter()
            .map(|(guest, FsPath(host), read_only)| Preopen {
                guest,
                host,
                read_only,
            })
            .collect();
        let stdin = config.getattr("stdin")?;
        let stdin = if stdin.is_none() {
            Input::Empty
        } else if let Ok(bytes) = stdin.downcast::<PyBytes>() {
            Input::Bytes(bytes.as_bytes().to_vec())
        } else {
            Input::Inherit
        };
        Ok(WasiSpec {
            args: config.getattr("_argv")?.extract()?,
            env: config.getattr("_env")?.extract()?,
            inherit_env: config.getattr("inherit_env")?.extract()?,
            preopens,
            stdin,
            stdout: output(&config.getattr("_stdout")?)?,
            stderr: output(&config.getattr("_stderr")?)?,
        })
    }

    /// A fresh context for one instance (a context can't be shared), what
    /// it captures, and the tail of its stderr.
    pub fn build(&self, py: Python<'_>) -> PyResult<(WasiCtx, Captured, StderrTail)> {
        let mut builder = WasiCtxBuilder::new();
        builder.args(&self.args);
        if self.inherit_env {
            // The host's variables, except those the config sets: a guest
            // reading a name given twice would see the first, the host's.
            let host: Vec<(String, String)> = std::env::vars()
                .filter(|(name, _)| !self.env.iter().any(|(given, _)| given == name))
                .collect();
            builder.envs(&host);
        }
        builder.envs(&self.env);
        for open in &self.preopens {
            let perms = if open.read_only {
                FsPerms::ReadOnly
            } else {
                FsPerms::ReadWrite
            };
            builder
                .preopened_dir(&open.host, &open.guest, perms)
                .map_err(|e| preopen_error(open, e))?;
        }
        match &self.stdin {
            Input::Empty => {}
            Input::Inherit => {
                builder.inherit_stdin();
            }
            Input::Bytes(bytes) => {
                builder.stdin(MemoryInputPipe::new(bytes.clone()));
            }
        }
        let mut captured = Captured::default();
        match &self.stdout {
            Output::Inherit => {
                builder.inherit_stdout();
            }
            Output::Capture => {
                let pipe = MemoryOutputPipe::new(CAPTURE_CAPACITY);
                builder.stdout(pipe.clone());
                captured.stdout = Some(pipe);
            }
            Output::Discard => {}
            Output::Python(write) => {
                builder.stdout(PyWriter(write.clone_ref(py)));
            }
        }
        // Whatever becomes of stderr, its end is kept for a failed call's Trap.
        let tail = StderrTail::default();
        match &self.stderr {
            Output::Inherit => {
                builder.stderr(tail.tee(wasmtime_wasi::cli::stderr()));
            }
            Output::Capture => {
                let pipe = MemoryOutputPipe::new(CAPTURE_CAPACITY);
                builder.stderr(tail.tee(pipe.clone()));
                captured.stderr = Some(pipe);
            }
            Output::Discard => {
                builder.stderr(tail.tee(SinkOutputStream));
            }
            Output::Python(write) => {
                builder.stderr(tail.tee(PyWriter(write.clone_ref(py))));
            }
        }
        Ok((builder.build(), captured, tail))
    }
}

fn output(value: &Bound<'_, PyAny>) -> PyResult<Output> {
    if value.is_callable() {
        return Ok(Output::Python(value.clone().unbind()));
    }
    match value.extract::<String>()?.as_str() {
        "inherit" => Ok(Output::Inherit),
        "capture" => Ok(Output::Capture),
        "discard" => Ok(Output::Discard),
        other => Err(pyo3::exceptions::PyValueError::new_err(format!(
            "unknown output {other:?}: expected 'inherit', 'capture', None or a file object"
        ))),
    }
}

fn preopen_error(open: &Preopen, err: wasmtime::Error) -> PyErr {
    let message = format!(
        "cannot preopen {} as the guest's {}: {err:#}",
        open.host.display(),
        open.guest
    );
    let errno = err
        .downcast_ref::<std::io::Error>()
        .and_then(std::io::Error::raw_os_error)
        .unwrap_or(2);
    PyOSError::new_err((errno, message, open.host.display().to_string()))
}

/// A guest output stream that calls a Python `write(bytes)` as the guest
/// writes: output shows up as it happens, in order with the host's own.
struct PyWriter(Py<PyAny>);

impl PyWriter {
    fn write_now(&self, bytes: &[u8]) -> Result<(), String> {
        crate::attach::attach(|py| {
            self.0
                .call1(py, (PyBytes::new(py, bytes),))
                .map(drop)
                .map_err(|e| format!("writing the guest's output to Python raised {e}"))
        })
    }
}

impl Clone for PyWriter {
    fn clone(&self) -> Self {
        PyWriter(Python::attach(|py| self.0.clone_ref(py)))
    }
}

impl IsTerminal for PyWriter {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for PyWriter {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[wasmtime_wasi::async_trait]
impl OutputStream for PyWriter {
    fn write(&mut self, bytes: Bytes) -> Result<(), StreamError> {
        self.write_now(&bytes)
            .map_err(|why| StreamError::Trap(wasmtime::Error::msg(why)))
    }

    fn flush(&mut self) -> Result<(), StreamError> {
        Ok(()) // every write went straight to Python
    }

    fn check_write(&mut self) -> Result<usize, StreamError> {
        Ok(1 << 20)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for PyWriter {
    async fn ready(&mut self) {}
}

impl tokio::io::AsyncWrite for PyWriter {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Poll::Ready(
            self.write_now(buf)
                .map(|()| buf.len())
                .map_err(std::io::Error::other),
        )
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
