"""The article's example through witbridge.

The article (shared/seed) calls a wit-bindgen guest from Python with about
sixty lines of pointer arithmetic: mangled export names, `cabi_realloc`,
`struct.unpack` of (ptr, len) pairs, `cabi_post_*`. Here is the same program
with witbridge, printing the article's results line by line.

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
