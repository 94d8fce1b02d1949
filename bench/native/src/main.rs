//! The speed limit for `bench/bench_calls.py`: the same calls, made from
//! Rust through wasmtime's typed component API (`TypedFunc`), with no Python
//! in the way.
//!
//! Usage: `witbridge-bench-native <fixtures/wasm dir> [--rounds R]
//! [--min-rounds M] [--target-ms MS] [--budget-s S] [--only CASE]`. Prints one JSON object on
//! stdout: per case, the median time per call over `R` rounds of `N` calls,
//! where `N` is chosen so that a round lasts about `MS` milliseconds (at least
//! one call) and `R` is cut so that a case takes about `S` seconds (but no
//! fewer than `M` rounds). The case `echo_bytes_sizes` is a table: one JSON
//! case per size of `SIZES`, named `echo_bytes_1KiB` ... `echo_bytes_256MiB`.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

use wasmtime::component::{Component, ComponentType, Instance, Lift, Linker, Lower, TypedFunc};
use wasmtime::error::Context;
use wasmtime::{Engine, Result, Store, bail, ensure};
use witbridge_core::wasmtime;

const MACHINE_INTERFACE: &str = "xyz:machine/machine-interface";
const VALUES_INTERFACE: &str = "witbridge:fixtures/values@0.1.0";
const SHORT_TEXT: &str = "héllo wörld";
const BIG: usize = 1 << 20;
/// Elements of the numeric list cases: 256Ki.
const LIST_LEN: usize = 1 << 18;
/// Records of the `echo_points` case.
const POINTS: usize = 10_000;
/// The sizes of the `echo_bytes_sizes` table, in bytes, with their names.
const SIZES: [(usize, &str); 8] = [
    (1 << 10, "1KiB"),
    (16 << 10, "16KiB"),
    (256 << 10, "256KiB"),
    (1 << 20, "1MiB"),
    (4 << 20, "4MiB"),
    (16 << 20, "16MiB"),
    (64 << 20, "64MiB"),
    (256 << 20, "256MiB"),
];
const CASES: [&str; 9] = [
    "get_u32",
    "count_symbols",
    "run",
    "echo_string",
    "echo_bytes",
    "echo_u32s",
    "echo_f64s",
    "echo_points",
    "echo_bytes_sizes",
];

/// `xyz:machine/machine-interface.point`.
#[derive(ComponentType, Lower, Lift, Clone, Copy, Debug, PartialEq, Eq)]
#[component(record)]
struct Point {
    x: u32,
    y: u32,
}

/// `witbridge:fixtures/types.point`.
#[derive(ComponentType, Lower, Lift, Clone, Copy, Debug, PartialEq, Eq)]
#[component(record)]
struct ValuesPoint {
    x: i32,
    y: i32,
}

/// `xyz:machine/machine-interface.run-result`.
#[derive(ComponentType, Lift, Debug)]
#[component(record)]
struct RunResult {
    #[component(name = "machine-id")]
    machine_id: u64,
    message: String,
}

/// How a run is shaped, from the command line.
struct Options {
    fixtures: PathBuf,
    rounds: usize,
    min_rounds: usize,
    target_ns: u64,
    budget_ns: u64,
    only: Option<String>,
}

fn parse_options() -> Result<Options> {
    let mut args = std::env::args().skip(1);
    let mut fixtures = None;
    let mut options = Options {
        fixtures: PathBuf::new(),
        rounds: 15,
        min_rounds: 5,
        target_ns: 75_000_000,
        budget_ns: 20_000_000_000,
        only: None,
    };
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().with_context(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--rounds" => options.rounds = value("--rounds")?.parse()?,
            "--min-rounds" => options.min_rounds = value("--min-rounds")?.parse()?,
            "--target-ms" => options.target_ns = value("--target-ms")?.parse::<u64>()? * 1_000_000,
            "--budget-s" => {
                options.budget_ns = value("--budget-s")?.parse::<u64>()? * 1_000_000_000
            }
            "--only" => options.only = Some(value("--only")?),
            flag if flag.starts_with("--") => bail!("unknown option {flag}"),
            path => fixtures = Some(PathBuf::from(path)),
        }
    }
    options.fixtures =
        fixtures.context("usage: witbridge-bench-native <fixtures dir> [options]")?;
    ensure!(options.rounds >= 1, "--rounds must be at least 1");
    if let Some(only) = &options.only {
        ensure!(CASES.contains(&only.as_str()), "unknown case {only}");
    }
    Ok(options)
}

/// What one case measured.
struct Measurement {
    case: String,
    calls_per_round: u64,
    round_ns: Vec<f64>,
}

impl Measurement {
    fn median_ns(&self) -> f64 {
        let mut sorted = self.round_ns.clone();
        sorted.sort_by(f64::total_cmp);
        let mid = sorted.len() / 2;
        if sorted.len() % 2 == 1 {
            sorted[mid]
        } else {
            (sorted[mid - 1] + sorted[mid]) / 2.0
        }
    }

