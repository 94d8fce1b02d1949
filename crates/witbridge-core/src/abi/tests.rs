//! The ABI against wasmtime's own, through echo components: values staged
//! as `Val`s (with [`reference`]) go through witbridge's store and load,
//! and must come back, and reach the host, as the same `Val`s that
//! wasmtime's `Func::call` gives for them.

use std::sync::{Arc, Mutex};

use wasmtime::component::{Component, Linker, Val};
use wasmtime::{Engine, Store};

use super::export::{Receive, TypedExport};
use super::host::{self, HostCall};
use super::load::{LoadOptions, TransferLimit};
use super::reference;
use super::tape::Tape;
use super::typecheck::WitTypes;
use crate::describe::{Description, Item};
use crate::echo::{Strings, echo_component};

/// What the host side of each echo saw, as `Val`s.
type Seen = Arc<Mutex<Vec<Vec<Val>>>>;

struct Echo {
    store: Store<()>,
    /// What the calls read the guest's values with.
    options: LoadOptions,
    desc: Arc<Description>,
    instance: wasmtime::component::Instance,
    seen: Seen,
}

fn echo(body: &str, strings: Strings) -> Echo {
    let wit = format!("package test:abi; world echo {{ {body} }}");
    let bytes = echo_component(&wit, "echo", strings).unwrap();
    let desc = Arc::new(Description::decode(&bytes).unwrap());
    let engine = Engine::default();
    let component = Component::new(&engine, &bytes).unwrap();
    let mut linker = Linker::<()>::new(&engine);
    let seen = Seen::default();
    for (name, item) in desc.imports() {
        let Item::Function(func) = item else { continue };
        let sig = Arc::new(WitTypes::of(desc.clone(), func));
        let (desc, seen, params) = (desc.clone(), seen.clone(), sig.params.clone());
        host::define(
            &mut linker.root(),
            &name,
            sig,
            move |mut store, call: &HostCall| {
                let vals = reference::to_vals(&desc.resolve, &params, &call.tape, &mut store)?;
                seen.lock().unwrap().push(vals);
                // An echo's result is its one argument.
                Ok(call.tape.detached())
            },
        )
        .unwrap();
    }
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    Echo {
        store,
        options: LoadOptions::DEFAULT,
        desc,
        instance,
        seen,
    }
}

/// Keeps the results, detached from the guest's memory.
#[derive(Default)]
struct Keep(Option<Tape>);

impl Receive for Keep {
    fn receive(&mut self, results: &Tape) -> wasmtime::Result<()> {
        self.0 = Some(results.detached());
        Ok(())
    }
}

impl Echo {
    fn sig(&self, name: &str) -> WitTypes {
        let func = self
            .desc
            .exports()
            .into_iter()
            .find_map(|(n, item)| match item {
                Item::Function(f) if n == name => Some(f),
                _ => None,
            })
            .unwrap();
        WitTypes::of(self.desc.clone(), func)
    }

    /// Calls `name` through witbridge's ABI: the result and what the host saw.
    fn call(&mut self, name: &str, args: &[Val]) -> wasmtime::Result<(Vec<Val>, Vec<Val>)> {
        let sig = self.sig(name);
        let func = self.instance.get_func(&mut self.store, name).unwrap();
        let typed = TypedExport::new(func, &self.store, &sig)?;
        let tape = reference::from_vals(&self.desc.resolve, &sig.params, args, &mut self.store)?;
        let mut keep = Keep::default();
        typed.call(&mut self.store, &tape, &self.options, &mut keep)?;
        let results = keep.0.expect("the receiver ran");
        let got = reference::to_vals(&self.desc.resolve, &sig.results, &results, &mut self.store)?;
        let seen = self.seen.lock().unwrap().pop().expect("the import ran");
        Ok((got, seen))
    }

