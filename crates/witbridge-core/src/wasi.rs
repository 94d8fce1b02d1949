//! Which WASI interfaces the host provides.
//!
//! witbridge links WASI preview 2 from `wasmtime-wasi`, which implements the
//! `wasi:*@0.2.x` interfaces below. Knowing the list up front lets a
//! `LinkError` name every WASI import the host can't satisfy (say
//! `wasi:http/types`), instead of wasmtime's first failure.

/// `package/interface` names of the WASI 0.2 interfaces `wasmtime-wasi`'s
/// synchronous preview 2 linker defines.
pub const PROVIDED: &[&str] = &[
    "wasi:cli/environment",
    "wasi:cli/exit",
    "wasi:cli/stdin",
    "wasi:cli/stdout",
    "wasi:cli/stderr",
    "wasi:cli/terminal-input",
    "wasi:cli/terminal-output",
    "wasi:cli/terminal-stdin",
    "wasi:cli/terminal-stdout",
    "wasi:cli/terminal-stderr",
    "wasi:clocks/monotonic-clock",
    "wasi:clocks/wall-clock",
    "wasi:filesystem/types",
    "wasi:filesystem/preopens",
    "wasi:io/error",
    "wasi:io/poll",
    "wasi:io/streams",
    "wasi:random/insecure-seed",
    "wasi:random/insecure",
    "wasi:random/random",
    "wasi:sockets/network",
    "wasi:sockets/instance-network",
    "wasi:sockets/ip-name-lookup",
    "wasi:sockets/tcp",
    "wasi:sockets/tcp-create-socket",
    "wasi:sockets/udp",
    "wasi:sockets/udp-create-socket",
];

/// Whether `import` (a full WIT name such as `wasi:io/streams@0.2.3`) is a
/// WASI interface at all, provided or not.
pub fn is_wasi(import: &str) -> bool {
    import.starts_with("wasi:")
}

/// Whether the host's WASI implements `import`: one of [`PROVIDED`] at a
/// 0.2 version (wasmtime matches any 0.2.x import to its own 0.2 release).
pub fn is_provided(import: &str) -> bool {
    let (name, version) = import.split_once('@').unwrap_or((import, ""));
    PROVIDED.contains(&name) && version.starts_with("0.2.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_of_preview_2_only() {
        assert!(is_provided("wasi:io/streams@0.2.0"));
        assert!(is_provided("wasi:cli/environment@0.2.6"));
        assert!(!is_provided("wasi:io/streams@0.3.0"));
        assert!(!is_provided("wasi:io/streams"));
        assert!(!is_provided("wasi:http/types@0.2.0"));
        assert!(is_wasi("wasi:http/types@0.2.0"));
        assert!(!is_wasi("xyz:machine/machine-interface"));
    }
}
