"""Instances and their exports as Python namespaces (DESIGN.md §2).

An exported interface is a :class:`Namespace`; its functions are looked up,
compiled and cached on first access, so after that ``ns.func`` is a plain
attribute read and a call goes straight to native code.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from . import _native

if TYPE_CHECKING:
    Function = _native.Function


_UNPICKLABLE = (
    "cannot pickle a {what}: it belongs to a running guest, whose store and memory live in this "
    "process only; pickle its Component, or send a witbridge.PortableFunction, which instantiates "
    "the component in the process that calls it"
)


class _NamespaceDoc:
    """``Namespace.__doc__``: the class's docstring on the class, and on a namespace the list of its
    functions and types, so that ``help(inst.app)`` says what the interface offers, as ``help()`` of a
    module would (pydoc shows an object's own ``__doc__`` when it differs from its class's)."""

    def __init__(self, class_doc: str) -> None:
        self.class_doc = class_doc

    def __get__(self, namespace: Namespace | None, owner: type | None = None) -> str:
        if namespace is None:
            return self.class_doc
        return namespace._describe()

    def __set__(self, namespace: Namespace, value: object) -> None:
        # A data descriptor: the instance's own __dict__ (where functions are cached) never shadows it.
        raise AttributeError("a namespace's __doc__ is made from its interface")


class Namespace:
    """An exported interface: its functions are attributes, its types are classes.

    ``ns.count_symbols("x")`` calls the WIT function ``count-symbols``;
    ``ns["count-symbols"]`` finds it by its WIT name; ``ns.Point`` is the class of
    the record ``point`` (also for types the interface ``use``s). ``help(ns)``
    lists the functions, with their WIT signatures, and the types.
    """

    __doc__ = _NamespaceDoc(__doc__)

    def __init__(self, native: _native.Instance, name: str) -> None:
        component = native.component
        self._native = native
        self.__wit_name__ = name
        self._functions: dict[str, str] = dict(component._functions(name))
        self._wit_names = {wit: py for py, wit in self._functions.items()}
        self.__dict__.update(component._types(name))
        self.__dict__.update(native._resource_classes(name))

    def __getattr__(self, attr: str) -> Function:
        wit_name = self._functions.get(attr)
        if wit_name is None:
            raise AttributeError(f"interface {self.__wit_name__} has no function or type {attr!r}")
        function = self._native._function(self.__wit_name__, wit_name)
        # Cached as an instance attribute: the next lookup never reaches __getattr__.
        self.__dict__[attr] = function
        return function

    def __getitem__(self, wit_name: str) -> Function:
        attr = self._wit_names.get(wit_name)
        if attr is None:
            raise KeyError(f"interface {self.__wit_name__} has no function {wit_name!r}")
        return getattr(self, attr)  # type: ignore[no-any-return]

    def __dir__(self) -> list[str]:
        public = [k for k in self.__dict__ if not k.startswith("_")]
        return sorted({*public, *self._functions})

    def __repr__(self) -> str:
        return f"<witbridge interface {self.__wit_name__}: {', '.join(self._functions)}>"

    def _describe(self) -> str:
        """What ``help(ns)`` shows: each function's Python signature (annotated with WIT types), its WIT
        signature and documentation, then the classes of the interface's types."""
        lines = [f"The exported interface `{self.__wit_name__}`.", "", "Functions:"]
        for attr in self._functions:
            function = getattr(self, attr)
            lines += ["", f"    {attr}{_signature(function)}"]
            lines += [f"        {line}".rstrip() for line in (function.__doc__ or "").splitlines()]
        classes = sorted(k for k, v in self.__dict__.items() if isinstance(v, type) and not k.startswith("_"))
        if classes:
            lines += ["", f"Types (help(ns.NAME) describes one): {', '.join(classes)}"]
        return "\n".join(lines)

    def __reduce__(self) -> Any:
        raise TypeError(_UNPICKLABLE.format(what=f"interface namespace ({self.__wit_name__})"))


def _signature(function: Function) -> str:
    """``(s: string) -> u32``: the Python parameters with their WIT types, unquoted."""
    signature = inspect.signature(function)
    params = ", ".join(f"{p.name}: {p.annotation}" for p in signature.parameters.values())
    result = signature.return_annotation
    return f"({params})" + (f" -> {result}" if result is not None else "")


