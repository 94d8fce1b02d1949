//! WASI's blocking calls, ended at the running call's deadline or by Ctrl-C.
//!
//! A `timeout` is enforced by epoch ticks, which reach a guest only while
//! it runs wasm code. wasmtime-wasi's synchronous bindings do their
//! waiting in the host, blocking on a future (`in_tokio`): a guest that
//! sleeps, polls or reads an empty stdin there would outlive its timeout
//! by as long as the wait lasts, for ever for a terminal nobody types into.
//! So the linker gets these in place of wasmtime-wasi's blocking entry
//! points: each runs the same asynchronous implementation (wasmtime-wasi-io's,
//! which the synchronous ones wrap too), but under tokio's `timeout_at` the
//! call's deadline, and traps with a [`TimedOut`] (`Trap.code` `timeout`)
//! if the deadline comes first. Ctrl-C ends a wait as it ends guest code
//! (`KeyboardInterrupt`), with or without a deadline.
//!
//! Everything else that may block in WASI returns at once or waits for the
//! disk (files), not for the outside world: sleeping and waiting for a
//! socket go through `poll` or `pollable.block`.

use std::future::Future;
use std::time::{Duration, Instant};

use pyo3::PyErr;
use wasmtime::StoreContextMut;
use wasmtime::component::{Linker, Resource, ResourceTable};
use wasmtime_wasi::p2::bindings::io::{poll, streams};
use wasmtime_wasi::p2::{DynInputStream, DynOutputStream, DynPollable, StreamResult};
use wasmtime_wasi::runtime::in_tokio;
use witbridge_core::limits::TimedOut;
use witbridge_core::ticker::TICK;

use crate::store::{Host, Interrupted, signal_raised};

/// The instances wasmtime-wasi 48's `add_to_linker_sync` defines them in:
/// its WIT's version, to which wasmtime matches every `0.2.x` import.
/// Defining them under any other name would add a second instance instead
/// of replacing these functions.
const POLL: &str = "wasi:io/poll@0.2.12";
const STREAMS: &str = "wasi:io/streams@0.2.12";

/// Replaces wasmtime-wasi's blocking calls in `linker` (which must already
/// have WASI, and allow shadowing) by ones that end at the call's deadline.
pub fn add_to_linker(linker: &mut Linker<Host>) -> wasmtime::Result<()> {
    let mut io_poll = linker.instance(POLL)?;
    io_poll.func_wrap(
        "poll",
        |mut store: StoreContextMut<'_, Host>, (pollables,): (Vec<Resource<DynPollable>>,)| {
            let (table, wait) = table_and_wait(&mut store);
            let ready = until_deadline(wait, "wasi:io/poll's poll", async {
                poll::Host::poll(table, pollables).await
            })?;
            Ok((ready,))
        },
    )?;
    io_poll.func_wrap(
        "[method]pollable.block",
        |mut store: StoreContextMut<'_, Host>, (pollable,): (Resource<DynPollable>,)| {
            let (table, wait) = table_and_wait(&mut store);
            until_deadline(wait, "wasi:io/poll's pollable.block", async {
                poll::HostPollable::block(table, pollable).await
            })
        },
    )?;

    let mut io_streams = linker.instance(STREAMS)?;
    io_streams.func_wrap(
        "[method]input-stream.blocking-read",
        |mut store: StoreContextMut<'_, Host>, (stream, len): (Resource<DynInputStream>, u64)| {
            let (table, wait) = table_and_wait(&mut store);
            let read =
                until_deadline(wait, "wasi:io/streams' input-stream.blocking-read", async {
                    Ok(streams::HostInputStream::blocking_read(table, stream, len).await)
                })?;
            Ok((stream_result(table, read)?,))
        },
    )?;
    io_streams.func_wrap(
        "[method]input-stream.blocking-skip",
        |mut store: StoreContextMut<'_, Host>, (stream, len): (Resource<DynInputStream>, u64)| {
            let (table, wait) = table_and_wait(&mut store);
            let skipped =
                until_deadline(wait, "wasi:io/streams' input-stream.blocking-skip", async {
                    Ok(streams::HostInputStream::blocking_skip(table, stream, len).await)
                })?;
            Ok((stream_result(table, skipped)?,))
        },
    )?;
    io_streams.func_wrap(
        "[method]output-stream.blocking-write-and-flush",
        |mut store: StoreContextMut<'_, Host>,
         (stream, bytes): (Resource<DynOutputStream>, Vec<u8>)| {
            let (table, wait) = table_and_wait(&mut store);
            let written = until_deadline(
                wait,
                "wasi:io/streams' output-stream.blocking-write-and-flush",
                async {
                    Ok(
                        streams::HostOutputStream::blocking_write_and_flush(table, stream, bytes)
                            .await,
                    )
                },
            )?;
            Ok((stream_result(table, written)?,))
        },
    )?;
    io_streams.func_wrap(
        "[method]output-stream.blocking-write-zeroes-and-flush",
        |mut store: StoreContextMut<'_, Host>, (stream, len): (Resource<DynOutputStream>, u64)| {
            let (table, wait) = table_and_wait(&mut store);
            let written = until_deadline(
                wait,
                "wasi:io/streams' output-stream.blocking-write-zeroes-and-flush",
                async {
                    Ok(streams::HostOutputStream::blocking_write_zeroes_and_flush(
                        table, stream, len,
                    )
                    .await)
                },
            )?;
            Ok((stream_result(table, written)?,))
        },
    )?;
    io_streams.func_wrap(
        "[method]output-stream.blocking-flush",
        |mut store: StoreContextMut<'_, Host>, (stream,): (Resource<DynOutputStream>,)| {
            let (table, wait) = table_and_wait(&mut store);
            let flushed = until_deadline(
                wait,
                "wasi:io/streams' output-stream.blocking-flush",
                async { Ok(streams::HostOutputStream::blocking_flush(table, stream).await) },
            )?;
            Ok((stream_result(table, flushed)?,))
        },
    )?;
    io_streams.func_wrap(
        "[method]output-stream.blocking-splice",
        |mut store: StoreContextMut<'_, Host>,
         (dst, src, len): (Resource<DynOutputStream>, Resource<DynInputStream>, u64)| {
            let (table, wait) = table_and_wait(&mut store);
            let spliced = until_deadline(
                wait,
                "wasi:io/streams' output-stream.blocking-splice",
                async {
                    Ok(streams::HostOutputStream::blocking_splice(table, dst, src, len).await)
                },
            )?;
            Ok((stream_result(table, spliced)?,))
        },
    )?;
    Ok(())
}

