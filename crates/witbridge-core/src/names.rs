//! How WIT names become Python names (DESIGN.md §2).
//!
//! WIT identifiers are kebab-case words of lowercase letters and digits (or
//! all-uppercase words), optionally escaped with a leading `%` when they
//! collide with a WIT keyword. Python wants snake_case for functions, fields
//! and parameters, PascalCase for classes and UPPER_SNAKE for enum and flag
//! members.

/// Python's keywords and soft keywords: a name equal to one of these gets a
/// trailing underscore (`type` -> `type_`, `from` -> `from_`). So does `mro`,
/// the one attribute every class has from its metaclass: a dataclass field of
/// that name would silently take `type.mro` as its default.
const RESERVED: &[&str] = &[
    "mro", "False", "None", "True", "and", "as", "assert", "async", "await", "break", "case",
    "class", "continue", "def", "del", "elif", "else", "except", "finally", "for", "from",
    "global", "if", "import", "in", "is", "lambda", "match", "nonlocal", "not", "or", "pass",
    "raise", "return", "try", "type", "while", "with", "yield",
];

fn words(wit_name: &str) -> impl Iterator<Item = &str> {
    wit_name
        .trim_start_matches('%')
        .split('-')
        .filter(|w| !w.is_empty())
}

fn escape(name: String) -> String {
    if RESERVED.contains(&name.as_str()) {
        name + "_"
    } else {
        name
    }
}

/// A function's full WIT name: `iface#name`, or `name` at the root.
pub fn qualified(interface: Option<&str>, name: &str) -> String {
    match interface {
        Some(iface) => format!("{iface}#{name}"),
        None => name.to_owned(),
    }
}

/// `count-symbols` -> `count_symbols`; `type` -> `type_`.
pub fn snake(wit_name: &str) -> String {
    escape(
        words(wit_name)
            .map(str::to_lowercase)
            .collect::<Vec<_>>()
            .join("_"),
    )
}

/// `run-result` -> `RunResult`.
pub fn pascal(wit_name: &str) -> String {
    words(wit_name)
        .map(|word| {
            let lower = word.to_lowercase();
            let mut chars = lower.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect()
}

/// `light-yellow` -> `LIGHT_YELLOW`.
pub fn upper(wit_name: &str) -> String {
    words(wit_name)
        .map(str::to_uppercase)
        .collect::<Vec<_>>()
        .join("_")
}

/// The short name of an interface for attribute access:
/// `xyz:machine/machine-interface@1.0.0` -> `machine_interface`.
pub fn interface_attr(full_name: &str) -> String {
    let without_version = full_name.split('@').next().unwrap_or(full_name);
    let short = without_version
        .rsplit('/')
        .next()
        .unwrap_or(without_version);
    let short = short.rsplit(':').next().unwrap_or(short);
    snake(short)
}

/// Whether a name given to `Linker.define` serves an import of the
/// component.
///
/// Follows wasmtime's semver rules: an unversioned name matches every version
/// of the interface; versioned names match when they are compatible (the
/// same major version from 1.0 on, the same `0.minor` before 1.0, the exact
/// version for `0.0.x` and pre-releases).
pub fn import_matches(defined: &str, imported: &str) -> bool {
    let (defined_base, defined_version) = split_version(defined);
    let (imported_base, imported_version) = split_version(imported);
    if defined_base != imported_base {
        return false;
    }
    match (defined_version, imported_version) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(d), Some(i)) => {
            d == i || compatibility_track(d).is_some_and(|t| compatibility_track(i) == Some(t))
        }
    }
}

fn split_version(name: &str) -> (&str, Option<&str>) {
    match name.split_once('@') {
        Some((base, version)) => (base, Some(version)),
        None => (name, None),
    }
}

/// The part of a semver version that compatible versions share, or `None`
/// when only the exact version is compatible.
fn compatibility_track(version: &str) -> Option<(u64, u64)> {
    let mut parts = version.split('.');
    let major: u64 = parts.next()?.parse().ok()?;
    let minor: u64 = parts.next()?.parse().ok()?;
    let patch = parts.next()?;
    if parts.next().is_some() || patch.parse::<u64>().is_err() {
        return None; // pre-release or build metadata: exact matches only
    }
    match (major, minor) {
        (0, 0) => None,
        (0, minor) => Some((0, minor)),
        (major, _) => Some((major, 0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualifies_function_names() {
        assert_eq!(
            qualified(Some("xyz:machine/machine-interface"), "count-symbols"),
            "xyz:machine/machine-interface#count-symbols"
        );
        assert_eq!(qualified(None, "greet"), "greet");
    }

    #[test]
    fn converts_case() {
        assert_eq!(snake("count-symbols"), "count_symbols");
        assert_eq!(snake("get-u32"), "get_u32");
        assert_eq!(snake("%type"), "type_");
        assert_eq!(snake("class"), "class_");
        assert_eq!(snake("mro"), "mro_");
        assert_eq!(snake("HTTP-request"), "http_request");
        assert_eq!(pascal("run-result"), "RunResult");
        assert_eq!(pascal("HTTP-request"), "HttpRequest");
        assert_eq!(pascal("%type"), "Type");
        assert_eq!(upper("light-yellow"), "LIGHT_YELLOW");
    }

    #[test]
    fn interface_attributes_drop_package_and_version() {
        assert_eq!(
            interface_attr("xyz:machine/machine-interface"),
            "machine_interface"
        );
        assert_eq!(interface_attr("wasi:http/types@0.2.0"), "types");
        assert_eq!(interface_attr("local-thing"), "local_thing");
    }

    #[test]
    fn import_names_match_by_semver() {
        assert!(import_matches("eval:x/host", "eval:x/host@0.1.0"));
        assert!(import_matches("eval:x/host@0.1.0", "eval:x/host@0.1.0"));
        assert!(import_matches("eval:x/host@0.1.0", "eval:x/host@0.1.3"));
        assert!(!import_matches("eval:x/host@0.1.0", "eval:x/host@0.2.0"));
        assert!(import_matches("wasi:io/poll@1.2.0", "wasi:io/poll@1.0.1"));
        assert!(!import_matches("wasi:io/poll@1.2.0", "wasi:io/poll@2.0.0"));
        assert!(!import_matches("t:p/i@0.0.1", "t:p/i@0.0.2"));
        assert!(!import_matches("t:p/i@1.0.0-rc1", "t:p/i@1.0.0"));
        assert!(!import_matches("eval:x/host@0.1.0", "eval:x/host"));
        assert!(!import_matches("eval:x/other", "eval:x/host"));
        assert!(import_matches("tick", "tick"));
    }
}