class Exports(Mapping[str, "Namespace | Function"]):
    """Every export of an instance by its full WIT name."""

    def __init__(self, instance: Instance, names: list[str]) -> None:
        self._instance = instance
        self._names = names

    def __getitem__(self, name: str) -> Namespace | Function:
        return self._instance._export(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __repr__(self) -> str:
        return f"<witbridge exports: {', '.join(self._names)}>"


class Instance:
    """A running component.

    Exported interfaces are attributes (``inst.machine_interface``), root-level
    exported functions are methods (``inst.add(1, 2)``), ``inst.exports`` maps
    every export by its full WIT name, and world-level types are classes on
    the instance. Where two interfaces share a short name, only
    ``inst.exports[...]`` reaches them.
    """

    def __init__(self, native: _native.Instance) -> None:
        self._native = native
        self.component = native.component
        self._namespaces: dict[str, Namespace] = {}
        # attribute -> (full WIT name, kind); short names that collide are left out.
        exports = self.component._exports()
        counts: dict[str, int] = {}
        for _, attr, _ in exports:
            counts[attr] = counts.get(attr, 0) + 1
        self._attrs = {attr: (name, kind) for name, attr, kind in exports if counts[attr] == 1}
        self._kinds = {name: kind for name, _, kind in exports}
        self.exports = Exports(self, [name for name, _, _ in exports])
        self.__dict__.update(self.component._types(None))
        # A root-level export named `run` is a plain function, not a command:
        # it takes the place of the method (instance attributes win over it).
        if self._attrs.get("run", ("", ""))[1] == "function":
            self.__dict__["run"] = self._export(self._attrs["run"][0])

    def _export(self, name: str) -> Namespace | Function:
        kind = self._kinds.get(name)
        if kind is None:
            raise KeyError(f"the component has no export {name!r}")
        if kind == "function":
            return self._native._function(None, name)
        namespace = self._namespaces.get(name)
        if namespace is None:
            namespace = self._namespaces[name] = Namespace(self._native, name)
        return namespace

    def __getattr__(self, attr: str) -> Any:
        found = self.__dict__.get("_attrs", {}).get(attr)
        if found is None:
            raise AttributeError(f"the component has no export named {attr!r} (exports: {', '.join(self.exports)})")
        value = self._export(found[0])
        self.__dict__[attr] = value
        return value

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self._attrs})

    def run(self) -> int:
        """Runs a command component (one exporting ``wasi:cli/run``); returns its exit code.

        0 when ``run`` returned ``ok``, 1 when it returned ``err``, and the code
        the guest passed to ``exit()`` otherwise. A command runs once: after
        ``exit()`` the instance is spent. (A component exporting a root-level
        function ``run`` has that function here instead.)
        """
        return self._native._run()

    @property
    def stdout(self) -> bytes | None:
        """What the guest wrote to stdout so far, when it is captured (``stdout="capture"``)."""
        return self._native.stdout

    @property
    def stderr(self) -> bytes | None:
        """What the guest wrote to stderr so far, when it is captured (``stderr="capture"``)."""
        return self._native.stderr

    @property
    def fuel(self) -> int | None:
        """The fuel left of ``Limits(fuel=...)``, or None without a fuel limit."""
        return self._native.fuel

    @property
    def broken(self) -> bool:
        """Whether an earlier call trapped (or exited), or :meth:`close` ran, leaving the instance unusable."""
        return self._native.broken

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` ran."""
        return self._native.closed

    def close(self) -> None:
        """Frees the instance now: its memory, tables and guest state.

        A call running in another thread is waited for; no guest code runs
        (no destructors: the guest is gone, not told). The host resource
        objects the guest still held are ended as if it had dropped them
        (their ``drop()`` or ``__exit__`` runs). Every later call raises
        :class:`witbridge.Error`. Closing twice does nothing. ``with
        witbridge.load(...) as inst:`` closes at the end of the block. (A
        root-level export named ``close`` is ``inst.exports["close"]``.)
        """
        self._native._close()

    def __enter__(self) -> Instance:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<witbridge.Instance exports=[{', '.join(self.exports)}]>"

    def __reduce__(self) -> Any:
        raise TypeError(_UNPICKLABLE.format(what="witbridge.Instance"))
