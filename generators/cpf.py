"""Brazilian CPF numbers: generation with valid check digits, formatting and validation.

The seed wrote random digit strings whose check digits were wrong (seed flaw 2.10.8), so every
downstream CPF check would reject them. Here the two verifier digits follow the Receita Federal
rule (mod 11 with descending weights), and generation takes a `random.Random` so that it is
deterministic under a seed and cheap enough for millions of rows (no Faker call per CPF).
"""

from __future__ import annotations

import random
import re

_NON_DIGITS = re.compile(r"\D")
_FORMATTED = re.compile(r"^\d{3}\.\d{3}\.\d{3}-\d{2}$")


def _verifier(digits: str) -> int:
    """One check digit over `digits` (9 digits for the first, 10 for the second)."""
    weight = len(digits) + 1
    total = sum(int(d) * (weight - i) for i, d in enumerate(digits))
    rest = total * 10 % 11
    return 0 if rest == 10 else rest


def check_digits(base: str) -> str:
    """The two check digits for a 9-digit CPF base."""
    if len(base) != 9 or not base.isdigit():
        raise ValueError(f"a CPF base has exactly 9 digits, got {base!r}")
    first = _verifier(base)
    second = _verifier(base + str(first))
    return f"{first}{second}"


def format_cpf(digits: str) -> str:
    """`12345678909` -> `123.456.789-09`."""
    if len(digits) != 11 or not digits.isdigit():
        raise ValueError(f"a CPF has exactly 11 digits, got {digits!r}")
    return f"{digits[:3]}.{digits[3:6]}.{digits[6:9]}-{digits[9:]}"


def normalize(cpf: str) -> str:
    """Keep only the digits: `123.456.789-09` -> `12345678909`."""
    return _NON_DIGITS.sub("", cpf)


def is_valid(cpf: str, *, require_format: bool = False) -> bool:
    """True when `cpf` has 11 digits, is not a repeated digit and both check digits match.

    Accepts the bare 11 digits or the `NNN.NNN.NNN-NN` form; with `require_format=True` only the
    formatted form is accepted (what the `santander` tables store).
    """
    if require_format and not _FORMATTED.match(cpf):
        return False
    if not require_format and not (_FORMATTED.match(cpf) or (len(cpf) == 11 and cpf.isdigit())):
        return False
    digits = normalize(cpf)
    # 000.000.000-00, 111.111.111-11, ... pass the arithmetic but are invalid by rule.
    if len(set(digits)) == 1:
        return False
    return digits[9:] == check_digits(digits[:9])


def generate(rng: random.Random, *, formatted: bool = True) -> str:
    """A random valid CPF drawn from `rng` (formatted `NNN.NNN.NNN-NN` by default)."""
    while True:
        base = f"{rng.randrange(1_000_000_000):09d}"
        if len(set(base)) > 1:  # a repeated-digit base yields a rule-invalid CPF
            break
    digits = base + check_digits(base)
    return format_cpf(digits) if formatted else digits


def generate_unique(rng: random.Random, n: int, taken: set[str]) -> list[str]:
    """`n` valid formatted CPFs not in `taken`; `taken` is updated in place.

    Collisions are resolved by drawing again, so uniqueness holds across runs as long as
    `taken` holds the CPFs already stored (see `bank_db.load_cpfs`).
    """
    out: list[str] = []
    while len(out) < n:
        cpf = generate(rng)
        if cpf not in taken:
            taken.add(cpf)
            out.append(cpf)
    return out
