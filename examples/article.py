"""The article's example through witbridge.

The article *WebAssembly interaction with a Python Host* calls a Rust guest,
built with wit-bindgen, from Python through wasmtime-py's core API. The
guest exports the WIT interface `xyz:machine/machine-interface` (get-u32,
get-str, get-vec, run, count-symbols) as a core module, and the article's
host does the canonical ABI by hand: it finds each function by its mangled
export name (`xyz:machine/machine-interface#get-str`), writes a string
argument into memory it allocates with the guest's `cabi_realloc`, reads
string and list results with `struct.unpack` of the (ptr, len) pair a result
points to, and calls `cabi_post_*` to free them. docs/getting-started.md
shows that code; here is the same program with witbridge, printing the
article's results line by line.

Run it from the repository root: `python examples/article.py`.
"""

from pathlib import Path

import witbridge

WASM = Path(__file__).resolve().parent.parent / "fixtures" / "wasm" / "wasm_intro.wasm"

app = witbridge.load(WASM)  # the article's core module, componentized on load
mi = app.machine_interface

print(mi.get_u32())  # 123
print(mi.get_str())  # simple string to return
print(list(mi.get_vec()))  # [5, 4, 3, 2, 1, 10]
print(mi.count_symbols("string with symbols (~25)"))  # 25

result = mi.run(7, mi.Point(x=1, y=2), {"x": 3, "y": 4})
print(result.machine_id, result.message)  # 1 machine 7 run from Point { x: 1, y: 2 } to Point { x: 3, y: 4 }
