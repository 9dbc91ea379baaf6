"""Residents' contact phones: reading them from what residents type.

How they are masked when shown is `api.privacy`'s business."""

import re
import unicodedata

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


def normalised_with_origin(text: str) -> tuple[str, list[int]]:
    """The NFKC form of a text, and for each of its characters the index it came from."""
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        form = _normalised(char)
        chars.append(form)
        origin += [index] * len(form)
    return "".join(chars), origin
