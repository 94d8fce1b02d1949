"""What a failing Python import looks like from the export call that reached it."""

from __future__ import annotations

from pathlib import Path

import pytest

import witbridge

from .test_resources import DictStore, File, Logger, host_user_linker

HOST_USER = Path(__file__).resolve().parents[1] / "fixtures" / "wasm" / "host_user.component.wasm"


def instance(kv: DictStore) -> witbridge.Instance:
    return host_user_linker(Logger(), kv).instantiate(witbridge.Component.from_file(HOST_USER))


class FailingGet(DictStore):
    def get(self, key: str) -> bytes | None:
        raise LookupError(f"no luck with {key}")


class ErrFromGet(DictStore):
    def get(self, key: str) -> bytes | None:
        raise witbridge.Err("missing")


class WrongErrorPayload(DictStore):
    def remove(self, key: str) -> bytes:
        raise witbridge.Err(42)


def test_an_exception_in_a_host_function_names_the_import_and_the_call() -> None:
    inst = instance(FailingGet())
    with pytest.raises(LookupError, match="no luck with k") as raised:
        inst.app.store_and_load("k", b"v")
    assert raised.value.__notes__ == [
        "raised in the host function implementing witbridge:host/kv@0.1.0#get",
        "during the call to witbridge:host/app@0.1.0#store-and-load, which it ended; the instance can't be used again",
    ]


def test_err_from_a_host_function_without_a_result_is_a_type_error() -> None:
    inst = instance(ErrFromGet())
    with pytest.raises(TypeError) as raised:
        inst.app.store_and_load("k", b"v")
    message = str(raised.value)
    assert message.startswith("host function witbridge:host/kv@0.1.0#get: raised witbridge.Err")
    assert "returns option<list<u8>>, not a result" in message
    assert isinstance(raised.value.__cause__, witbridge.Err)
    assert not isinstance(raised.value, witbridge.Err)


def test_a_wrong_error_payload_is_called_the_error_value() -> None:
    inst = instance(WrongErrorPayload())
    with pytest.raises(TypeError, match=r"witbridge:host/kv@0.1.0#remove\(\): error value: expected str"):
        inst.app.remove_key("k")


class StrSibling(File):
    @staticmethod
    def sibling(of: File, name: str) -> File:
        return name  # type: ignore[return-value]


class SubclassSibling(File):
    @staticmethod
    def sibling(of: File, name: str) -> File:
        return SpecialFile(name)


class SpecialFile(SubclassSibling):
    """An object of a subclass stands for the resource as well as one of the class itself."""


def files_instance(file: type) -> witbridge.Instance:
    linker = host_user_linker(Logger(), DictStore())
    linker.define_resource("witbridge:host/files", "file", file)
    return linker.instantiate(witbridge.Component.from_file(HOST_USER))


def test_a_host_resource_returned_as_something_else_is_refused_naming_the_function() -> None:
    inst = files_instance(StrSibling)
    refused = (
        r"^host function witbridge:host/files@0.1.0#\[static\]file.sibling\(\): return value: "
        r"expected file \(an object of StrSibling, the class implementing it\), got str 'sibling'\n"
    )
    with pytest.raises(TypeError, match=refused):
        inst.app.sizes_with_sibling("a", b"xyz")


def test_an_object_of_a_subclass_of_the_resource_class_is_accepted() -> None:
    assert files_instance(SubclassSibling).app.sizes_with_sibling("a", b"xyz") == 4
