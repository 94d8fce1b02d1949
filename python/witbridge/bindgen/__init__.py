"""Typed Python modules for WIT worlds (``witbridge bindgen``).

>>> from witbridge import bindgen
>>> text = bindgen.generate("fixtures/wasm/wasm_intro.component.wasm")   # doctest: +SKIP

The generated module is a thin typed layer over the runtime, not a second
runtime. The choice it is built on: **the generated classes are the
runtime's classes.** A module declares a real ``@dataclass`` per record, an
``enum.Enum`` per enum, an ``enum.Flag`` per flags type, a base class and a
dataclass per case for a variant, and a ``witbridge.Resource`` subclass per
exported resource, each shaped exactly as the runtime would make it
(``witbridge._classes``). Before a component is instantiated, its class
``bind()``s the component to them (:func:`witbridge.bindgen.runtime.bind`,
checked against the component's own types), so the converters build
instances of the generated classes, the namespaces carry them
(``inst.machine_interface.Point is Point``), and ``isinstance`` and
``match`` work on values at run time just as mypy believes.

Functions need no classes: an exported interface is typed by a
``typing.Protocol`` and the object behind it at run time is the runtime's
own namespace, whose functions are the native ones; so a typed call costs
what an untyped one does, and no conversion logic is copied. What a host
implements for an import is typed by a Protocol as well: one per imported
interface (what ``Linker.define(name, impl)`` takes), two per imported
resource (its objects, and the class given to ``define_resource``), and a
``Callable`` per root-level function (``define_func``). Those that mention
a host resource are generic over the host's class for it
(``FileClass[MemFile]``), so an implementation takes and returns its own
objects without casts. The world's class ties it together:
``World.load(path, imports=WorldImports(...))``, or a plain dict by import
name as ``witbridge.load`` takes it. Types
are annotated as the converters shape them (DESIGN.md §3), with arguments
typed as broadly as the converters honestly take them (``Sequence[T]`` for a
list, ``bytes | bytearray | memoryview`` for ``list<u8>``, a buffer too for
a list of numbers). What an instance gives back for a list of numbers
depends on its ``numeric_lists`` mode, so a module is written for one mode
(``generate(numeric_lists=...)``), and its world class checks that an
instance it wraps was made in that mode.

The alternative, declaring types only for mypy and binding the names to a
loaded component's classes at run time, leaves module-level names such as
``Point`` without a class until a component is loaded, and makes
``isinstance`` and ``match`` on them depend on which component made a value.

WIT comes from the engine's type model (``witbridge_core::type_model``),
which carries the runtime's own Python names, so the generator parses no WIT
and converts no names. The package is split by job: :mod:`.model`
(the world as dataclasses), :mod:`.names` (keeping generated names apart),
:mod:`.annotate` (WIT types as annotations), :mod:`.variance` (the
variance of the type variables of generic Protocols), :mod:`.source` (layout),
:mod:`.emit` (the module), :mod:`.runtime` (what generated modules use).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from . import emit
from .model import World, read

__all__ = ["World", "class_name", "generate", "read"]


def class_name(world: World, source: str | os.PathLike[str]) -> str:
    """The name of a module's main class: the world's, in PascalCase, or the file's for a component's
    world, which decoding names ``root``."""
    name = world.name
    if name == "root":
        name = Path(source).name.split(".")[0]
    words = re.split(r"[^0-9A-Za-z]+", name)
    pascal = "".join(w[:1].upper() + w[1:] for w in words if w)
    if not pascal or pascal[0].isdigit():
        pascal = "World" + pascal
    return pascal


def generate(
    source: str | os.PathLike[str], *, world: str | None = None, name: str | None = None, numeric_lists: str = "list"
) -> str:
    """The typed module for the world of ``source``: a WIT file or directory (``world`` picks one of its
    package's worlds), or a component, WAT text or core module with embedded WIT.

    ``name`` names the main class (default: after the world). ``numeric_lists``
    (``"list"``, ``"array"`` or ``"numpy"``) is how the module's instances give
    lists of numbers back, as ``Linker.instantiate(numeric_lists=...)`` says:
    its ``load`` instantiates so, and its annotations say so. The output is
    the same for the same input.
    """
    model = read(source, world)
    path = Path(source)
    # A WIT directory is usually called `wit`: its parent says more.
    shown = f"{path.resolve().parent.name}/{path.resolve().name}" if path.is_dir() else path.name
    return emit.module(
        model, class_name=name or class_name(model, path), source_name=shown, numeric_lists=numeric_lists
    )
