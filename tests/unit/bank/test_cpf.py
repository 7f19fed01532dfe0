from __future__ import annotations

import random

import pytest
from datalake.generators import cpf
from faker import Faker

# Published/valid examples (check digits computed by hand with the mod-11 rule).
VALID = ["529.982.247-25", "111.444.777-35", "123.456.789-09", "52998224725", "000.000.001-91"]
INVALID = [
    "529.982.247-26",  # second check digit wrong
    "529.982.247-15",  # first check digit wrong
    "111.111.111-11",  # repeated digits pass the arithmetic but are invalid by rule
    "000.000.000-00",
    "123.456.789",  # too short
    "123.456.789-0a",
    "12345678909 ",
    "",
]


@pytest.mark.parametrize("value", VALID)
def test_known_valid(value: str) -> None:
    assert cpf.is_valid(value)


@pytest.mark.parametrize("value", INVALID)
def test_known_invalid(value: str) -> None:
    assert not cpf.is_valid(value)


def test_check_digits_by_hand() -> None:
    # 529982247: first = 11 - (295 % 11) -> 2, second -> 5
    assert cpf.check_digits("529982247") == "25"
    assert cpf.check_digits("111444777") == "35"
    with pytest.raises(ValueError):
        cpf.check_digits("12345")


def test_require_format() -> None:
    assert cpf.is_valid("52998224725")
    assert not cpf.is_valid("52998224725", require_format=True)
    assert cpf.is_valid("529.982.247-25", require_format=True)


def test_generate_is_valid_formatted_and_deterministic() -> None:
    a = [cpf.generate(random.Random(7)) for _ in range(3)]
    b = [cpf.generate(random.Random(7)) for _ in range(3)]
    assert a == b
    rng = random.Random(1)
    for _ in range(2_000):
        value = cpf.generate(rng)
        assert cpf.is_valid(value, require_format=True), value
    assert len(cpf.generate(rng, formatted=False)) == 11


def test_generate_unique_avoids_taken() -> None:
    rng = random.Random(3)
    first = cpf.generate(random.Random(3))
    taken = {first}
    out = cpf.generate_unique(rng, 500, taken)
    assert first not in out
    assert len(set(out)) == 500
    assert set(out) <= taken  # taken is updated in place for the next batch


def test_agrees_with_faker_pt_br() -> None:
    fake = Faker("pt_BR")
    fake.seed_instance(11)
    for _ in range(500):
        assert cpf.is_valid(fake.cpf(), require_format=True)


def test_format_and_normalize_round_trip() -> None:
    assert cpf.format_cpf("52998224725") == "529.982.247-25"
    assert cpf.normalize("529.982.247-25") == "52998224725"
