"""Form and checksum of PRC identity numbers, as an attestation carries them.

Two kinds: the 18-character resident identity number of a person
(GB 11643-1999) and the 18-character unified social credit code of an
organisation (GB 32100-2015). Only the form is checked: a number can pass
and still belong to nobody; whether it does is the identity authority's
business, which is why the node trusts signed attestations, not numbers.

Error messages never quote the number or any part of it (a region code or
birth date is personal data too), so they are safe to log and to show.
"""

from __future__ import annotations

import datetime as dt
import re

KINDS = ("person", "organisation")

# GB 11643-1999: weights 2^(17-i) mod 11, check digit from the sum mod 11.
_RESIDENT_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RESIDENT_CHECK = "10X98765432"
_RESIDENT_FORM = re.compile(r"[0-9]{17}[0-9X]")
# The province-level prefixes of GB/T 2260 (71 Taiwan, 81 Hong Kong, 82 Macao).
PROVINCE_CODES = frozenset(
    [*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47),
     *range(50, 55), *range(61, 66), 71, 81, 82]
)
EARLIEST_BIRTH = dt.date(1900, 1, 1)
# Birth dates are PRC calendar dates: "today" is today in Beijing, which is
# ahead of UTC for eight hours of every day.
BEIJING = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")

# GB 32100-2015: 31 characters, without I, O, Z, S, V (easily misread).
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_FORM = re.compile(f"[{USCC_CHARSET}]{{18}}")


class IdNumberError(ValueError):
    """A number that is not of a valid form; `code` says which rule failed."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def resident_id_check_char(first17: str) -> str:
    """The check character that completes 17 digits (for tests and tooling)."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise IdNumberError("characters", "a resident identity number starts with 17 digits")
    total = sum(int(c) * w for c, w in zip(first17, _RESIDENT_WEIGHTS, strict=True))
    return _RESIDENT_CHECK[total % 11]


def uscc_check_char(first17: str) -> str:
    """The check character that completes 17 code characters."""
    if len(first17) != 17 or any(c not in USCC_CHARSET for c in first17):
        raise IdNumberError("characters", "a unified social credit code starts with 17 code characters")
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def validate_resident_id(number: str, *, today: dt.date | None = None) -> None:
    """None if `number` is a well-formed resident identity number, else raise.

    Uppercase X only: callers normalise input they collect themselves
    (`normalise_id_number`); a signed attestation is taken as written.
    """
    what = "resident identity number"
    _check_length(number, what)
    if not _RESIDENT_FORM.fullmatch(number):
        raise IdNumberError("characters", f"a {what} is 17 digits followed by a digit or X")
    if int(number[:2]) not in PROVINCE_CODES:
        raise IdNumberError("region", f"the {what} does not start with a known province code")
    _check_birth_date(number[6:14], today or dt.datetime.now(BEIJING).date())
    if resident_id_check_char(number[:17]) != number[17]:
        raise IdNumberError("check_digit", f"the check digit of the {what} is wrong")


def validate_uscc(code: str) -> None:
    """None if `code` is a well-formed unified social credit code, else raise."""
    what = "unified social credit code"
    _check_length(code, what)
    if not _USCC_FORM.fullmatch(code):
        raise IdNumberError(
            "characters", f"a {what} uses only digits and the letters A-Y without I, O, S, V, Z"
        )
    if uscc_check_char(code[:17]) != code[17]:
        raise IdNumberError("check_digit", f"the check character of the {what} is wrong")


def validate_id_number(kind: str, number: str, *, today: dt.date | None = None) -> None:
    """Resident identity number for a person, USCC for an organisation."""
    if kind == "person":
        validate_resident_id(number, today=today)
    elif kind == "organisation":
        validate_uscc(number)
    else:
        raise IdNumberError("kind", f"kind must be one of {', '.join(KINDS)}")


def normalise_id_number(text: str) -> str:
    """What a person types into what the validators expect: no spaces, uppercase."""
    return "".join(text.split()).upper()


def _check_length(number: object, what: str) -> None:
    if not isinstance(number, str):
        raise IdNumberError("characters", f"a {what} is a string")
    if len(number) != 18:
        raise IdNumberError("length", f"a {what} is 18 characters long, not {len(number)}")


def _check_birth_date(digits: str, today: dt.date) -> None:
    try:
        born = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise IdNumberError("birth_date", "the birth date in the number is not a calendar date") from None
    if born < EARLIEST_BIRTH:
        raise IdNumberError("birth_date_range", "the birth date in the number is before 1900")
    if born > today:
        raise IdNumberError("birth_date_future", "the birth date in the number is in the future")
