"""Residents' contact phones: parsing what they type, and masking what is shown."""

import re
import unicodedata
from collections.abc import Collection

_SEP = r"[\s\-－—–()（）]*"
# A mainland mobile as people type it: 13812345678, 138 1234 5678, +86-138-1234-5678.
_MOBILE = re.compile(rf"(?<!\d)(?:\+?86{_SEP})?(1[3-9]\d){_SEP}(\d{{4}}){_SEP}(\d{{4}})(?!\d)")


# The pattern behind `find_mobile`, for callers that need where the number stands.
MOBILE_IN_TEXT = _MOBILE


def _normalised(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def find_mobile(text: str) -> str | None:
    """The first mainland mobile number in free text, as 11 digits."""
    match = _MOBILE.search(_normalised(text))
    return "".join(match.groups()) if match else None


def is_mobile(value: str) -> bool:
    """Whether a value is exactly one mainland mobile number."""
    return _MOBILE.fullmatch(_normalised(value).strip()) is not None


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
    for match in _MOBILE.finditer(normalised):
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


def normalised_with_origin(text: str) -> tuple[str, list[int]]:
    """The NFKC form of a text, and for each of its characters the index it came from."""
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        form = _normalised(char)
        chars.append(form)
        origin += [index] * len(form)
    return "".join(chars), origin
