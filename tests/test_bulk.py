"""Bulk data: any size that fits in the guest, buffers of numbers in, and
numeric lists out without a Python object per element when asked."""

from __future__ import annotations

import array
import pickle
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

import witbridge

from .conftest import VALUES_WASM
from .test_abi import ABIS, echo

NUMBER_TYPES = {
    # WIT element type: (array type code, numpy dtype, a value list at its edges)
    "u16": ("H", "uint16", [0, 1, 0xFFFF]),
    "s16": ("h", "int16", [-0x8000, -1, 0x7FFF]),
    "u32": ("I", "uint32", [0, 1, 0xFFFF_FFFF]),
    "s32": ("i", "int32", [-(2**31), -1, 2**31 - 1]),
    "u64": ("Q", "uint64", [0, 2**64 - 1]),
    "s64": ("q", "int64", [-(2**63), 2**63 - 1]),
    "s8": ("b", "int8", [-128, 0, 127]),
    "f32": ("f", "float32", [0.0, -1.5, float("inf")]),
    "f64": ("d", "float64", [5e-324, -0.0, float("nan")]),
}


def same_numbers(a: Any, b: Any) -> bool:
    return bool(np.array_equal(np.asarray(a), np.asarray(b), equal_nan=np.asarray(a).dtype.kind == "f"))


