"""Writing a typed module for a world (see the package docs for what it holds and why).

The module is written in one pass over the model, in this order: the named
types (dataclasses, enums, flags, variant cases, resource classes, and
Protocols for the resources the host implements), the Protocols of the
imported interfaces and the dataclass gathering every import, the Protocols
of the exported interfaces, and last the class named after the world, which
loads, links and wraps an instance. Imports at the top are only those the
body uses, so the module is clean for linters whatever the world holds.
"""

from __future__ import annotations

import contextlib
import keyword
from collections.abc import Iterator

from .. import _native
from . import names as _names
from .annotate import Annotator, Direction
from .model import Function, Interface, Item, RootFunction, TypeDef, TypeRef, World
from .source import INDENT, LINE_LENGTH, bracketed, docstring, join_docs, noqa
from .variance import Variance, host_function, variances

# What the world class has besides the exports.
_WORLD_CLASS_MEMBERS = frozenset({"instance", "load", "compile", "bind"})

_VARIANCE_ARGUMENTS = {
    Variance.COVARIANT: ["covariant=True"],
    Variance.CONTRAVARIANT: ["contravariant=True"],
    Variance.INVARIANT: [],
}
# The names the module may import from typing, in isort's order.
_TYPING = ("TYPE_CHECKING", "Any", "ClassVar", "Generic", "Protocol", "Self", "TypeAlias", "TypeVar", "cast")


def module(world: World, *, class_name: str, source_name: str, numeric_lists: str = "list") -> str:
    """The text of the typed module for ``world``; its main class is ``class_name``.

    ``source_name`` (the file or directory it was made from) goes into the
    module docstring; ``numeric_lists`` is the mode its instances give lists
    of numbers back in (see :mod:`.annotate`).
    """
    return _Writer(world, class_name, source_name, numeric_lists).write()


def _mentions(ref: TypeRef) -> Iterator[str]:
    """The keys of the named types ``ref`` refers to directly."""
    if isinstance(ref, str):
        return
    ((kind, inner),) = ref.items()
    if kind in ("ref", "own", "borrow"):
        yield inner
    elif kind in ("list", "option"):
        yield from _mentions(inner)
    elif kind == "tuple":
        for item in inner:
            yield from _mentions(item)
    elif kind == "result":
        for case in (inner["ok"], inner["err"]):
            if case is not None:
                yield from _mentions(case)


def _call_lines(head: str, args: list[str]) -> list[str]:
    """A top-level call as ruff formats it: on one line, else its arguments on one line of their own, else one
    argument a line."""
    inner = ", ".join(args)
    if len(head) + len(inner) + 1 <= LINE_LENGTH:
        return [f"{head}{inner})"]
    if len(INDENT) + len(inner) <= LINE_LENGTH:
        return [head, f"{INDENT}{inner}", ")"]
    return bracketed(head, args, ")", "")


