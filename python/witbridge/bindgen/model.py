"""The world a module is generated for: the native type model, as dataclasses.

The model comes from the engine (``witbridge_core::type_model``), which reads
the WIT with wit-parser and names everything the way the runtime does, so
nothing here parses WIT or converts names. A type reference stays in the
model's JSON form (:data:`TypeRef`): a primitive's WIT name such as ``"u32"``,
or a one-key dict such as ``{"ref": KEY}``, ``{"list": T}``, ``{"option": T}``,
``{"result": {"ok": T, "err": T}}``, ``{"tuple": [T, ...]}``, ``{"own": KEY}``,
``{"borrow": KEY}`` or ``{"unsupported": KIND}``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import _native

TypeRef = str | dict[str, Any]


@dataclass(frozen=True)
class Param:
    """A function parameter: WIT name, Python name, type."""

    name: str
    py: str
    type: TypeRef


@dataclass(frozen=True)
class Function:
    """A WIT function: freestanding, or a constructor, method or static function of a resource."""

    name: str
    py: str
    kind: str
    resource: str | None
    params: list[Param]
    result: TypeRef | None
    docs: str | None
    wit: str

    @property
    def callable(self) -> bool:
        """Whether witbridge can call it (async functions it can't yet)."""
        return not self.kind.startswith("async")


@dataclass(frozen=True)
class LocalType:
    """A named type as an interface (or the world) has it: its WIT name there, its Python name there (which a
    renaming ``use a.{b as c}`` makes ``C``, not the type's own ``B``), and the type."""

    name: str
    cls: str
    type: TypeRef


@dataclass(frozen=True)
class Interface:
    """An imported or exported interface."""

    name: str
    attr: str
    docs: str | None
    wasi: bool
    types: list[LocalType]
    functions: list[Function]

    @property
    def freestanding(self) -> list[Function]:
        """The functions that are not part of a resource, as the namespace has them."""
        return [f for f in self.functions if f.kind == "freestanding"]


@dataclass(frozen=True)
class RootFunction:
    """A function imported or exported at the root of the world."""

    name: str
    attr: str
    function: Function


Item = Interface | RootFunction


@dataclass(frozen=True)
class Field:
    """A record field, a variant case, an enum case or a flag."""

    name: str
    py: str
    type: TypeRef | None
    docs: str | None
    cls: str = ""


@dataclass(frozen=True)
class TypeDef:
    """A named type: record, variant, enum, flags, resource, or an alias of another type."""

    key: str
    owner: str
    name: str
    cls: str
    kind: str
    docs: str | None
    members: list[Field] = field(default_factory=list)
    exported: bool = False
    target: TypeRef | None = None


@dataclass(frozen=True)
class World:
    """A world: its imports, exports and every named type they refer to (by key, in dependency order)."""

    name: str
    package: str | None
    docs: str | None
    imports: list[Item]
    exports: list[Item]
    types: dict[str, TypeDef]
    world_types: list[LocalType]

    def unalias(self, ref: TypeRef) -> TypeRef:
        """What ``ref`` stands for once aliases are followed (as the runtime's converters see it)."""
        while isinstance(ref, dict) and "ref" in ref:
            definition = self.types[ref["ref"]]
            if definition.kind != "alias" or definition.target is None:
                break
            ref = definition.target
        return ref

    def resource_of(self, ref: TypeRef) -> str | None:
        """The key of the resource that a handle or a name refers to, through aliases (``use a.{file as f}``)."""
        while isinstance(ref, dict) and len(ref) == 1:
            ((kind, inner),) = ref.items()
            definition = self.types.get(inner) if kind in ("ref", "own", "borrow") else None
            if definition is None:
                return None
            if definition.kind == "resource":
                return definition.key
            if definition.kind != "alias" or definition.target is None:
                return None
            ref = definition.target
        return None


def _function(data: dict[str, Any]) -> Function:
    return Function(
        name=data["name"],
        py=data["py"],
        kind=data["kind"],
        resource=data["resource"],
        params=[Param(p["name"], p["py"], p["type"]) for p in data["params"]],
        result=data["result"],
        docs=data["docs"],
        wit=data["wit"],
    )


def _item(data: dict[str, Any]) -> Item:
    if data["kind"] == "function":
        return RootFunction(data["name"], data["attr"], _function(data["function"]))
    return Interface(
        name=data["name"],
        attr=data["attr"],
        docs=data["docs"],
        wasi=data["wasi"],
        types=[LocalType(t["name"], t["class"], t["type"]) for t in data["types"]],
        functions=[_function(f) for f in data["functions"]],
    )


def typedef(data: dict[str, Any]) -> TypeDef:
    """A :class:`TypeDef` of the native model's JSON form."""
    kind = data["kind"]
    members: list[Field] = []
    if kind == "record":
        members = [Field(f["name"], f["py"], f["type"], f["docs"]) for f in data["fields"]]
    elif kind == "variant":
        members = [Field(c["name"], c["attr"], c["type"], c["docs"], c["class"]) for c in data["cases"]]
    elif kind == "enum":
        members = [Field(c["name"], c["py"], None, c["docs"]) for c in data["cases"]]
    elif kind == "flags":
        members = [Field(f["name"], f["py"], None, f["docs"]) for f in data["flags"]]
    return TypeDef(
        key=data["key"],
        owner=data["owner"],
        name=data["name"],
        cls=data["class"],
        kind=kind,
        docs=data["docs"],
        members=members,
        exported=bool(data.get("exported", False)),
        target=data.get("target"),
    )


def from_json(text: str) -> World:
    """The :class:`World` of the native model's JSON text."""
    data = json.loads(text)
    return World(
        name=data["name"],
        package=data["package"],
        docs=data["docs"],
        imports=[_item(i) for i in data["imports"]],
        exports=[_item(e) for e in data["exports"]],
        types={t["key"]: typedef(t) for t in data["types"]},
        world_types=[LocalType(t["name"], t["class"], t["type"]) for t in data["world_types"]],
    )


def is_wit(path: Path) -> bool:
    """Whether ``path`` is WIT (a directory or a ``.wit`` file) rather than wasm or WAT."""
    return path.is_dir() or path.suffix == ".wit"


def read(source: str | os.PathLike[str], world: str | None = None) -> World:
    """The world of ``source``: a WIT directory or file (with ``world``, unless its package has one world), or a
    component, WAT text or core module with embedded WIT.

    Raises ``OSError`` when it can't be read and ``witbridge.CompileError`` when it isn't valid.
    """
    path = Path(source)
    if is_wit(path):
        return from_json(_native._wit_model(path, world))
    if world is not None:
        raise ValueError(f"{path}: --world selects a world of WIT files; a component has exactly one")
    return from_json(_native._world_model(path.read_bytes()))
