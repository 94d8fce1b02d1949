"""``witbridge inspect FILE [--json]``: what a component or core module holds."""

from __future__ import annotations

import argparse
import json
from typing import Any

import witbridge
from witbridge import _native

from ._common import EXIT_OK, HELP_FORMAT, UsageError, fail, read_input, write_stdout

KINDS = {
    "component": "component",
    "core-module-with-wit": "core module with WIT (a component-type section)",
    "core-module": "core module without WIT",
}


def add_parser(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "inspect",
        help="show what a component or core module holds",
        description="Show the kind of a WebAssembly file, its size, its imports and exports with their WIT "
        "signatures, the core modules inside it, their memories, and the toolchains that made it (the "
        "`producers` sections). Nothing is compiled.",
        epilog="examples:\n"
        "  witbridge inspect fixtures/wasm/wasi_cli.component.wasm\n"
        "  witbridge inspect --json fixtures/wasm/wasm_intro.wasm | jq '.exports[].name'\n"
        "\n"
        "--json prints one object: file, kind (component | core-module-with-wit | core-module), text\n"
        "(whether the file is WAT), size, world (null without WIT), imports and exports (each with\n"
        "name, kind, signature and, for an interface, functions: name, resource, signature), modules\n"
        "(index, size, imports, exports), memories (module, imported, initial, maximum, memory64,\n"
        "shared, page_size), producers (module, null for a component's own, and fields) and adapter\n"
        "(for a wasm32-wasip1 core module, the WASI preview 1 adapter that loading it applies; else null).",
        formatter_class=HELP_FORMAT,
    )
    parser.add_argument("file", help="a component or core module (.wasm), or WAT text")
    parser.add_argument("--json", action="store_true", help="print a JSON document instead of text")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Prints what the file holds; exit code 0, or 2 for input that isn't wasm."""
    try:
        found = _native._inspect(read_input(args.file))
    except (UsageError, witbridge.CompileError) as e:
        return fail("inspect", e)
    document = {"file": args.file, **found}
    write_stdout(json.dumps(document, indent=2, ensure_ascii=False) if args.json else render(document))
    return EXIT_OK


def render(doc: dict[str, Any]) -> str:
    """The report for humans."""
    kind = KINDS.get(doc["kind"], doc["kind"])
    lines = [
        f"file:     {doc['file']}",
        f"kind:     {kind}{', as WAT text' if doc['text'] else ''}",
        f"size:     {doc['size']} bytes",
    ]
    if doc["world"] is not None:
        lines.append(f"world:    {doc['world']}")
    if doc["adapter"] is not None:
        lines.append(f"adapter:  {doc['adapter']}, applied when witbridge loads it")
    for title in ("imports", "exports"):
        entries = doc[title]
        lines.append(f"{title}:{'  none' if not entries else ''}")
        for entry in entries:
            if entry["kind"] == "interface":
                lines.append(f"  interface {entry['name']}")
                lines.extend(f"    {_function(f)}" for f in entry["functions"])
            elif entry["kind"] == "function":
                lines.append(f"  {entry['signature']}")
            else:
                lines.append(f"  {entry['name']}: {entry['signature']}")
    lines.append(f"core modules:{'  none' if not doc['modules'] else ''}")
    for module in doc["modules"]:
        lines.append(
            f"  module {module['index']}: {module['size']} bytes, "
            f"{_count(module['imports'], 'import')}, {_count(module['exports'], 'export')}"
        )
    lines.append(f"memories:{'  none' if not doc['memories'] else ''}")
    for memory in doc["memories"]:
        lines.append(f"  module {memory['module']}: {_memory(memory)}")
    lines.append(f"producers:{'  none' if not doc['producers'] else ''}")
    for section in doc["producers"]:
        owner = "component" if section["module"] is None else f"module {section['module']}"
        fields = "; ".join(
            f"{name} " + ", ".join(f"{v['name']} {v['version']}".strip() for v in values)
            for name, values in section["fields"].items()
        )
        lines.append(f"  {owner}: {fields}")
    return "\n".join(lines)


def _function(function: dict[str, Any]) -> str:
    """``count-symbols: func(s: string) -> u32``; ``counter.add: func(...)`` for a resource's."""
    resource = function["resource"]
    return f"{resource}.{function['signature']}" if resource else str(function["signature"])


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _memory(memory: dict[str, Any]) -> str:
    page = memory["page_size"]
    size = f"{_count(memory['initial'], 'page')}"
    size += f", at most {memory['maximum']}" if memory["maximum"] is not None else ", no maximum"
    traits = [
        "imported" if memory["imported"] else "defined",
        "64-bit" if memory["memory64"] else "32-bit",
    ]
    if memory["shared"]:
        traits.append("shared")
    if page != 65536:
        traits.append(f"{page}-byte pages")
    return f"{size} ({', '.join(traits)})"
