"""Personal data out of everything operators read and everything exported to training.

Phone numbers, ID card numbers and house numbers become placeholders: the
words around them are what the model learns from, never whose home it was.
Ticket numbers stay as written: they name a ticket, not a person, and "where
is LY-20261119-0088" must still read as a question about a ticket.
"""

import re

from api.tickets.contact import mask_phones_in
from api.tickets.numbers import ticket_number_spans

PHONE = "【电话】"
ID_NUMBER = "【身份证号】"
HOUSE_NUMBER = "【门牌号】"
NUMBER = "【号码】"

_DIGIT = r"[0-9０-９]"
# 18-digit resident ID (last may be X) or the old 15-digit one.
_ID = re.compile(rf"(?<![0-9０-９])(?:{_DIGIT}{{17}}[0-9０-９xXｘＸ]|{_DIGIT}{{15}})(?![0-9０-９])")
# 3栋2单元502, 5号楼1单元301室, 12幢3-2, 8-2-1, 502室, 3号院: building, unit and door numbers.
_UNIT = r"(?:栋|幢|号楼|单元|号院|楼|层|室|号|附)"
_HOUSE = re.compile(
    rf"(?:{_DIGIT}+\s*(?:栋|幢|号楼|单元|号院|附)\s*)+(?:{_DIGIT}+\s*{_UNIT}?)?(?:-{_DIGIT}{{1,4}})*"
    rf"|{_DIGIT}{{1,3}}-{_DIGIT}{{1,3}}(?:-{_DIGIT}{{1,4}})?"
    rf"|{_DIGIT}{{3,4}}\s*(?:室|号房)"
)
# Any other long run of digits (bank cards, plates written as digits, landlines).
_LONG_NUMBER = re.compile(rf"{_DIGIT}{{7,}}")
_MASKED_MOBILE = re.compile(r"1[3-9]\d\*{4}\d{4}")


def redact(text: str) -> str:
    """The text with phones, ID numbers, house numbers and long numbers replaced.

    Phones go first (no ticket number holds one: its date starts with 20), then
    each stretch between ticket numbers is masked on its own, so no pattern
    reaches into a ticket number and the numbers come out as written.
    """
    text = _MASKED_MOBILE.sub(PHONE, mask_phones_in(text))
    pieces: list[str] = []
    kept = 0
    for start, end in ticket_number_spans(text):
        pieces += [_mask_numbers(text[kept:start]), text[start:end]]
        kept = end
    return "".join(pieces) + _mask_numbers(text[kept:])


def _mask_numbers(text: str) -> str:
    text = _ID.sub(ID_NUMBER, text)
    text = _HOUSE.sub(HOUSE_NUMBER, text)
    return _LONG_NUMBER.sub(NUMBER, text)