    /// Calls `name` through wasmtime's `Func::call`.
    fn reference_call(&mut self, name: &str, args: &[Val]) -> Vec<Val> {
        let sig = self.sig(name);
        let func = self.instance.get_func(&mut self.store, name).unwrap();
        let mut results = vec![Val::Bool(false); sig.results.len()];
        func.call(&mut self.store, args, &mut results).unwrap();
        results
    }
}

fn s(text: &str) -> Val {
    Val::String(text.to_owned())
}

fn list(items: Vec<Val>) -> Val {
    Val::List(items)
}

/// Echoes: each import and export takes one value and returns one of the
/// same type, which the host hands back.
const SIGNATURES: &str = "
    record point { x: s32, y: s32 }
    record padded { a: u8, b: s64, c: f32, d: s16 }
    record person { name: string, age: u8, tags: list<string>, home: option<point> }
    variant mixed { nothing, small(u8), big(u64), real(f32), text(string), pts(list<point>) }
    enum color { red, green, blue }
    flags perms { read, write, exec }
    type scalar-row = tuple<bool, u8, s8, u16, s16, u32, s32, u64, s64, f32, f64, char>;
    type bulk-row = tuple<list<u8>, list<s16>, list<f64>, list<char>, list<bool>>;
    type mix-row = tuple<list<mixed>, color, perms, option<result<mixed, color>>>;
    type spilled = tuple<point, point, point, point, point, point, point, point, string>;
    import scalars: func(x: scalar-row) -> scalar-row;
    export scalars: func(x: scalar-row) -> scalar-row;
    import text: func(x: string) -> string;
    export text: func(x: string) -> string;
    import bulk: func(x: bulk-row) -> bulk-row;
    export bulk: func(x: bulk-row) -> bulk-row;
    import people: func(x: list<person>) -> list<person>;
    export people: func(x: list<person>) -> list<person>;
    import mix: func(x: mix-row) -> mix-row;
    export mix: func(x: mix-row) -> mix-row;
    import spill: func(x: spilled) -> spilled;
    export spill: func(x: spilled) -> spilled;
    import rows: func(x: list<padded>) -> list<padded>;
    export rows: func(x: list<padded>) -> list<padded>;
";

fn point(x: i32, y: i32) -> Val {
    Val::Record(vec![("x".into(), Val::S32(x)), ("y".into(), Val::S32(y))])
}

fn cases() -> Vec<(&'static str, Vec<Val>)> {
    let person = |name: &str, home: Option<Val>| {
        Val::Record(vec![
            ("name".into(), s(name)),
            ("age".into(), Val::U8(42)),
            ("tags".into(), list(vec![s("a"), s(""), s("ünï")])),
            ("home".into(), Val::Option(home.map(Box::new))),
        ])
    };
    vec![
        (
            "scalars",
            vec![Val::Tuple(vec![
                Val::Bool(true),
                Val::U8(255),
                Val::S8(-128),
                Val::U16(65535),
                Val::S16(-1),
                Val::U32(u32::MAX),
                Val::S32(i32::MIN),
                Val::U64(u64::MAX),
                Val::S64(i64::MIN),
                Val::Float32(-0.0),
                Val::Float64(f64::NAN),
                Val::Char('😀'),
            ])],
        ),
        ("text", vec![s("héllo wörld ✓ 😀")]),
        ("text", vec![s("plain latin-1: café")]),
        ("text", vec![s("")]),
        (
            "bulk",
            vec![Val::Tuple(vec![
                list((0..=255u8).map(Val::U8).collect()),
                list(vec![Val::S16(-32768), Val::S16(7), Val::S16(32767)]),
                list(vec![Val::Float64(1.5), Val::Float64(f64::INFINITY)]),
                list(vec![Val::Char('a'), Val::Char('ß'), Val::Char('🦀')]),
                list(vec![Val::Bool(true), Val::Bool(false)]),
            ])],
        ),
        (
            "people",
            vec![list(vec![
                person("Ada", Some(point(1, -2))),
                person("", None),
            ])],
        ),
        (
            "mix",
            vec![Val::Tuple(vec![
                list(vec![
                    Val::Variant("nothing".into(), None),
                    Val::Variant("small".into(), Some(Box::new(Val::U8(9)))),
                    Val::Variant("big".into(), Some(Box::new(Val::U64(u64::MAX)))),
                    Val::Variant("real".into(), Some(Box::new(Val::Float32(2.5)))),
                    Val::Variant("text".into(), Some(Box::new(s("t")))),
                    Val::Variant("pts".into(), Some(Box::new(list(vec![point(3, 4)])))),
                ]),
                Val::Enum("blue".into()),
                Val::Flags(vec!["read".into(), "exec".into()]),
                Val::Option(Some(Box::new(Val::Result(Err(Some(Box::new(Val::Enum(
                    "green".into(),
                )))))))),
            ])],
        ),
        (
            "spill",
            vec![Val::Tuple(
                (0..8).map(|i| point(i, -i)).chain([s("last")]).collect(),
            )],
        ),
        // A list of records of numbers is one run of their memory image,
        // with padding between the fields.
        (
            "rows",
            vec![list(
                [(255, i64::MIN, -0.0, i16::MIN), (0, i64::MAX, f32::NAN, 7)]
                    .into_iter()
                    .map(|(a, b, c, d)| {
                        Val::Record(vec![
                            ("a".into(), Val::U8(a)),
                            ("b".into(), Val::S64(b)),
                            ("c".into(), Val::Float32(c)),
                            ("d".into(), Val::S16(d)),
                        ])
                    })
                    .collect(),
            )],
        ),
        ("rows", vec![list(vec![])]),
    ]
}