    fn to_json(&self) -> String {
        let rounds: Vec<String> = self.round_ns.iter().map(|ns| format!("{ns:.3}")).collect();
        format!(
            "\"{}\": {{\"median_ns\": {:.3}, \"calls_per_round\": {}, \"rounds\": {}, \"round_ns_per_call\": [{}]}}",
            self.case,
            self.median_ns(),
            self.calls_per_round,
            self.round_ns.len(),
            rounds.join(", ")
        )
    }
}

/// Times `call` the way bench_calls.py times the Python peers: warm up,
/// pick `N` so a round lasts about `target_ns`, then take the rounds.
fn measure(
    case: impl Into<String>,
    options: &Options,
    store: &mut Store<()>,
    mut call: impl FnMut(&mut Store<()>) -> Result<()>,
) -> Result<Measurement> {
    // Warm-up, doubling the batch until it lasts a tenth of a round; then one
    // more batch of that size for the estimate of one call.
    let mut batch: u64 = 1;
    while time_batch(store, &mut call, batch)? < options.target_ns / 10 && batch < 1 << 24 {
        batch *= 2;
    }
    let per_call_ns = time_batch(store, &mut call, batch)? as f64 / batch as f64;
    let calls_per_round = ((options.target_ns as f64 / per_call_ns).round() as u64).max(1);
    let affordable = (options.budget_ns as f64 / (per_call_ns * calls_per_round as f64)) as usize;
    let rounds = options.rounds.min(affordable.max(options.min_rounds));
    let mut round_ns = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let elapsed = time_batch(store, &mut call, calls_per_round)?;
        round_ns.push(elapsed as f64 / calls_per_round as f64);
    }
    Ok(Measurement {
        case: case.into(),
        calls_per_round,
        round_ns,
    })
}

/// Nanoseconds that `n` calls take.
fn time_batch(
    store: &mut Store<()>,
    call: &mut impl FnMut(&mut Store<()>) -> Result<()>,
    n: u64,
) -> Result<u64> {
    let start = Instant::now();
    for _ in 0..n {
        call(store)?;
    }
    Ok(start.elapsed().as_nanos() as u64)
}

/// Instantiates a component that imports nothing the bench calls.
fn instantiate(
    engine: &Engine,
    store: &mut Store<()>,
    path: &Path,
) -> Result<(Component, Instance)> {
    let component = Component::from_file(engine, path)
        .with_context(|| format!("loading {}", path.display()))?;
    let mut linker = Linker::new(engine);
    linker.define_unknown_imports_as_traps(&component)?;
    let instance = linker.instantiate(&mut *store, &component)?;
    Ok((component, instance))
}

/// The typed function `name` of the exported interface `interface`.
fn typed<P, R>(
    store: &mut Store<()>,
    component: &Component,
    instance: &Instance,
    interface: &str,
    name: &str,
) -> Result<TypedFunc<P, R>>
where
    P: wasmtime::component::ComponentNamedList + Lower,
    R: wasmtime::component::ComponentNamedList + Lift,
{
    let iface = component
        .get_export_index(None, interface)
        .with_context(|| format!("no export {interface}"))?;
    let func = component
        .get_export_index(Some(&iface), name)
        .with_context(|| format!("no function {interface}#{name}"))?;
    instance
        .get_typed_func::<P, R>(store, &func)
        .with_context(|| format!("typing {interface}#{name}"))
}

fn wanted(options: &Options, case: &str) -> bool {
    options.only.as_deref().is_none_or(|only| only == case)
}

/// The instance of the values fixture, for the cases that echo a list.
struct Values<'r> {
    store: &'r mut Store<()>,
    component: &'r Component,
    instance: &'r Instance,
    options: &'r Options,
}

impl Values<'_> {
    /// Checks that `func` hands `items` back unchanged, then times it as
    /// `case`.
    fn echo_list<T>(&mut self, case: &str, func: &str, items: &[T]) -> Result<Measurement>
    where
        T: ComponentType + Lower + Lift + PartialEq,
    {
        let f: TypedFunc<(&[T],), (Vec<T>,)> = typed(
            self.store,
            self.component,
            self.instance,
            VALUES_INTERFACE,
            func,
        )?;
        ensure!(
            f.call(&mut *self.store, (items,))?.0 == items,
            "{func} changed its input"
        );
        measure(case, self.options, self.store, |s| {
            black_box(f.call(s, (black_box(items),))?);
            Ok(())
        })
    }
}