@pytest.mark.parametrize("size", [1 << 10, 1 << 20, 4 << 20, 64 << 20])
def test_bytes_of_any_size_pass_through(size: int) -> None:
    inst = witbridge.load(VALUES_WASM)
    data = bytes(range(256)) * (size // 256)
    assert inst.values.echo_bytes(data) == data
    # The same through a bytearray, a memoryview and a numpy uint8 array (one copy each).
    assert inst.values.echo_bytes(bytearray(data)) == data
    assert inst.values.echo_bytes(memoryview(data)[1:]) == data[1:]
    assert inst.values.echo_bytes(np.frombuffer(data, dtype=np.uint8)) == data


@pytest.mark.slow
def test_a_256_mib_bytes_and_string_round_trip() -> None:
    inst = witbridge.load(VALUES_WASM)
    data = bytes(range(256)) * (1 << 20)
    assert inst.values.echo_bytes(data) == data
    del data
    text = "wörld ✓ " * ((256 << 20) // 12)
    assert inst.values.echo_string(text) == text


def test_strings_of_many_mib() -> None:
    inst = witbridge.load(VALUES_WASM)
    text = "héllo ✓ 😀 " * (1 << 20)
    assert inst.values.echo_string(text) == text
    assert inst.values.measure(text) == (len(text.encode()), len(text))


@pytest.mark.parametrize("wit", NUMBER_TYPES)
def test_buffers_of_the_element_type_are_accepted(wit: str) -> None:
    code, dtype, values = NUMBER_TYPES[wit]
    inst = echo(f"func(x: list<{wit}>) -> list<{wit}>")
    expected = inst.f(values)
    assert isinstance(expected, list)
    for buffer in (array.array(code, values), memoryview(array.array(code, values)), np.array(values, dtype=dtype)):
        assert same_numbers(inst.f(buffer), expected), buffer
    # A strided (non-contiguous) numpy view is copied in order.
    strided = np.array([v for v in values for _ in range(2)], dtype=dtype)[::2]
    assert same_numbers(inst.f(strided), expected)
    # A big-endian array is not the guest's layout: its items are read one by one
    # (numpy's integers have `__index__`; its floating types are `numbers.Real`).
    assert same_numbers(inst.f(np.array(values, dtype=np.dtype(dtype).newbyteorder(">"))), expected)


def test_a_buffer_of_another_type_is_checked_item_by_item() -> None:
    inst = echo("func(x: list<u32>) -> list<u32>")
    # Signed: its negative items are refused, naming the index.
    with pytest.raises(OverflowError, match=r"^f\(\): x\[1\]: expected u32"):
        inst.f(array.array("i", [1, -1]))
    assert inst.f(array.array("i", [1, 2])) == [1, 2]
    # Floats are not integers.
    with pytest.raises(TypeError, match=r"^f\(\): x\[0\]: expected u32"):
        inst.f(array.array("d", [1.0]))
    # Too wide: read item by item, in range.
    assert inst.f(array.array("Q", [7])) == [7]
    with pytest.raises(OverflowError, match=r"x\[0\]"):
        inst.f(array.array("Q", [2**40]))


@ABIS
def test_numpy_scalars_are_numbers(reference: bool) -> None:
    # numpy's integers have `__index__`; its floating types are `numbers.Real`
    # (its float64 is a Python float, its float32 and float16 are not).
    single = echo("func(x: f32) -> f32", reference=reference)
    double = echo("func(x: f64) -> f64", reference=reference)
    assert single.f(np.float32(1.5)) == 1.5
    assert double.f(np.float16(0.5)) == 0.5
    assert double.f(np.int64(-3)) == -3.0
    # An integer is rounded to f32 once, whatever its type.
    assert single.f(np.int64(2**60 + 2**36 + 1)) == 2.0**60 + 2.0**37
    with pytest.raises(TypeError, match=r"^f\(\): x: expected f64 \(a float\), got bool"):
        double.f(np.bool_(True))
    with pytest.raises(TypeError, match=r"^f\(\): x: expected f64 \(a float\), got ndarray"):
        double.f(np.array([1.5]))
    # A float32 array for a list<f64> is read item by item, exactly.
    doubles = echo("func(x: list<f64>) -> list<f64>", reference=reference)
    assert doubles.f(np.array([0.1, -2.5], dtype=np.float32)) == [float(np.float32(0.1)), -2.5]


@ABIS
def test_a_buffer_is_a_list_by_its_dimensions(reference: bool) -> None:
    numbers = echo("func(x: list<u32>) -> list<u32>", reference=reference)
    data = echo("func(x: list<u8>) -> list<u8>", reference=reference)
    # A numpy number, or an array of no dimensions, exports a buffer of one
    # number: that is not a list of one.
    for scalar in (np.uint32(5), np.array(5, dtype=np.uint32)):
        with pytest.raises(TypeError, match=r"^f\(\): x: expected list<u32> .*a buffer with no dimensions: one number"):
            numbers.f(scalar)
    with pytest.raises(TypeError, match=r"^f\(\): x: expected list<u8> .*a buffer with no dimensions: one number"):
        data.f(np.uint8(7))
    # Several dimensions of the element type are taken whole, in C order,
    # as bytes() takes them.
    assert numbers.f(np.arange(6, dtype=np.uint32).reshape(2, 3)) == [0, 1, 2, 3, 4, 5]
    assert data.f(memoryview(bytes(range(6))).cast("B", (2, 3))) == bytes(range(6))
    # Of another type, their items are rows, which are no numbers.
    with pytest.raises(TypeError, match=r"^f\(\): x\[0\]: expected u32 .*got ndarray"):
        numbers.f(np.zeros((2, 2), dtype=np.int16))
    # A memoryview that Python can't index is refused with its place, not
    # left as CPython's NotImplementedError.
    unreadable = "memoryview that Python can't read item by item"
    with pytest.raises(TypeError, match=rf"^f\(\): x: expected list<u32> .*{unreadable} \(multi-dimensional"):
        numbers.f(memoryview(bytes(8)).cast("B", (2, 4)))
    with pytest.raises(TypeError, match=rf"^f\(\): x: expected list<u8> .*{unreadable}"):
        data.f(memoryview(array.array("I", [1, 2])).cast("B").cast("I", (1, 2)))
    records = echo("func(x: list<r>) -> list<r>", types=PADDED, reference=reference)
    unsupported = rf"^f\(\): x: expected list<r> .*{unreadable} \(memoryview: unsupported format"
    with pytest.raises(TypeError, match=unsupported):
        records.f(memoryview(padded_array()))


@ABIS
def test_an_array_is_a_list_of_its_rows(reference: bool) -> None:
    # numpy arrays are no `collections.abc.Sequence`; a list of lists (or of
    # strings, or of records) still takes one, row by row, each row as its
    # own list (a buffer at memcpy speed when the element type fits).
    nested = echo("func(x: list<list<s16>>) -> list<list<s16>>", reference=reference)
    assert nested.f(np.arange(6, dtype=np.int16).reshape(2, 3)) == [[0, 1, 2], [3, 4, 5]]
    assert nested.f(np.array([[1, -2], [3, 4]], dtype=np.int64)) == [[1, -2], [3, 4]]  # rows read item by item
    assert nested.f(np.zeros((0, 4), dtype=np.int16)) == []
    deeper = echo("func(x: list<list<list<u8>>>) -> list<list<list<u8>>>", reference=reference)
    assert deeper.f(np.arange(8, dtype=np.uint8).reshape(2, 2, 2)) == [
        [b"\x00\x01", b"\x02\x03"],
        [b"\x04\x05", b"\x06\x07"],
    ]
    texts = echo("func(x: list<string>) -> list<string>", reference=reference)
    assert texts.f(np.array(["ab", "c"])) == ["ab", "c"]
    # A list<u8> too: an array of another integer type is its numbers.
    data = echo("func(x: list<u8>) -> list<u8>", reference=reference)
    assert data.f(np.array([1, 255], dtype=np.int64)) == b"\x01\xff"
    with pytest.raises(OverflowError, match=r"^f\(\): x\[1\]: expected u8 \(0\.\.255\), got -1$"):
        data.f(np.array([1, -1], dtype=np.int64))
    with pytest.raises(TypeError, match=r"^f\(\): x\[0\]: expected u8 .*got bool"):
        data.f(np.array([True]))
    # A row that is no list is refused at its index, and an array of no
    # dimensions is one number, not a list.
    with pytest.raises(TypeError, match=r"^f\(\): x\[0\]: expected list<s16> .*no dimensions: one number"):
        nested.f(np.arange(3, dtype=np.int16))
    with pytest.raises(TypeError, match=r"^f\(\): x: expected list<list<s16>> "):
        nested.f(np.array(5, dtype=np.int16))
    with pytest.raises(OverflowError, match=r"^f\(\): x\[1\]\[0\]: expected s16"):
        nested.f(np.array([[1], [1 << 20]], dtype=np.int64))
    # A buffer that can't be iterated has no rows.
    with pytest.raises(TypeError, match=r"^f\(\): x: expected list<string> .*got <pickle.PickleBuffer object"):
        texts.f(pickle.PickleBuffer(b"ab"))


@pytest.mark.parametrize("wit", NUMBER_TYPES)
def test_numeric_lists_can_come_out_as_arrays_or_numpy(wit: str) -> None:
    code, dtype, values = NUMBER_TYPES[wit]
    as_array = echo(f"func(x: list<{wit}>) -> list<{wit}>", numeric_lists="array")
    got = as_array.f(values)
    assert isinstance(got, array.array)
    assert got.typecode == code
    assert same_numbers(got, values)
    as_numpy = echo(f"func(x: list<{wit}>) -> list<{wit}>", numeric_lists="numpy")
    got = as_numpy.f(values)
    assert isinstance(got, np.ndarray)
    assert got.dtype == np.dtype(dtype)
    assert same_numbers(got, values)
    assert got.flags.writeable  # a copy, not a view of the guest
    assert got.flags.owndata


def test_numeric_lists_reach_python_imports_in_the_same_form() -> None:
    seen: list[Any] = []

    def host(x: Any) -> Any:
        seen.append(x)
        return x

    inst = echo("func(x: list<f64>) -> list<f64>", host, numeric_lists="numpy")
    assert same_numbers(inst.f([1.5, 2.5]), [1.5, 2.5])
    assert isinstance(seen[0], np.ndarray)


def test_bytes_bools_and_chars_keep_their_python_types_in_every_mode() -> None:
    for mode in ("list", "array", "numpy"):
        inst = echo(
            "func(b: list<u8>, t: list<bool>, c: list<char>) -> tuple<list<u8>, list<bool>, list<char>>",
            lambda b, t, c: (b, t, c),
            numeric_lists=mode,
        )
        b, t, c = inst.f(b"\x00\xff", [True, False], ["a", "😀"])
        assert b == b"\x00\xff"
        assert list(t) == [True, False]
        assert c == ["a", "😀"]
        if mode == "numpy":
            assert isinstance(t, np.ndarray)
            assert t.dtype == np.bool_
        else:
            assert t == [True, False]


def test_numeric_lists_must_be_a_known_mode() -> None:
    with pytest.raises(ValueError, match="numeric_lists must be 'list', 'array' or 'numpy'"):
        echo("func(x: list<u32>) -> list<u32>", numeric_lists="tuple")


def test_numeric_lists_numpy_without_numpy_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "numpy", None)
    with pytest.raises(witbridge.Error, match=r"needs numpy.*pip install numpy"):
        echo("func(x: list<u32>) -> list<u32>", numeric_lists="numpy")


def test_a_guest_may_hand_the_host_no_more_than_max_transfer() -> None:
    limits = witbridge.Limits(max_transfer=1000)
    inst = witbridge.load(VALUES_WASM, limits=limits)
    assert inst.values.make_bytes(1000) == bytes(range(256)) * 3 + bytes(range(232))
    with pytest.raises(witbridge.Trap) as raised:
        inst.values.make_bytes(1001)
    assert raised.value.code == "transfer_limit"
    assert "more than 1000 bytes" in str(raised.value)
    assert "make-bytes" in str(raised.value)
    assert inst.broken


def test_max_transfer_bounds_what_an_import_receives_too() -> None:
    received: list[bytes] = []
    inst = echo("func(x: list<u8>)", received.append, limits=witbridge.Limits(max_transfer=64))
    inst.f(b"x" * 64)
    with pytest.raises(witbridge.Trap) as raised:
        inst.f(b"x" * 65)
    assert raised.value.code == "transfer_limit"
    assert received == [b"x" * 64]


def test_every_list_element_counts() -> None:
    # `result` is one byte in the guest, and a Python object on the host.
    ok = witbridge.Ok()
    inst = echo("func(x: list<result>) -> list<result>", limits=witbridge.Limits(max_transfer=10))
    assert inst.f([ok] * 10) == [ok] * 10  # 10 into the import, 10 back
    with pytest.raises(witbridge.Trap, match="more than 10 bytes"):
        inst.f([ok] * 11)


def test_the_default_max_transfer_is_one_gib_and_none_lifts_it() -> None:
    assert witbridge.Limits().max_transfer == 1 << 30
    inst = witbridge.load(VALUES_WASM, limits=witbridge.Limits(max_transfer=None))
    assert inst.values.make_bytes(3) == b"\x00\x01\x02"


# A record of every width, so that its fields have padding between them: at
# offsets 0, 8, 16 and 20 of 24 bytes in the guest's memory.
PADDED = "record r { a: u8, b: s64, c: f32, d: s16 }"
PADDED_DTYPE = np.dtype([("a", "u1"), ("b", "<i8"), ("c", "<f4"), ("d", "<i2")], align=True)
PADDED_ROWS = [(255, -(2**63), 1.5, -(2**15)), (0, 2**63 - 1, float("-inf"), 2**15 - 1), (7, -1, -0.0, 0)]


def padded_array() -> Any:
    return np.array(PADDED_ROWS, dtype=PADDED_DTYPE)


@ABIS
def test_lists_of_numeric_records_come_out_as_structured_arrays(reference: bool) -> None:
    seen: list[Any] = []

    def host(x: Any) -> Any:
        seen.append(x)
        return x

    inst = echo("func(x: list<r>) -> list<r>", host, types=PADDED, numeric_lists="numpy", reference=reference)
    objects = [inst.R(*row) for row in PADDED_ROWS]
    got = inst.f(objects)
    assert isinstance(got, np.ndarray)
    assert got.dtype == PADDED_DTYPE
    assert got.dtype.itemsize == 24  # the record's size in the guest's memory
    assert got.tolist() == PADDED_ROWS
    assert got.flags.writeable
    # The Python import got one too, and handed it back as it was.
    assert isinstance(seen[0], np.ndarray)
    assert seen[0].tolist() == PADDED_ROWS
    assert inst.f([]).shape == (0,)


@ABIS
def test_a_structured_array_of_the_records_dtype_is_accepted(reference: bool) -> None:
    inst = echo("func(x: list<r>) -> list<r>", types=PADDED, reference=reference)
    expected = [inst.R(*row) for row in PADDED_ROWS]
    assert inst.f(padded_array()) == expected
    # A strided view is read in order, and an empty array is an empty list.
    assert inst.f(padded_array()[::2]) == expected[::2]
    assert inst.f(np.zeros(0, dtype=PADDED_DTYPE)) == []


def test_a_guest_reads_a_structured_array_as_its_records() -> None:
    values = witbridge.load(VALUES_WASM).values
    points = np.array([(1, -2), (30, 40), (500, -600)], dtype=[("x", "<i4"), ("y", "<i4")])
    assert values.sum_points(points) == values.Point(x=531, y=-562)


def test_a_structured_array_of_another_dtype_is_refused() -> None:
    inst = echo("func(x: list<r>) -> list<r>", types=PADDED)
    packed = np.zeros(2, dtype=[("a", "u1"), ("b", "<i8"), ("c", "<f4"), ("d", "<i2")])
    with pytest.raises(TypeError, match=r"^f\(\): x: expected list<r> .*got a numpy array of dtype .*must have dtype"):
        inst.f(packed)
    with pytest.raises(TypeError, match=r"got a numpy array of 2 dimensions"):
        inst.f(np.zeros((2, 2), dtype=PADDED_DTYPE))


def test_records_that_are_not_all_numbers_stay_objects_under_numpy() -> None:
    inst = echo("func(x: list<r>) -> list<r>", types="record r { n: u32, ok: bool }", numeric_lists="numpy")
    assert inst.f([inst.R(n=1, ok=True)]) == [inst.R(n=1, ok=True)]
    # So do lists of records under numeric_lists="array", which has no records.
    as_array = echo("func(x: list<r>) -> list<r>", types=PADDED, numeric_lists="array")
    assert as_array.f(padded_array()) == [as_array.R(*row) for row in PADDED_ROWS]


def test_a_sequence_whose_length_lies_is_refused_at_its_first_missing_record() -> None:
    inst = echo("func(x: list<r>) -> list<r>", types=PADDED)

    class Liar(Sequence[Any]):
        """A sequence that claims a trillion records and has one."""

        def __len__(self) -> int:
            return 10**12

        def __getitem__(self, i: Any) -> Any:
            if i > 0:
                raise IndexError(i)
            return inst.R(*PADDED_ROWS[0])

    with pytest.raises(IndexError):
        inst.f(Liar())


@ABIS
def test_records_that_the_shortcut_cannot_read_are_read_field_by_field(reference: bool) -> None:
    """A record of the class itself, with `int`s and `float`s in range, is read where its fields lie; everything
    else goes the general way, with the same values and the same refusals."""
    inst = echo("func(x: list<r>) -> list<r>", types=PADDED, reference=reference)

    class Big(int):
        pass

    odd = [
        inst.R(a=Big(3), b=-1, c=1.5, d=0),  # an int subclass
        inst.R(a=1, b=2, c=3, d=4),  # an int for a float field
        {"a": 5, "b": 6, "c": 7.5, "d": 8},  # a dict
    ]
    assert inst.f(odd) == [inst.R(3, -1, 1.5, 0), inst.R(1, 2, 3.0, 4), inst.R(5, 6, 7.5, 8)]
    fine = inst.R(*PADDED_ROWS[0])
    with pytest.raises(OverflowError, match=r"^f\(\): x\[1\]\.a: expected u8"):
        inst.f([fine, inst.R(a=256, b=0, c=0.0, d=0)])
    with pytest.raises(OverflowError, match=r"^f\(\): x\[1\]\.b: expected s64"):
        inst.f([fine, inst.R(a=0, b=2**63, c=0.0, d=0)])
    with pytest.raises(OverflowError, match=r"^f\(\): x\[0\]\.c: expected f32 \(at most 3.4028235e38"):
        inst.f([inst.R(a=0, b=0, c=1e39, d=0)])
    with pytest.raises(TypeError, match=r"^f\(\): x\[0\]\.a: expected u8 \(0..255\), got True"):
        inst.f([inst.R(a=True, b=0, c=0.0, d=0)])
    gone = inst.R(*PADDED_ROWS[0])
    del gone.d
    with pytest.raises(TypeError, match=r"^f\(\): x\[0\]: expected record r .*it has no attribute d"):
        inst.f([gone])
    # Infinities and NaN are f32s too.
    [special] = inst.f([inst.R(a=0, b=0, c=float("nan"), d=0)])
    assert special.c != special.c
