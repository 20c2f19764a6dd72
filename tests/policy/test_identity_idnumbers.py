"""Resident identity numbers (GB 11643-1999) and USCCs (GB 32100-2015)."""

from __future__ import annotations

import datetime as dt

import pytest

from policy.identity.idnumbers import (
    IdNumberError,
    normalise_id_number,
    resident_id_check_char,
    uscc_check_char,
    validate_id_number,
    validate_resident_id,
    validate_uscc,
)

TODAY = dt.date(2026, 11, 23)
# The worked example in GB 11643-1999 itself: Beijing Chaoyang, 1949-12-31.
STANDARD_EXAMPLE = "11010519491231002X"
# The commonly cited example code (Fuzhou); checked by hand below.
USCC_EXAMPLE = "91350100M000100Y43"


def make_resident_id(region: str, born: str, sequence: str) -> str:
    first17 = region + born + sequence
    return first17 + resident_id_check_char(first17)


def make_uscc(first17: str) -> str:
    return first17 + uscc_check_char(first17)


def test_standard_example_checks_by_hand() -> None:
    # Given the weights and check characters of the standard, worked out by hand
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c) * w for c, w in zip(STANDARD_EXAMPLE[:17], weights, strict=True))
    # Then the sum is 167, 167 mod 11 = 2, and "10X98765432"[2] is X
    assert (total, total % 11) == (167, 2)
    assert resident_id_check_char(STANDARD_EXAMPLE[:17]) == "X"
    validate_resident_id(STANDARD_EXAMPLE, today=TODAY)  # no error: valid


@pytest.mark.parametrize("region,born,sequence", [
    ("110105", "19491231", "002"),  # Beijing
    ("440305", "20000229", "123"),  # Shenzhen, a leap day
    ("650102", "19000101", "001"),  # Urumqi, the earliest accepted date
    ("820000", "20261123", "999"),  # Macao, born today
    ("710000", "19800101", "010"),
])
def test_computed_resident_ids_are_valid(region: str, born: str, sequence: str) -> None:
    number = make_resident_id(region, born, sequence)
    validate_resident_id(number, today=TODAY)  # no error: valid
    validate_id_number("person", number, today=TODAY)  # no error: valid


def test_default_today_accepts_a_past_birth_date() -> None:
    validate_resident_id(STANDARD_EXAMPLE)  # no error: valid


def _last_wrong(number: str, charset: str) -> str:
    return number[:17] + next(c for c in charset if c != number[17])


@pytest.mark.parametrize("number,code", [
    (STANDARD_EXAMPLE[:17], "length"),
    (STANDARD_EXAMPLE + "1", "length"),
    ("", "length"),
    (STANDARD_EXAMPLE[:17] + "x", "characters"),  # lowercase: normalise first
    ("11010519491231A02X", "characters"),
    ("１１０１０５１９４９１２３１００２Ｘ", "characters"),  # full-width digits
    (make_resident_id("000000", "19491231", "002"), "region"),
    (make_resident_id("990000", "19491231", "002"), "region"),
    (make_resident_id("160000", "19491231", "002"), "region"),
    (make_resident_id("110105", "19490230", "002"), "birth_date"),
    (make_resident_id("110105", "19491301", "002"), "birth_date"),
    (make_resident_id("110105", "00000101", "002"), "birth_date"),
    # The standard's other example: checksum right, but born in 1880.
    ("440524188001010014", "birth_date_range"),
    (make_resident_id("110105", "20261124", "002"), "birth_date_future"),
    (_last_wrong(STANDARD_EXAMPLE, "0123456789X"), "check_digit"),
])
def test_invalid_resident_ids(number: str, code: str) -> None:
    with pytest.raises(IdNumberError) as err:
        validate_resident_id(number, today=TODAY)
    assert err.value.code == code
    # Never the number nor a piece of it (region, birth date) in the message
    if number:
        for piece in (number, number[:6], number[6:14], number[14:]):
            assert piece not in str(err.value)


def test_resident_id_errors_have_distinct_messages() -> None:
    cases = [STANDARD_EXAMPLE[:17], "11010519491231A02X", make_resident_id("990000", "19491231", "002"),
             make_resident_id("110105", "19490230", "002"), "440524188001010014",
             make_resident_id("110105", "20261124", "002"), STANDARD_EXAMPLE[:17] + "1"]
    messages = set()
    for number in cases:
        with pytest.raises(IdNumberError) as err:
            validate_resident_id(number, today=TODAY)
        messages.add(err.value.message)
    assert len(messages) == len(cases)


def test_uscc_example_checks_by_hand() -> None:
    charset = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(charset.index(c) * w for c, w in zip(USCC_EXAMPLE[:17], weights, strict=True))
    assert charset[31 - total % 31] == "3" == USCC_EXAMPLE[17]
    validate_uscc(USCC_EXAMPLE)  # no error: valid


@pytest.mark.parametrize("first17", ["91110000600037341", "12100000400010398", "Y1440300MA5DXXXX0"[:17],
                                     "5311000050000000X"[:17], "00000000000000000"])
def test_computed_usccs_are_valid(first17: str) -> None:
    code = make_uscc(first17)
    validate_uscc(code)  # no error: valid
    validate_id_number("organisation", code)  # no error: valid


def test_uscc_check_character_31_wraps_to_0() -> None:
    # A sum that is 0 mod 31 gives 31 - 0 = 31, which the standard writes as 0
    assert uscc_check_char("0" * 17) == "0"


@pytest.mark.parametrize("code,code_kind", [
    (USCC_EXAMPLE[:17], "length"),
    (USCC_EXAMPLE + "0", "length"),
    ("91350100M000100I43", "characters"),
    ("91350100M000100O43", "characters"),
    ("91350100M000100Z43", "characters"),
    ("91350100M000100S43", "characters"),
    ("91350100M000100V43", "characters"),
    (USCC_EXAMPLE.lower(), "characters"),
    (USCC_EXAMPLE[:17] + "4", "check_digit"),
])
def test_invalid_usccs(code: str, code_kind: str) -> None:
    with pytest.raises(IdNumberError) as err:
        validate_uscc(code)
    assert err.value.code == code_kind
    assert code not in str(err.value)


def test_kind_decides_which_check_applies() -> None:
    with pytest.raises(IdNumberError):
        validate_id_number("organisation", STANDARD_EXAMPLE)
    with pytest.raises(IdNumberError):
        validate_id_number("person", USCC_EXAMPLE, today=TODAY)
    with pytest.raises(IdNumberError) as err:
        validate_id_number("robot", STANDARD_EXAMPLE)
    assert err.value.code == "kind"


def test_check_char_helpers_refuse_bad_input() -> None:
    for bad in ("1234", "1101051949123100A", "１１０１０５１９４９１２３１００２"):
        with pytest.raises(IdNumberError):
            resident_id_check_char(bad)
    with pytest.raises(IdNumberError):
        uscc_check_char("91350100M000100I4")


def test_normalise_id_number() -> None:
    assert normalise_id_number(" 110105 19491231 002x\n") == STANDARD_EXAMPLE