/// The store's WASI resources, and what a wait in the running call must
/// watch for.
fn table_and_wait<'a>(
    store: &'a mut StoreContextMut<'_, Host>,
) -> (&'a mut ResourceTable, Wait<'a>) {
    let host = store.data_mut();
    let wait = Wait {
        deadline: host.deadline.zip(host.timeout),
        pending: &mut host.pending,
    };
    (&mut host.table, wait)
}

/// What ends a wait early: the running call's deadline (with its timeout,
/// for the message), and a signal whose Python handler raised (Ctrl-C),
/// whose exception goes where the call that entered the guest finds it.
struct Wait<'a> {
    deadline: Option<(Instant, Duration)>,
    pending: &'a mut Option<PyErr>,
}

/// Waits for `work` (in `what`) until it is done, the call's deadline
/// passes, or a signal handler raises, which Python's handlers can only do
/// when they run: every tick of the wait, as in guest code. A wait that is
/// over within its first tick never touches the GIL.
fn until_deadline<T>(
    wait: Wait<'_>,
    what: &str,
    work: impl Future<Output = wasmtime::Result<T>>,
) -> wasmtime::Result<T> {
    in_tokio(async {
        let mut work = std::pin::pin!(work);
        loop {
            let tick = Instant::now() + TICK;
            let until = wait
                .deadline
                .map_or(tick, |(deadline, _)| deadline.min(tick));
            // `timeout_at` polls `work` first: what is ready at once still
            // happens after the deadline, as in guest code between ticks.
            if let Ok(done) = tokio::time::timeout_at(until.into(), &mut work).await {
                return done;
            }
            if let Some((deadline, timeout)) = wait.deadline
                && Instant::now() >= deadline
            {
                return Err(wasmtime::Error::new(TimedOut::during(
                    timeout,
                    format!("while the guest waited in {what}"),
                )));
            }
            if let Some(raised) = signal_raised() {
                *wait.pending = Some(raised);
                return Err(wasmtime::Error::new(Interrupted));
            }
        }
    })
}

/// A stream operation's outcome as WIT's `result<T, stream-error>`: a
/// failure becomes an `error` resource in `table`, and a trap stays one,
/// as in the bindings these replace.
fn stream_result<T>(
    table: &mut ResourceTable,
    result: StreamResult<T>,
) -> wasmtime::Result<Result<T, streams::StreamError>> {
    match result {
        Ok(value) => Ok(Ok(value)),
        Err(err) => Ok(Err(streams::Host::convert_stream_error(table, err)?)),
    }
}
