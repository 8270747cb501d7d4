"""Callback fields are decoded by their real types, whether or not the module declaring the
class postpones its annotations (this module deliberately does not)."""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from handlers.callbacks import CallbackData


@pytest.fixture(autouse=True)
def _registry() -> Iterator[None]:
    """The probe classes leave the registry as they found it (the conventions test checks
    that every registered class is documented and handled)."""
    before = dict(CallbackData.REGISTRY)
    yield
    CallbackData.REGISTRY.clear()
    CallbackData.REGISTRY.update(before)


def test_fields_decode_by_their_real_types_without_postponed_annotations() -> None:
    @dataclass(frozen=True)
    class Probe(CallbackData, prefix="zz", action="probe"):
        tercero_id: int
        page: int | None = None
        word: str = ""

    assert Probe.unpack("zz:probe:7:5:abc") == Probe(7, 5, "abc")
    assert isinstance(Probe.unpack("zz:probe:7:5").page, int)  # was the string '5'
    assert Probe.unpack("zz:probe:7::abc") == Probe(7, None, "abc")
    assert Probe.unpack(Probe(3).pack()) == Probe(3)


def test_a_field_of_another_type_is_refused_when_decoding() -> None:
    @dataclass(frozen=True)
    class Bad(CallbackData, prefix="zz", action="bad"):
        amount: float

    with pytest.raises(TypeError):
        Bad.unpack("zz:bad:1.5")
