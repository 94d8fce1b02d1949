//! Arbitrary bytes through everything witbridge-core does to untrusted input
//! before wasmtime compiles it: telling artifacts, binaries and WAT apart,
//! assembling WAT, componentizing wit-bindgen core modules, decoding a
//! component's WIT world and printing it, the type model `witbridge bindgen`
//! is generated from, `witbridge inspect` and `witbridge wat`.
//!
//! Errors are expected: most inputs aren't wasm. Panics, hangs and huge
//! allocations are bugs. The entry points overlap (`world_of` is
//! `component_bytes` then `Description::decode`, `inspect` validates and
//! calls `world_of`), so their answers must agree, and the assertions below
//! check that: each is a small oracle for the others.
//!
//! Nothing is compiled with wasmtime here: it is fuzzed upstream, and it
//! would make each input a thousand times slower.

#![no_main]

use libfuzzer_sys::fuzz_target;
use wasmparser::Parser;
use witbridge_core::describe::{Description, Item};
use witbridge_core::inspect::{self, Kind};
use witbridge_core::load::{self, InputKind};
use witbridge_core::wit_parser::{Function, Resolve};
use witbridge_core::{artifact, type_model, wat_text, wit_text};

fuzz_target!(|data: &[u8]| {
    let artifact = artifact::is_artifact(data);

    // What `witbridge.load` does before it compiles.
    let component = load::component_bytes(data, None);
    if let Ok(bytes) = &component {
        assert!(!artifact, "an artifact was taken for wasm");
        assert!(
            Parser::is_component(bytes),
            "component_bytes returned a non-component"
        );
        if load::input_kind(data) == InputKind::Component {
            assert_eq!(bytes, data, "a component was not used as is");
        }
    }
    let decoded = component.as_deref().ok().map(Description::decode);

    // What `witbridge wit` and `witbridge bindgen` do: no compiling at all.
    let world = load::world_of(data);
    assert_eq!(
        world.is_ok(),
        matches!(decoded, Some(Ok(_))),
        "world_of disagrees with component_bytes + Description::decode: {:?}",
        world.as_ref().err()
    );
    if let Ok(desc) = &world {
        let text = check_world(desc);
        let Some(Ok(again)) = &decoded else {
            unreachable!()
        };
        assert_eq!(
            text,
            wit_text::world_text(&again.resolve, again.world).unwrap(),
            "decoding the same component twice gave two worlds"
        );
    }

    // `witbridge inspect`.
    let inspection = inspect::inspect(data);
    if let Ok(found) = &inspection {
        assert!(!artifact, "an artifact was inspected as wasm");
        assert_eq!(found.size, data.len());
        assert_eq!(found.text, load::input_kind(data) == InputKind::Other);
        match found.kind {
            // A plain core module has no world, and world_of says so.
            Kind::CoreModule => {
                assert_eq!(found.world, None);
                assert!(
                    world.is_err(),
                    "world_of found a world in a core module without WIT"
                );
            }
            // inspect got its world from world_of.
            Kind::Component | Kind::CoreModuleWithWit => {
                let desc = world
                    .as_ref()
                    .expect("inspect found a world world_of did not");
                assert_eq!(found.world.as_deref(), Some(desc.world().name.as_str()));
            }
        }
        if found.kind == Kind::Component {
            assert!(component.is_ok(), "a valid component was not loaded");
        }
    }

    // `witbridge wat`.
    let printed = wat_text::print(data);
    if artifact {
        assert!(printed.is_err(), "an artifact was printed as wasm");
    }
    if inspection.is_ok() {
        // inspect validated the binary, and every valid binary has a text
        // form, which must assemble again. (Not necessarily into the same
        // text: custom sections can move, as `(@producers)` does.)
        let text = printed.expect("a valid binary could not be printed");
        if let Err(e) = wat_text::print(text.as_bytes()) {
            panic!("the printed text does not assemble: {e}\n{text}");
        }
    }
});

/// Walks everything the Python layer and bindgen read from a decoded world,
/// checks what must hold, and returns the world's WIT text.
fn check_world(desc: &Description) -> String {
    let resolve = &desc.resolve;
    let text = wit_text::world_text(resolve, desc.world)
        .unwrap_or_else(|e| panic!("a decoded world has no WIT text: {e:#}"));
    // What `witbridge wit` prints must be WIT that parses again.
    let mut reparsed = Resolve::default();
    if let Err(e) = reparsed.push_str("fuzz.wit", &text) {
        panic!("the world's WIT text does not parse: {e:#}\n{text}");
    }

    for (_, item) in desc.imports().into_iter().chain(desc.exports()) {
        match item {
            Item::Interface { id, .. } => {
                for f in desc.interface_functions(id) {
                    check_function(desc, f);
                }
                for (_, ty) in desc.interface_types(id) {
                    wit_text::type_expr(resolve, &ty);
                    wit_text::structure(resolve, &ty);
                }
            }
            Item::Function(f) => check_function(desc, f),
        }
    }
    for (_, ty) in desc.world_types() {
        wit_text::structure(resolve, &ty);
    }

    // The model generated classes are matched against: every class type in
    // it must be found again by its key.
    let model = type_model::world_model(desc);
    let types = model["types"]
        .as_array()
        .expect("the model lists its types");
    for ty in types {
        if ty["kind"] == "alias" {
            continue;
        }
        let key = ty["key"].as_str().expect("a type has a key");
        let found = type_model::type_models(desc, &[key]);
        assert_eq!(
            &found[0], ty,
            "type_models disagrees with world_model on {key}"
        );
    }
    text
}

fn check_function(desc: &Description, f: &Function) {
    let resolve = &desc.resolve;
    wit_text::signature(resolve, f);
    wit_text::func_structure(resolve, f);
    if let Some(resource) = f.kind.resource() {
        desc.is_exported_resource(resource);
        desc.type_name(resource);
    }
}
