"""Who may read what: every rule that masks or removes personal data, in one place.

- Staff of the holding station see a resident's phone whole; everyone else, and
  every log line, sees 138****5678 (`mask_phone`, `mask_phones_in`).
- A resident reads their own words masked whole, and in staff's notes only their
  own number masked (`note_for_resident`).
- Operators, exports and training data see placeholders for phones, ID numbers,
  house numbers and long numbers (`redact`).
- What is published to the world (Open311) has phone-like numbers and e-mail
  addresses blanked (`hide_contacts`).
"""

import re
from collections.abc import Callable, Collection
from typing import Any

from api.tickets.contact import MOBILE_IN_TEXT, normalised_with_origin
from api.tickets.numbers import ticket_number_spans

# ---- residents' phones ----------------------------------------------------


def mask_phone(phone: str | None) -> str | None:
    """138****5678: enough for a resident to recognise, useless to anyone else."""
    if not phone:
        return None
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 8 else "****"


def mask_phones_in(text: str, only: Collection[str] | None = None) -> str:
    """Mask every mobile number inside a text (or `only` those numbers, as 11 digits),
    however it is written; the rest stays as typed.

    Numbers are found in the NFKC form (full-width digits count), and each is
    replaced in the original text, so a note's full-width punctuation survives.
    """
    normalised, origin = normalised_with_origin(text)
    pieces: list[str] = []
    kept = 0
    for match in MOBILE_IN_TEXT.finditer(normalised):
        if only is not None and "".join(match.groups()) not in only:
            continue
        start, end = origin[match.start()], origin[match.end() - 1] + 1
        pieces += [text[kept:start], f"{match[1]}****{match[3]}"]
        kept = end
    return "".join(pieces) + text[kept:] if pieces else text


def note_for_resident(
    note: str | None, *, by_resident: bool, resident_phone: str | None
) -> str | None:
    """A ticket note as the resident who filed the ticket reads it, in any channel.

    Their own words are masked whole; in staff's notes only the resident's number is
    masked, so a callback number staff leave (师傅电话 139…) can be called.
    """
    if not note:
        return None
    if by_resident:
        return mask_phones_in(note)
    return mask_phones_in(note, only={resident_phone} if resident_phone else set())


# ---- operators and training data ---------------------------------------------

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


# ---- what is published ----------------------------------------------------------

# \d also matches full-width digits, so text is redacted as written, not normalised.
_PHONE_LIKE = re.compile(r"[+＋]?\d(?:[\s\-－—–()（）.．]*\d){6,}")
_EMAIL = re.compile(r"[^\s@<>()（）,，;；:：]+@[^\s@<>()（）,，;；:：]+\.[A-Za-z]{2,}")


def hide_contacts(text: str) -> str:
    """Blank phone-like numbers and e-mail addresses in a text about to be published."""
    return _PHONE_LIKE.sub("[号码已隐藏]", _EMAIL.sub("[邮箱已隐藏]", text))


def mask_strings(value: Any, mask: Callable[[str], str | None]) -> Any:
    """A JSON-like value (an event's data, a story) with every string passed through `mask`."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {key: mask_strings(item, mask) for key, item in value.items()}
    if isinstance(value, list):
        return [mask_strings(item, mask) for item in value]
    return value