def _layers(classes: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """(attribute, class) pairs in Protocol bodies where no annotation names an attribute declared before it.

    The attributes that other annotations name go last, which is all that an interface's renames need
    (`OtherPoint: type[Point]`, then `Point: type[OpsPoint]`); whatever still clashes (two types whose names a
    `use` swaps) goes to a further body.
    """
    named = {cls for attr, cls in classes if attr != cls}
    ordered = sorted(classes, key=lambda pair: pair[0] in named)
    layers: list[list[tuple[str, str]]] = []
    for attr, cls in ordered:
        layer = next((layer for layer in layers if all(cls != earlier for earlier, _ in layer)), None)
        if layer is None:
            layers.append(layer := [])
        layer.append((attr, cls))
    return layers


def _function_refs(f: Function) -> list[TypeRef]:
    refs = [p.type for p in f.params]
    return [*refs, f.result] if f.result is not None else refs


class _Writer:
    def __init__(self, world: World, class_name: str, source_name: str, numeric_lists: str) -> None:
        self.world = world
        self.source_name = source_name
        # WASI that witbridge provides needs no implementation, so no Protocol.
        self.imports = [i for i in world.imports if not (isinstance(i, Interface) and i.wasi)]
        self.exports = list(world.exports)
        self.interfaces = {i.name: i for i in [*world.imports, *world.exports] if isinstance(i, Interface)}
        self.types = self._reachable()
        self.scope = _names.Scope(_names.MODULE_RESERVED)
        self.names: dict[str, str] = {}
        self.case_names: dict[str, list[str]] = {}
        self.class_protocols: dict[str, str] = {}
        # Resources of an interface that is both imported and exported share one WIT type (and model key) for
        # two resources, the host's and the guest's; the host's gets names of its own, used on the import side.
        imported = {i.name for i in self.imports if isinstance(i, Interface)}
        self.both_sides = {t.key for t in self.types if t.kind == "resource" and t.exported and t.owner in imported}
        self.import_names: dict[str, str] = {}
        # The host's resources, and per resource the type variables (one per variance) of the Protocols that are
        # generic over the class implementing it, so that `sibling(of: MemFile)` satisfies them (see .variance).
        self.host_resources = [
            t.key for t in self.types if t.kind == "resource" and (not t.exported or t.key in self.both_sides)
        ]
        self.type_vars: dict[str, dict[Variance, str]] = {}
        self.used_type_vars: dict[tuple[str, Variance], None] = {}
        self.type_vars_at: int | None = None
        self.protocol_params: dict[str, list[str]] = {}  # generic Protocol -> the resource keys it is generic over
        self.imports_generic = 0  # how many type variables the imports dataclass has
        self._name_types()
        self.class_name = self.scope.claim(class_name)
        self.import_fields = self._import_fields()
        self.imports_name = self.scope.claim(f"{class_name}Imports") if self.import_fields else None
        self.protocols = {
            id(item): self.scope.claim(_names.pascal(item.attr), _names.pascal(item.attr) + "Interface")
            for item in [*self.exports, *self.imports]
            if isinstance(item, Interface)
        }
        self.annotate = Annotator(world, self.names, numeric_lists)
        self.uses: set[str] = set()
        self.bound: list[str] = []
        self.lines: list[str] = []

    # --- what to write ---------------------------------------------------------------------------

    def _reachable(self) -> list[TypeDef]:
        """The named types of the kept imports and exports, and every type they refer to, in model order."""
        pending: list[TypeRef] = [t.type for t in self.world.world_types]
        for item in [*self.imports, *self.exports]:
            if isinstance(item, Interface):
                pending += [t.type for t in item.types]
                for f in item.functions:
                    pending += _function_refs(f)
            else:
                pending += _function_refs(item.function)
        keys: set[str] = set()
        while pending:
            for key in _mentions(pending.pop()):
                if key in keys or key not in self.world.types:
                    continue
                keys.add(key)
                definition = self.world.types[key]
                pending += [m.type for m in definition.members if m.type is not None]
                if definition.target is not None:
                    pending.append(definition.target)
                if definition.kind == "resource" and definition.owner in self.interfaces:
                    for f in self.interfaces[definition.owner].functions:
                        if f.resource == key:
                            pending += _function_refs(f)
        return [t for t in self.world.types.values() if t.key in keys]

    def _owner_prefix(self, definition: TypeDef) -> str:
        owner = self.interfaces.get(definition.owner)
        return _names.pascal(owner.attr if owner else definition.owner) or "World"

    def _name_types(self) -> None:
        for t in self.types:
            prefixed = self._owner_prefix(t) + t.cls
            self.names[t.key] = self.scope.claim(t.cls, prefixed)
            if t.kind == "variant":
                base = self.names[t.key]
                self.case_names[t.key] = [self.scope.claim(case.cls, base + case.py) for case in t.members]
            if t.kind == "resource" and not t.exported:
                self.class_protocols[t.key] = self.scope.claim(f"{t.cls}Class", f"{prefixed}Class")
            if t.key in self.both_sides:
                self.import_names[t.key] = self.scope.claim(f"Imported{t.cls}", f"Imported{prefixed}")
                self.class_protocols[t.key] = self.scope.claim(f"Imported{t.cls}Class", f"Imported{prefixed}Class")
            if t.kind == "resource" and (not t.exported or t.key in self.both_sides):
                side = "Imported" if t.key in self.both_sides else ""
                self.type_vars[t.key] = {
                    v: self.scope.claim(f"_{side}{t.cls}T{v.suffix}", f"_{side}{prefixed}T{v.suffix}") for v in Variance
                }

    @contextlib.contextmanager
    def import_side(self) -> Iterator[None]:
        """Annotations name the host's resources where one WIT type stands for the host's and the guest's."""
        saved = {key: self.names[key] for key in self.import_names}
        self.names.update(self.import_names)
        try:
            yield
        finally:
            self.names.update(saved)

    @contextlib.contextmanager
    def resources_as(self, names: dict[str, str]) -> Iterator[None]:
        """Annotations name the given resources (by key) as ``names`` says: type variables, or ``Self``."""
        saved = self.annotate.resources
        self.annotate.resources = {**saved, **names}
        try:
            yield
        finally:
            self.annotate.resources = saved

    def generic(self, functions: list[Function]) -> dict[str, str]:
        """The type variables, by resource key, of a Protocol of functions the host implements: one per host
        resource the functions mention, with the variance the mentions give it."""
        found = variances(f for fn in functions for f in host_function(self.world, fn, set(self.host_resources)))
        chosen = {}
        for key, variance in found.items():
            self.used_type_vars[(key, variance)] = None
            chosen[key] = self.type_vars[key][variance]
        return chosen

    def invariant(self, keys: list[str]) -> dict[str, str]:
        """The invariant type variables of ``keys``, for the imports dataclass (in the module's order of types)."""
        chosen = {}
        for key in self.host_resources:
            if key in keys:
                self.used_type_vars[(key, Variance.INVARIANT)] = None
                chosen[key] = self.type_vars[key][Variance.INVARIANT]
        return chosen

    def protocol_bases(self, type_vars: dict[str, str]) -> str:
        if not type_vars:
            return "Protocol"
        return f"Protocol[{', '.join(type_vars.values())}]"

    def _import_fields(self) -> list[tuple[str, str, Item | TypeDef]]:
        """(field name, what it implements, the item or resource) for the imports dataclass."""
        scope = _names.Scope({"define"})
        fields: list[tuple[str, str, Item | TypeDef]] = []
        for t in self.types:
            # A resource declared at the root of the world: `imports={"name": cls}`.
            if t.kind == "resource" and t.owner == "" and not t.exported:
                fields.append((scope.claim(_native.snake_name(t.name)), "", t))
        for item in self.imports:
            if isinstance(item, RootFunction):
                # A root resource's constructor, methods and static functions are its class's.
                if item.function.kind == "freestanding":
                    fields.append((scope.claim(item.attr), item.name, item))
                continue
            if any(f.callable for f in item.freestanding):
                fields.append((scope.claim(item.attr), item.name, item))
            for t in self.types:
                if t.kind == "resource" and t.owner == item.name:
                    snake = _native.snake_name(t.name)
                    fields.append((scope.claim(snake, f"{item.attr}_{snake}"), item.name, t))
        return fields

    # --- output helpers ------------------------------------------------------------------------------

    def emit(self, *lines: str) -> None:
        self.lines.extend(lines)

    def top_level(self) -> None:
        """Two blank lines before a top-level statement, as PEP 8 asks."""
        while self.lines and not self.lines[-1]:
            self.lines.pop()
        if self.lines:
            self.emit("", "")

    def doc(self, text: str, indent: str) -> None:
        self.emit(*docstring(text, indent))

    def ann(self, ref: TypeRef, direction: Direction) -> str:
        return self.annotate(ref, direction)

    # --- the module ------------------------------------------------------------------------------------

    def write(self) -> str:
        for t in self.types:
            self.write_type(t)
        with self.import_side():
            for item in self.imports:
                if isinstance(item, Interface) and any(f.callable for f in item.freestanding):
                    self.write_import_protocol(item)
            if self.imports_name:
                self.write_imports_class()
        for item in self.exports:
            if isinstance(item, Interface):
                self.write_export_protocol(item)
        callbacks = {id(item): self.write_callback(item) for item in self.exports if isinstance(item, RootFunction)}
        self.write_world_class(callbacks)
        self.top_level()
        self.emit(*bracketed("_CLASSES: tuple[type, ...] = (", self.bound, ")", ""))
        if len(self.bound) == 1:
            self.lines[-1] = f"_CLASSES: tuple[type, ...] = ({self.bound[0]},)"
        self.write_type_vars()
        self.uses.update(self.annotate.uses)
        if self.uses & {"numpy", "Buffer"}:
            self.uses.add("TYPE_CHECKING")
        body = self.lines
        self.lines = []
        self.write_header()
        # isort's spacing: two blank lines before a definition, one before anything else.
        gap = ["", ""] if body[0].startswith(("class ", "@", "def ")) else [""]
        return "\n".join([*self.lines, *gap, *body]) + "\n"

    def write_type_vars(self) -> None:
        """The type variables the generic Protocols use, before the first host resource's Protocol."""
        if not self.used_type_vars or self.type_vars_at is None:
            return
        self.uses.add("TypeVar")
        lines = []
        for key in self.host_resources:
            bound = self.import_names.get(key, self.names[key])
            for variance in Variance:
                if (key, variance) in self.used_type_vars:
                    name = self.type_vars[key][variance]
                    args = [f'"{name}"', f'bound="{bound}"', *_VARIANCE_ARGUMENTS[variance]]
                    lines += _call_lines(f"{name} = TypeVar(", args)
        self.lines[self.type_vars_at : self.type_vars_at] = [*lines, "", ""]

    def write_header(self) -> None:
        world = self.world
        if world.name == "root" and world.package == "root:component":
            title = f"Typed bindings for the world of {self.source_name}"
        else:
            package = f" ({world.package})" if world.package else ""
            title = f"Typed bindings for the WIT world `{world.name}`{package}"
        example = [f'    app = {self.class_name}.load("path.wasm"']
        if self.imports_name:
            example[0] += f", imports={self.imports_name}(...)"
        example[0] += ")"
        self.emit(
            *docstring(
                join_docs(
                    f"{title}.",
                    f"Written by `witbridge bindgen` from {self.source_name}; regenerate it rather than editing it."
                    + self.mode_note(),
                    "\n".join(example),
                    "The classes here are the ones the runtime uses: the component is bound to them before it is "
                    "instantiated (`bind()`), so its records are these dataclasses, its enums these enums, and its "
                    "functions are witbridge's own, typed by the Protocols below. Implement the imports with objects "
                    "that satisfy the import Protocols.",
                    world.docs,
                ),
                "",
            ),
            "",
            "from __future__ import annotations",
            "",
        )
        stdlib = []
        if "array" in self.uses:
            stdlib.append("import array as _array")
        if "dataclasses" in self.uses:
            stdlib.append("import dataclasses")
        if "enum" in self.uses:
            stdlib.append("import enum")
        if "os" in self.uses:
            stdlib.append("import os")
        abc = sorted(n for n in ("Callable", "Mapping", "Sequence") if n in self.uses)
        if abc:
            stdlib.append(f"from collections.abc import {', '.join(abc)}")
        typing = sorted(
            (n for n in _TYPING if n in self.uses),
            key=lambda n: (not n.isupper(), n[:1].islower(), n),
        )
        if typing:
            lines = bracketed("from typing import ", typing, "", "")
            # Too long for a line, ruff's layout puts the names in parentheses, one a line.
            stdlib += lines if len(lines) == 1 else ["from typing import (", *lines[1:-1], ")"]
        self.emit(*stdlib, "", "import witbridge", "from witbridge.bindgen import runtime as _runtime")
        # Only the type checker needs these: numpy is optional, and typing_extensions (which has `Buffer` for
        # Python 3.11) comes with every type checker but not with every Python.
        checking = []
        if "numpy" in self.uses:
            checking += ["import numpy as _np", "import numpy.typing as _npt"]
        if "Buffer" in self.uses:
            checking.append("from typing_extensions import Buffer as _Buffer")
        if checking:
            self.emit("", "if TYPE_CHECKING:", *(INDENT + line for line in checking))

    # --- types -------------------------------------------------------------------------------------------

    def class_header(self, t: TypeDef, bases: str, default_doc: str, decorator: str | None = None) -> str:
        name = self.names[t.key]
        self.top_level()
        if decorator:
            self.emit(decorator)
        self.emit(f"class {name}{bases}:{noqa(name, 'E742')}")
        self.doc(t.docs or default_doc, INDENT)
        self.emit("")
        return name

    def marks(self, t: TypeDef, slots: bool = False) -> None:
        if slots:
            self.emit(f"{INDENT}__slots__ = ()")
        self.emit(f'{INDENT}__wit_name__ = "{t.name}"', f'{INDENT}__wit_key__ = "{t.key}"')

    def runtime_name(self, name: str, wanted: str) -> None:
        """The runtime names a class after its WIT name; keep that name where the module needed another."""
        if name != wanted:
            self.top_level()
            self.emit(f'{name}.__name__ = {name}.__qualname__ = "{wanted}"')

    def write_type(self, t: TypeDef) -> None:
        where = f" of {t.owner}" if t.owner else ""
        if t.kind == "record":
            self.uses.add("dataclasses")
            name = self.class_header(t, "", f"The WIT record `{t.name}`{where}.", "@dataclasses.dataclass")
            self.marks(t)
            self.emit("")
            for f in t.members:
                annotation = self.ann(f.type, Direction.RECEIVED) if f.type is not None else "object"
                self.emit(f"{INDENT}{f.py}: {annotation}{noqa(f.py)}")
                if f.docs:
                    self.doc(f.docs, INDENT)
        elif t.kind in ("enum", "flags"):
            self.uses.add("enum")
            base = "enum.Enum" if t.kind == "enum" else "enum.Flag"
            name = self.class_header(t, f"({base})", f"The WIT {t.kind} `{t.name}`{where}.")
            self.marks(t)
            self.emit("")
            for i, member in enumerate(t.members):
                value = f'"{member.name}"' if t.kind == "enum" else f"1 << {i}"
                self.emit(f"{INDENT}{member.py} = {value}{noqa(member.py)}")
                if member.docs:
                    self.doc(member.docs, INDENT)
        elif t.kind == "variant":
            name = self.write_variant(t, where)
        elif t.kind == "resource" and t.exported:
            name = self.write_exported_resource(t, where)
            if t.key in self.both_sides:
                with self.import_side():
                    self.write_imported_resource(t, where)
        elif t.kind == "resource":
            self.write_imported_resource(t, where)
            return
        else:
            self.uses.add("TypeAlias")
            self.top_level()
            target = self.ann(t.target, Direction.RECEIVED) if t.target is not None else "object"
            name = self.names[t.key]
            self.emit(f"{name}: TypeAlias = {target}{noqa(name)}")
            if t.docs:
                self.doc(t.docs, "")
            return
        self.bound.append(name)
        self.runtime_name(name, t.cls)

    def write_variant(self, t: TypeDef, where: str) -> str:
        self.uses.update({"dataclasses", "ClassVar"})
        name = self.class_header(t, "", f"The WIT variant `{t.name}`{where}: one class per case.")
        self.marks(t, slots=True)
        self.emit("")
        cases = self.case_names[t.key]
        for case, case_name in zip(t.members, cases, strict=True):
            if not keyword.iskeyword(case.py):  # `None`: only getattr() reaches it
                self.emit(f"{INDENT}{case.py}: ClassVar[type[{case_name}]]{noqa(case.py)}")
        self.emit("", f"{INDENT}def __repr__(self) -> str:", f"{INDENT * 2}return _runtime.case_repr(self)")
        for case, case_name in zip(t.members, cases, strict=True):
            self.top_level()
            self.emit("@dataclasses.dataclass(repr=False)", f"class {case_name}({name}):{noqa(case_name, 'E742')}")
            self.doc(join_docs(f"The case `{case.name}` of the WIT variant `{t.name}`.", case.docs), INDENT)
            self.emit("", f'{INDENT}__wit_name__ = "{t.name}.{case.name}"')
            if case.type is not None:
                self.emit("", f"{INDENT}value: {self.ann(case.type, Direction.RECEIVED)}")
            self.runtime_name(case_name, case.cls)
        self.top_level()
        for case, case_name in zip(t.members, cases, strict=True):
            if keyword.iskeyword(case.py):
                self.emit(f'setattr({name}, "{case.py}", {case_name})')
            else:
                self.emit(f"{name}.{case.py} = {case_name}")
        return name

    def resource_functions(self, t: TypeDef) -> list[Function]:
        owner = self.interfaces.get(t.owner)
        if owner is None:
            # A resource at the root of the world: its functions are the world's own imports.
            roots = [i.function for i in self.imports if isinstance(i, RootFunction)]
            return [f for f in roots if f.resource == t.key and f.callable]
        return [f for f in owner.functions if f.resource == t.key and f.callable]

    def write_exported_resource(self, t: TypeDef, where: str) -> str:
        self.uses.add("TYPE_CHECKING")
        name = self.class_header(
            t,
            "(witbridge.Resource)",
            f"The WIT resource `{t.name}`{where}, which the guest implements: make one through an instance's "
            f"namespace (`ns.{t.cls}(...)`).",
        )
        self.marks(t, slots=True)
        functions = self.resource_functions(t)
        # The constructor and methods are the instance's own functions, which the runtime puts on a subclass per
        # instance; here they are only declared, and the class itself makes no objects.
        refuse = f"{INDENT * 2}__new__ = _runtime.made_by_an_instance"
        if functions:
            self.emit("", f"{INDENT}if TYPE_CHECKING:")
            for f in functions:
                self.emit("")
                self.write_method(f, INDENT * 2, Direction.GIVEN, receiver=f.kind != "static")
            self.emit(f"{INDENT}else:", refuse)
        else:
            self.emit("", f"{INDENT}if not TYPE_CHECKING:", refuse)
        return name

    def write_imported_resource(self, t: TypeDef, where: str) -> None:
        self.uses.add("Protocol")
        name = self.names[t.key]
        self.top_level()
        if self.type_vars_at is None:
            self.type_vars_at = len(self.lines)  # the type variables are written here, once it is known which
        self.emit(f"class {name}(Protocol):{noqa(name, 'E742')}")
        self.doc(
            join_docs(
                f"The WIT resource `{t.name}`{where}, which the host implements: what the objects the guest's "
                "handles stand for must provide.",
                t.docs,
            ),
            INDENT,
        )
        functions = self.resource_functions(t)
        # A method that takes or returns another object of this resource gets one of the implementing class.
        with self.resources_as({t.key: "Self"}):
            for f in functions:
                if f.kind == "method":
                    self.emit("")
                    self.write_method(f, INDENT, Direction.RECEIVED, receiver=True, positional=True)
        if t.key not in self.class_protocols:
            return
        interface = t.owner
        statics = [f for f in functions if f.kind in ("constructor", "static")]
        type_vars = self.generic(statics)
        protocol = self.class_protocols[t.key]
        self.protocol_params[protocol] = list(type_vars)
        self.top_level()
        self.emit(f"class {protocol}({self.protocol_bases(type_vars)}):")
        self.doc(
            join_docs(
                f"The class that implements the resource `{t.name}`: "
                f'`Linker.define_resource("{interface}", "{t.name}", cls)`. The guest\'s constructor calls it, its '
                "static functions are the class's.",
                self.generic_doc(type_vars, f"{protocol}[My{t.cls}]"),
            ),
            INDENT,
        )
        with self.resources_as(type_vars):
            for f in statics:
                self.emit("")
                if f.kind == "constructor":
                    call = type_vars.get(t.key, name)
                    self.write_method(f, INDENT, Direction.RECEIVED, receiver=True, positional=True, call=call)
                else:
                    self.write_method(f, INDENT, Direction.RECEIVED, receiver=True, positional=True, static_self=True)

    def generic_doc(self, type_vars: dict[str, str], example: str) -> str | None:
        if not type_vars:
            return None
        resources = ", ".join(f"`{self.world.types[key].name}`" for key in type_vars)
        return (
            f"Generic over the host's class for {resources} (`{example}`), so that an implementation takes and "
            "returns objects of its own class."
        )

    # --- functions -------------------------------------------------------------------------------------

    def write_method(
        self,
        f: Function,
        indent: str,
        given: Direction,
        *,
        receiver: bool,
        positional: bool = False,
        call: str | None = None,
        static_self: bool = False,
        method_name: str | None = None,
    ) -> None:
        """A method declaration for ``f``, whose arguments travel in direction ``given`` (its results the other way).

        ``receiver`` adds ``self`` (or a free name when a parameter is called ``self``), ``positional`` makes the
        parameters positional-only (the runtime calls host functions positionally), ``call`` writes the constructor
        of a class Protocol as ``__call__`` returning ``call``, ``static_self`` writes a static function of a class
        Protocol as a method of the class object, ``method_name`` names the method other than after the function.
        """
        returned = Direction.RECEIVED if given is Direction.GIVEN else Direction.GIVEN
        params = list(f.params)
        if f.kind == "method":
            params = params[1:]  # `self: borrow<r>` is the object the method is called on
        args = [f"{p.py}: {self.ann(p.type, given)}{noqa(p.py)}" for p in params]
        if positional and args:
            args.append("/")
        taken = {p.py for p in params}
        self_name = "self" if "self" not in taken else "self_"
        decorators: list[str] = []
        if f.kind == "static" and not static_self:
            decorators.append("@staticmethod")
        elif receiver:
            args.insert(0, self_name)
        result = self.annotate.result(f.result, returned)
        method = method_name or f.py
        returns = result.returns
        if f.kind == "constructor":
            method, returns = ("__call__", call) if call else ("__init__", "None")
        clash = method == "alive" or (method == "drop" and (args != [self_name] or returns != "None"))
        ignore = "  # type: ignore[override]" if clash and f.resource and not positional else noqa(method, "E743")
        for decorator in decorators:
            self.emit(f"{indent}{decorator}")
        lines = bracketed(f"def {method}(", args, f") -> {returns}:{ignore}", indent)
        head, bracket, inner = returns.partition("[")
        if len(lines) > 1 and len(lines[-1]) > LINE_LENGTH and bracket:
            # As ruff formats it: a return annotation too long for the closing line splits at its subscript.
            lines[-1:] = [f"{indent}) -> {head}[", f"{indent}{INDENT}{inner[:-1]}", f"{indent}]:{ignore}"]
        self.emit(*lines)
        self.emit(*docstring(self.function_doc(f, result.error), indent + INDENT, verbatim_first=True))

    def function_doc(self, f: Function, error: str | None) -> str:
        raises = None
        if error is not None:
            raises = f"An error result raises `witbridge.Err` with `.value` of type `{error}`."
        return join_docs(f.wit, f.docs, raises)

    # --- imports ---------------------------------------------------------------------------------------

    def write_import_protocol(self, item: Interface) -> None:
        self.uses.add("Protocol")
        name = self.protocols[id(item)]
        functions = [f for f in item.freestanding if f.callable]
        type_vars = self.generic(functions)
        self.protocol_params[name] = list(type_vars)
        example = f"{name}[{', '.join('My' + self.world.types[key].cls for key in type_vars)}]"
        self.top_level()
        self.emit(f"class {name}({self.protocol_bases(type_vars)}):")
        self.doc(
            join_docs(
                f"The imported interface `{item.name}`: what its implementation must provide "
                f'(`Linker.define("{item.name}", impl)`; an object or a module).',
                item.docs,
                self.generic_doc(type_vars, example),
            ),
            INDENT,
        )
        with self.resources_as(type_vars):
            for f in functions:
                self.emit("")
                self.write_method(f, INDENT, Direction.RECEIVED, receiver=True, positional=True)

    def callable_type(self, f: Function) -> str:
        self.uses.add("Callable")
        args = ", ".join(self.ann(p.type, Direction.RECEIVED) for p in f.params)
        return f"Callable[[{args}], {self.annotate.result(f.result, Direction.GIVEN).returns}]"

    def imports_params(self) -> dict[str, str]:
        """The type variables the imports dataclass is generic over: every host resource one of its fields
        mentions."""
        keys: list[str] = []
        for _, _, what in self.import_fields:
            if isinstance(what, RootFunction):
                found = variances(host_function(self.world, what.function, set(self.host_resources)))
                keys += found
            elif isinstance(what, Interface):
                keys += self.protocol_params.get(self.protocols[id(what)], [])
            else:
                keys += self.protocol_params.get(self.class_protocols[what.key], [])
        return self.invariant(keys)

    def parameterized(self, protocol: str, type_vars: dict[str, str]) -> str:
        keys = self.protocol_params.get(protocol, [])
        return f"{protocol}[{', '.join(type_vars[key] for key in keys)}]" if keys else protocol

    def write_imports_class(self) -> None:
        assert self.imports_name is not None
        self.uses.update({"dataclasses", "cast"})
        fields = self.import_fields
        type_vars = self.imports_params()
        self.imports_generic = len(type_vars)
        bases = ""
        if type_vars:
            self.uses.add("Generic")
            bases = f"(Generic[{', '.join(type_vars.values())}])"
        self.top_level()
        self.emit("@dataclasses.dataclass(kw_only=True)", f"class {self.imports_name}{bases}:")
        self.doc(
            join_docs(
                f"Everything a `{self.world.name}` component imports (WASI aside), one implementation each; "
                "`define()` gives them to a `witbridge.Linker`.",
                "Generic over the host's resource classes, which mypy infers from the fields." if type_vars else None,
            ),
            INDENT,
        )
        self.emit("")
        for field, interface, what in fields:
            if isinstance(what, RootFunction):
                with self.resources_as(type_vars):
                    annotation = self.callable_type(what.function)
                self.emit(f"{INDENT}{field}: {annotation}{noqa(field)}")
                self.emit(*docstring(join_docs(what.function.wit, what.function.docs), INDENT, verbatim_first=True))
            elif isinstance(what, Interface):
                self.emit(f"{INDENT}{field}: {self.parameterized(self.protocols[id(what)], type_vars)}{noqa(field)}")
                self.doc(f"`{interface}`", INDENT)
            else:
                annotation = self.parameterized(self.class_protocols[what.key], type_vars)
                self.emit(f"{INDENT}{field}: {annotation}{noqa(field)}")
                where = f"of `{interface}`" if interface else "at the root of the world"
                self.doc(f"The class of the resource `{what.name}` {where}.", INDENT)
        self.emit("", f"{INDENT}def define(self, linker: witbridge.Linker) -> None:")
        self.doc("Defines every import on ``linker``.", INDENT * 2)
        for field, interface, what in fields:
            if isinstance(what, RootFunction):
                call = bracketed("linker.define_func(", [f'"{what.name}"', f"self.{field}"], ")", INDENT * 2)
            elif isinstance(what, Interface):
                call = bracketed("linker.define(", [f'"{interface}"', f"self.{field}"], ")", INDENT * 2)
            else:
                args = [f'"{interface}"', f'"{what.name}"', f"cast(type, self.{field})"]
                call = bracketed("linker.define_resource(", args, ")", INDENT * 2)
            self.emit(*call)

    # --- exports ---------------------------------------------------------------------------------------

    def namespace_types(self, item: Interface) -> list[tuple[str, str]]:
        """(attribute, module name) of the classes the runtime puts on the interface's namespace: each under the
        name the interface gives it (`use a.{point as spot}`: `Spot`), and under its own name (and its cases')
        unless the interface gives that name to another class (as ``Component._types`` does)."""
        local: dict[str, TypeDef] = {}
        for named in item.types:
            target = self.world.unalias(named.type)
            t = self.world.types.get(target["ref"]) if isinstance(target, dict) and "ref" in target else None
            if t is not None and t.kind != "alias":
                local[named.cls] = t
        own: dict[str, TypeDef | tuple[TypeDef, int]] = {}
        for t in local.values():
            own.setdefault(t.cls, t)
            if t.kind == "variant":
                for i, case in enumerate(t.members):
                    own.setdefault(case.cls, (t, i))
        found: dict[str, str] = {}
        for attr, what in [*local.items(), *((a, w) for a, w in own.items() if a not in local)]:
            t, index = what if isinstance(what, tuple) else (what, None)
            # (An imported resource gets a class there too, but the host's objects are no instances of it.)
            if (t.kind == "resource" and not t.exported) or t.key not in self.names:
                continue
            found[attr] = self.names[t.key] if index is None else self.case_names[t.key][index]
        # `None` (the variant `none`) is an attribute only getattr() reaches.
        return [(attr, cls) for attr, cls in found.items() if not keyword.iskeyword(attr)]

    def write_export_protocol(self, item: Interface) -> None:
        self.uses.add("Protocol")
        name = self.protocols[id(item)]
        bases = "Protocol"
        classes = self.namespace_types(item)
        if classes:
            # Type attributes live in base Protocols: in the class body itself, `Point: type[Point]` would
            # make `Point` in the methods' annotations mean the attribute. Likewise in a base, an attribute
            # `Point` declared before `OtherPoint: type[Point]` would be what that annotation names.
            layers = _layers(classes)
            names = [self.scope.claim(f"_{name}Types" + (str(i + 1) if i else "")) for i in range(len(layers))]
            for types_name, layer in zip(names, layers, strict=True):
                self.top_level()
                self.emit(f"class {types_name}(Protocol):")
                self.emit(*(f"{INDENT}{attr}: type[{cls}]{noqa(attr)}" for attr, cls in layer))
            bases = f"{', '.join(names)}, Protocol"
        self.top_level()
        self.emit(f"class {name}({bases}):{noqa(name, 'E742')}")
        self.doc(
            join_docs(f"The exported interface `{item.name}`: the namespace of its functions and types.", item.docs),
            INDENT,
        )
        for f in item.freestanding:
            if f.callable:
                self.emit("")
                self.write_method(f, INDENT, Direction.GIVEN, receiver=True)

    def write_callback(self, item: RootFunction) -> str:
        self.uses.add("Protocol")
        name = self.scope.claim(f"_{_names.pascal(item.attr)}Function")
        self.top_level()
        self.emit(f"class {name}(Protocol):")
        self.write_method(item.function, INDENT, Direction.GIVEN, receiver=True, method_name="__call__")
        return name

    # --- the world class -------------------------------------------------------------------------------

    def write_world_class(self, callbacks: dict[int, str]) -> None:
        self.uses.add("os")
        members = _names.Scope(_WORLD_CLASS_MEMBERS)
        attrs: list[tuple[str, str, str, str]] = []  # (attribute, annotation, export name, doc)
        short = [item.attr for item in self.exports]
        for item in self.exports:
            unique = short.count(item.attr) == 1
            attr = members.claim(*([item.attr] if unique else []), _names.snake(item.name))
            if isinstance(item, Interface):
                attrs.append((attr, self.protocols[id(item)], item.name, f"`{item.name}`"))
            else:
                attrs.append((attr, callbacks[id(item)], item.name, item.function.wit))
        name = self.class_name
        self.top_level()
        self.emit(f"class {name}:")
        self.doc(
            join_docs(
                f"An instance of a `{self.world.name}` component, with typed exports.",
                f"`{name}.load(path)` compiles, links and instantiates a component; `{name}(instance)` wraps an "
                f"instance made by hand from a component bound with `{name}.bind()`. The attributes are the "
                "instance's own namespaces and functions.",
            ),
            INDENT,
        )
        self.emit("", f"{INDENT}instance: witbridge.Instance")
        self.doc("The instance itself (its exports by WIT name, stdout, fuel, ...).", INDENT)
        for attr, annotation, _, doc in attrs:
            self.emit(f"{INDENT}{attr}: {annotation}{noqa(attr)}")
            self.doc(doc, INDENT)
        self.emit("", f"{INDENT}def __init__(self, instance: witbridge.Instance) -> None:")
        self.doc("Typed access to ``instance``, whose component is bound to this module's classes.", INDENT * 2)
        if self.annotate.mode_dependent:
            mode = self.annotate.numeric_lists
            self.emit(f'{INDENT * 2}_runtime.check_numeric_lists(instance, "{mode}")')
        self.emit(f"{INDENT * 2}_runtime.bind(instance.component, _CLASSES)", f"{INDENT * 2}self.instance = instance")
        for attr, annotation, export, _ in attrs:
            self.uses.add("cast")
            args = [annotation, f'instance.exports["{export}"]']
            self.emit(*bracketed(f"self.{attr} = cast(", args, ")", INDENT * 2))
        self.write_load()
        self.emit("", f"{INDENT}@classmethod")
        self.emit(
            *bracketed(
                "def compile(",
                [
                    "cls",
                    "source: str | os.PathLike[str] | bytes",
                    "*",
                    "engine: witbridge.Engine | None = None",
                    "wit: str | os.PathLike[str] | None = None",
                    "world: str | None = None",
                ],
                ") -> witbridge.Component:",
                INDENT,
            )
        )
        self.doc(
            "Compiles ``source`` (as `witbridge.Component.from_file` or `from_bytes` do) and binds it.", INDENT * 2
        )
        self.emit(
            f"{INDENT * 2}if isinstance(source, bytes):",
            *bracketed(
                "component = witbridge.Component.from_bytes(",
                ["source", "engine=engine", "wit=wit", "world=world"],
                ")",
                INDENT * 3,
            ),
            f"{INDENT * 2}else:",
            *bracketed(
                "component = witbridge.Component.from_file(",
                ["source", "engine=engine", "wit=wit", "world=world"],
                ")",
                INDENT * 3,
            ),
            f"{INDENT * 2}return cls.bind(component)",
        )
        self.emit(
            "",
            f"{INDENT}@staticmethod",
            f"{INDENT}def bind(component: witbridge.Component) -> witbridge.Component:",
        )
        self.doc(
            "Makes ``component`` use this module's classes for its WIT types (before it is instantiated); returns it.",
            INDENT * 2,
        )
        self.emit(f"{INDENT * 2}return _runtime.bind(component, _CLASSES)")

    def mode_note(self) -> str:
        mode = self.annotate.numeric_lists
        if mode == "list" or not self.annotate.mode_dependent:
            return ""
        made = "`array.array`s" if mode == "array" else "numpy arrays"
        return f' Its instances give lists of numbers back as {made} (`numeric_lists="{mode}"`).'

    def instantiate_options(self) -> str:
        mode = self.annotate.numeric_lists
        return "limits=limits" + (f', numeric_lists="{mode}"' if mode != "list" else "")

    def write_load(self) -> None:
        params = ["cls", "source: str | os.PathLike[str] | bytes", "*"]
        if self.imports_name:
            # Or a plain mapping by import name, as `witbridge.load(imports=...)` takes (untyped).
            self.uses.update({"Mapping", "Any"} if self.imports_generic else {"Mapping"})
            imports = self.imports_name
            if self.imports_generic:
                imports += f"[{', '.join('Any' for _ in range(self.imports_generic))}]"
            params.append(f"imports: {imports} | Mapping[str, object]")
        params += [
            "engine: witbridge.Engine | None = None",
            "wit: str | os.PathLike[str] | None = None",
            "world: str | None = None",
            "wasi: witbridge.WasiConfig | None = None",
            "limits: witbridge.Limits | None = None",
        ]
        self.emit("", f"{INDENT}@classmethod")
        self.emit(*bracketed("def load(", params, f") -> {self.class_name}:", INDENT))
        self.doc(
            "Compiles, links and instantiates a component, as `witbridge.load` does"
            + (
                f", with ``imports`` for what it imports: a `{self.imports_name}`, or a mapping by import name as "
                "`witbridge.load` takes."
                if self.imports_name
                else "."
            ),
            INDENT * 2,
        )
        self.emit(
            f"{INDENT * 2}component = cls.compile(source, engine=engine, wit=wit, world=world)",
            f"{INDENT * 2}linker = witbridge.Linker(component.engine)",
        )
        if self.imports_name:
            self.emit(
                f"{INDENT * 2}if isinstance(imports, {self.imports_name}):",
                f"{INDENT * 3}imports.define(linker)",
                f"{INDENT * 2}else:",
                f"{INDENT * 3}_runtime.define_imports(linker, component, imports)",
            )
        self.emit(
            f"{INDENT * 2}if wasi is not None:",
            f"{INDENT * 3}linker.wasi(wasi)",
            f"{INDENT * 2}return cls(linker.instantiate(component, {self.instantiate_options()}))",
        )