fn main() -> Result<()> {
    let options = parse_options()?;
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let mut results = Vec::new();

    let (component, instance) = instantiate(
        &engine,
        &mut store,
        &options.fixtures.join("wasm_intro.component.wasm"),
    )?;

    if wanted(&options, "get_u32") {
        let f: TypedFunc<(), (u32,)> = typed(
            &mut store,
            &component,
            &instance,
            MACHINE_INTERFACE,
            "get-u32",
        )?;
        ensure!(
            f.call(&mut store, ())?.0 == 123,
            "get-u32 did not return 123"
        );
        results.push(measure("get_u32", &options, &mut store, |s| {
            black_box(f.call(s, ())?);
            Ok(())
        })?);
    }

    if wanted(&options, "count_symbols") {
        let f: TypedFunc<(&str,), (u32,)> = typed(
            &mut store,
            &component,
            &instance,
            MACHINE_INTERFACE,
            "count-symbols",
        )?;
        let expected = SHORT_TEXT.chars().count() as u32;
        ensure!(
            f.call(&mut store, (SHORT_TEXT,))?.0 == expected,
            "count-symbols is wrong"
        );
        results.push(measure("count_symbols", &options, &mut store, |s| {
            black_box(f.call(s, (black_box(SHORT_TEXT),))?);
            Ok(())
        })?);
    }

    if wanted(&options, "run") {
        let f: TypedFunc<(u64, Point, Point), (RunResult,)> =
            typed(&mut store, &component, &instance, MACHINE_INTERFACE, "run")?;
        let args = (7u64, Point { x: 1, y: 2 }, Point { x: 3, y: 4 });
        let (result,) = f.call(&mut store, args)?;
        ensure!(
            result.machine_id == 1 && result.message.starts_with("machine 7 run from"),
            "run returned {result:?}"
        );
        results.push(measure("run", &options, &mut store, |s| {
            black_box(f.call(s, black_box(args))?);
            Ok(())
        })?);
    }

    let (component, instance) = instantiate(
        &engine,
        &mut store,
        &options.fixtures.join("values.component.wasm"),
    )?;

    if wanted(&options, "echo_string") {
        let f: TypedFunc<(&str,), (String,)> = typed(
            &mut store,
            &component,
            &instance,
            VALUES_INTERFACE,
            "echo-string",
        )?;
        let text = "a".repeat(BIG);
        ensure!(
            f.call(&mut store, (&text,))?.0 == text,
            "echo-string changed its input"
        );
        results.push(measure("echo_string", &options, &mut store, |s| {
            black_box(f.call(s, (black_box(text.as_str()),))?);
            Ok(())
        })?);
    }

    let mut values = Values {
        store: &mut store,
        component: &component,
        instance: &instance,
        options: &options,
    };
    if wanted(&options, "echo_bytes") {
        let bytes: Vec<u8> = (0..BIG).map(|i| i as u8).collect();
        results.push(values.echo_list("echo_bytes", "echo-bytes", &bytes)?);
    }

    if wanted(&options, "echo_u32s") {
        let items: Vec<u32> = (0..LIST_LEN as u32).collect();
        results.push(values.echo_list("echo_u32s", "echo-u32s", &items)?);
    }

    if wanted(&options, "echo_f64s") {
        let items: Vec<f64> = (0..LIST_LEN).map(|i| i as f64 * 0.5).collect();
        results.push(values.echo_list("echo_f64s", "echo-f64s", &items)?);
    }

    if wanted(&options, "echo_points") {
        let points: Vec<ValuesPoint> = (0..POINTS as i32)
            .map(|i| ValuesPoint { x: i, y: -i })
            .collect();
        results.push(values.echo_list("echo_points", "echo-points", &points)?);
    }

    // One case per size, for bench/bench_bulk.py, and only when asked for.
    // The big ones take few calls a round (one for 64 MiB and up) and so few
    // rounds that the budget holds.
    if options.only.as_deref() == Some("echo_bytes_sizes") {
        // wasmtime's own guard against what a guest hands the host stops a
        // 256 MiB result (128 MiB by default); witbridge's is 1 GiB.
        store.set_hostcall_fuel(usize::MAX);
        let f: TypedFunc<(&[u8],), (Vec<u8>,)> = typed(
            &mut store,
            &component,
            &instance,
            VALUES_INTERFACE,
            "echo-bytes",
        )?;
        for (size, name) in SIZES {
            let bytes: Vec<u8> = (0..size).map(|i| i as u8).collect();
            ensure!(
                f.call(&mut store, (&bytes,))?.0 == bytes,
                "echo-bytes changed its {name} input"
            );
            results.push(measure(
                format!("echo_bytes_{name}"),
                &options,
                &mut store,
                |s| {
                    black_box(f.call(s, (black_box(bytes.as_slice()),))?);
                    Ok(())
                },
            )?);
        }
    }

    let cases: Vec<String> = results.iter().map(Measurement::to_json).collect();
    println!(
        "{{\"peer\": \"native\", \"cases\": {{{}}}}}",
        cases.join(", ")
    );
    Ok(())
}
