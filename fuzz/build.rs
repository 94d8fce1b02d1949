//! Links libpython into the fuzz targets.
//!
//! echo_values embeds CPython, but the workspace builds pyo3 with its
//! `extension-module` feature, which leaves libpython unlinked (an extension
//! gets its symbols from the interpreter that loads it). So we ask the Python
//! that will run the targets where its shared library is, link it, and record
//! its directory as an rpath so the binary starts without LD_LIBRARY_PATH.
//! With `--as-needed` (rustc's default on Linux) load_bytes, which uses no
//! Python symbol, doesn't end up depending on it.

use std::process::Command;

/// What we need from `sysconfig`, one value a line.
const QUERY: &str = "import sysconfig as s; \
    print(s.get_config_var('LIBDIR')); \
    print(s.get_config_var('LDLIBRARY')); \
    print(s.get_config_var('VERSION') + (s.get_config_var('ABIFLAGS') or ''))";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=PYO3_PYTHON");
    // The same interpreter pyo3's own build script picks.
    let python = std::env::var("PYO3_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let out = Command::new(&python)
        .args(["-c", QUERY])
        .output()
        .unwrap_or_else(|e| panic!("running {python}: {e}"));
    assert!(
        out.status.success(),
        "{python} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("sysconfig printed UTF-8");
    let mut lines = text.lines();
    let (Some(libdir), Some(ldlibrary), Some(version)) = (lines.next(), lines.next(), lines.next())
    else {
        panic!("unexpected sysconfig output from {python}: {text:?}");
    };
    // A Python built without --enable-shared has only libpythonX.Y.a, which
    // would need its own dependencies spelled out; pyenv and distro Pythons
    // are shared, so that's all we support.
    assert!(
        ldlibrary.ends_with(".so") || ldlibrary.contains(".so."),
        "{python} has no shared libpython ({ldlibrary}); build it with --enable-shared"
    );
    println!("cargo:rustc-link-search=native={libdir}");
    println!("cargo:rustc-link-lib=dylib=python{version}");
    println!("cargo:rustc-link-arg=-Wl,-rpath,{libdir}");
}