/// `Val`s that NaN doesn't make unequal to themselves: compared by bits.
fn same(a: &[Val], b: &[Val]) -> bool {
    format!("{a:?}") == format!("{b:?}")
}

#[test]
fn every_shape_matches_wasmtimes_own_abi_in_every_string_encoding() {
    for strings in [Strings::Utf8, Strings::Utf16, Strings::Latin1Utf16] {
        let mut echo = echo(SIGNATURES, strings);
        for (name, args) in cases() {
            let (got, seen) = echo.call(name, &args).unwrap();
            assert!(
                same(&seen, &args),
                "{strings:?} {name}: the host saw {seen:?}"
            );
            let expected = echo.reference_call(name, &args);
            assert!(
                same(&got, &expected),
                "{strings:?} {name}: {got:?} != {expected:?}"
            );
            echo.seen.lock().unwrap().clear();
        }
    }
}

#[test]
fn results_are_the_arguments_echoed() {
    let mut echo = echo(SIGNATURES, Strings::Utf8);
    for (name, args) in cases() {
        let (got, _) = echo.call(name, &args).unwrap();
        assert!(same(&got, &args), "{name}: {got:?}");
    }
}

#[test]
fn a_guest_that_hands_over_too_much_is_stopped() {
    let mut echo = echo(SIGNATURES, Strings::Utf8);
    echo.options = LoadOptions {
        max_transfer: Some(100),
        host_payloads: Vec::new(),
    };
    // Exactly the limit passes, both ways (into the import, back from the export).
    let fits = echo.call("text", &[s(&"x".repeat(100))]);
    assert!(fits.is_ok(), "{fits:?}");
    let err = echo.call("text", &[s(&"x".repeat(101))]).unwrap_err();
    let limit = err
        .downcast_ref::<TransferLimit>()
        .expect("a TransferLimit");
    assert_eq!(limit.limit, 100);
}

#[test]
fn a_function_of_other_types_is_refused_by_the_typecheck() {
    let echo = echo(SIGNATURES, Strings::Utf8);
    let mut wrong = echo.sig("text");
    wrong.params = echo.sig("people").params;
    let mut store = echo.store;
    let func = echo.instance.get_func(&mut store, "text").unwrap();
    let err = TypedExport::new(func, &store, &wrong).unwrap_err();
    assert!(format!("{err:#}").contains("parameters"), "{err:#}");
}
