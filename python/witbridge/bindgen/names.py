"""Unique Python names in one scope of a generated module.

WIT names become Python names in the engine (the model carries them, as the
runtime spells them); what is left for the generator is keeping names apart
where the runtime never had to: two interfaces of a world may both define an
``error-code``, and a module has one namespace for both classes. A
:class:`Scope` hands out the first free name of a list of candidates, in
the order the generator asks, so the same world always gets the same names.
"""

from __future__ import annotations

import keyword
import re

# What the generated code itself uses at module level: a WIT type never takes these names.
MODULE_RESERVED = frozenset(
    {
        "annotations",
        "dataclasses",
        "enum",
        "os",
        "witbridge",
        "Callable",
        "ClassVar",
        "Protocol",
        "Sequence",
        "TypeAlias",
        "TYPE_CHECKING",
        "cast",
        "None",
        "True",
        "False",
    }
)


def pascal(text: str) -> str:
    """``wasi:http/types`` -> ``WasiHttpTypes``, for names made up of WIT names (never for a WIT name itself)."""
    return "".join(word[:1].upper() + word[1:] for word in re.split(r"[^0-9A-Za-z]+", text) if word)


def snake(text: str) -> str:
    """``wasi:http/types`` -> ``wasi_http_types``, for names made up of WIT names (never for a WIT name itself)."""
    return "_".join(word.lower() for word in re.split(r"[^0-9A-Za-z]+", text) if word)


class Scope:
    """The names taken in one Python namespace (a module, or a class body)."""

    def __init__(self, reserved: frozenset[str] | set[str] = frozenset()) -> None:
        self._taken = set(reserved)

    def free(self, name: str) -> bool:
        """Whether ``name`` is a usable identifier no one has taken yet."""
        return name.isidentifier() and not keyword.iskeyword(name) and name not in self._taken

    def claim(self, *candidates: str) -> str:
        """The first free candidate, else the last one with as many trailing underscores as it takes; now taken."""
        name = next((c for c in candidates if self.free(c)), None)
        if name is None:
            name = candidates[-1] + "_"
            if not name.isidentifier():
                # Underscores can't mend it: adding them would never end.
                raise ValueError(f"bindgen: no Python name can be made of {candidates[-1]!r}")
            while not self.free(name):
                name += "_"
        self._taken.add(name)
        return name

    def take(self, name: str) -> None:
        """Marks ``name`` as taken."""
        self._taken.add(name)
