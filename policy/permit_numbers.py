"""The form of PRC telecommunications permit and filing numbers.

ICP filings (备案) read `京ICP备12345678号` with an optional `-N` site
suffix; ICP licences (经营许可证) read `京ICP证123456号`, and value-added
telecom licences `京B2-20090059`. The leading character is the province
abbreviation of the issuing authority. Only the form is checked here; whether
a number is registered is the permit registry's business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼港澳台"

_FILING = re.compile(rf"^[{PROVINCES}]ICP备(\d{{8,10}})号(?:-(\d{{1,3}}))?$")
_LICENCE = re.compile(rf"^[{PROVINCES}]ICP证(\d{{6}})号$")
_B2 = re.compile(rf"^[{PROVINCES}]B[12]-(\d{{8}})$")


class PermitNumberError(ValueError):
    """A permit number that is not of a recognised form."""


@dataclass(frozen=True, slots=True)
class PermitNumber:
    number: str
    kind: str  # "filing" or "licence"


def parse_permit_number(text: str) -> PermitNumber:
    """Validate the form of a number; raises PermitNumberError with why."""
    number = text.strip()
    if _FILING.match(number):
        return PermitNumber(number, "filing")
    if _LICENCE.match(number) or _B2.match(number):
        return PermitNumber(number, "licence")
    raise PermitNumberError(
        f"{number!r} is not a permit number of a recognised form "
        "(expected e.g. 京ICP备12345678号-1, 京ICP证123456号 or 京B2-20090059)"
    )
