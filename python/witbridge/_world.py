"""Descriptions of a component's world: ``Component.world`` (DESIGN.md §1)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FunctionType:
    """A WIT function: its name, parameters and result as WIT type text."""

    name: str
    params: list[tuple[str, str]]
    result: str | None
    wit: str
    doc: str | None = None

    def __str__(self) -> str:
        return self.wit


@dataclass(frozen=True)
class InterfaceType:
    """An imported or exported interface: its functions and the names of its types."""

    name: str
    functions: dict[str, FunctionType]
    types: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"interface {self.name} {{"]
        lines += [f"    {f.wit};" for f in self.functions.values()]
        lines.append("}")
        return "\n".join(lines)


@dataclass(frozen=True)
class World:
    """What a component imports and exports, by full WIT name."""

    name: str
    imports: dict[str, InterfaceType | FunctionType]
    exports: dict[str, InterfaceType | FunctionType]

    def __str__(self) -> str:
        def show(kind: str, items: dict[str, InterfaceType | FunctionType]) -> list[str]:
            return [f"  {kind} {item.wit if isinstance(item, FunctionType) else name}" for name, item in items.items()]

        return "\n".join([f"world {self.name}:", *show("import", self.imports), *show("export", self.exports)])


_FunctionTuple = tuple[str, list[tuple[str, str]], "str | None", str, "str | None"]


def build(
    name: str,
    imports: list[tuple[str, str, list[_FunctionTuple], list[str]]],
    exports: list[tuple[str, str, list[_FunctionTuple], list[str]]],
) -> World:
    """Called by the native module with plain tuples; returns the dataclasses."""

    def item(kind: str, full_name: str, funcs: list[_FunctionTuple], types: list[str]) -> InterfaceType | FunctionType:
        made = {f[0]: FunctionType(*f) for f in funcs}
        if kind == "function":
            return next(iter(made.values()))
        return InterfaceType(full_name, made, types)

    return World(
        name,
        {n: item(k, n, f, t) for k, n, f, t in imports},
        {n: item(k, n, f, t) for k, n, f, t in exports},
    )
