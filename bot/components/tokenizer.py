"""A Jieba tokenizer that no resident's input can break.

Rasa's stock ``JiebaTokenizer`` hands every piece Jieba returns to the
featurizers, including whitespace-only pieces (RasaHQ/rasa#7910), and it sees
full-width letters and digits, zero-width characters and emoji variation
selectors exactly as typed. Messages typed on phones are full of those.

This tokenizer normalises the text one character at a time before Jieba sees
it, and maps every token back onto the original text:

* a character whose NFKC form is a single character is replaced by that form
  (``Ａ`` -> ``A``, ``１`` -> ``1``, ``！`` -> ``!``, ideographic space -> space);
  characters that NFKC expands to several characters are kept as typed, so the
  normalised text never grows;
* every whitespace character becomes a plain space, which only separates tokens;
* invisible characters (zero-width spaces and joiners, BOM, soft hyphen,
  direction marks, variation selectors, control characters, lone surrogates)
  are removed, so ``漏\u200b水`` is still ``漏水``;
* no token is empty or whitespace-only;
* ``token.start``/``token.end`` always index the original text, so entity
  annotations and regex matches made on the original text line up with tokens.
  A token's text is the normalised form of ``text[start:end]`` without the
  invisible characters.
"""

from __future__ import annotations

import re
import unicodedata
from re import Pattern
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

# Unicode categories that never carry meaning for intent classification:
# Cf (format: ZWSP, ZWJ, BOM, soft hyphen, bidi marks), Cc (controls that are
# not whitespace) and Cs (lone surrogates from badly decoded input).
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Cs"})

_NON_SPACE_RUN = re.compile(r"\S+")


def _is_invisible(char: str) -> bool:
    code = ord(char)
    if 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF:
        # emoji / CJK variation selectors
        return True
    return unicodedata.category(char) in _INVISIBLE_CATEGORIES


def normalise(text: str) -> tuple[str, list[int]]:
    """Normalises ``text`` per character.

    Returns the normalised text and, for each of its characters, the index of
    the character of ``text`` it came from (strictly increasing).
    """
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if char.isspace():
            chars.append(" ")
            origin.append(index)
            continue
        if _is_invisible(char):
            continue
        folded = unicodedata.normalize("NFKC", char)
        if len(folded) == 1:
            char = " " if folded.isspace() else folded
        chars.append(char)
        origin.append(index)
    return "".join(chars), origin


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class SafeJiebaTokenizer(JiebaTokenizer):
    """Jieba tokenizer with per-character normalisation and safe offsets."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Pieces Jieba returns are split further with this pattern (whitespace
        # runs never survive it); the optional ``token_pattern`` of the parent
        # is applied on the normalised text so offsets stay exact.
        self._piece_pattern: Pattern[str] = self.token_pattern_regex or _NON_SPACE_RUN

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Same options as Rasa's JiebaTokenizer."""
        return JiebaTokenizer.get_default_config()

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        """Tokenizes the text of the given attribute of the message."""
        text: str | None = message.get(attribute)
        if not isinstance(text, str) or not text:
            return []
        return self.tokenize_text(text)

    def tokenize_text(self, text: str) -> list[Token]:
        """Tokenizes a plain string (see the module docstring for guarantees)."""
        import jieba

        normalised, origin = normalise(text)
        if not normalised.strip():
            return []

        tokens: list[Token] = []
        for word, start, _end in jieba.tokenize(normalised):
            if not word.strip():
                continue
            for piece in self._piece_pattern.finditer(word):
                piece_start, piece_end = start + piece.start(), start + piece.end()
                while piece_start < piece_end and normalised[piece_start] == " ":
                    piece_start += 1
                while piece_end > piece_start and normalised[piece_end - 1] == " ":
                    piece_end -= 1
                if piece_start == piece_end:
                    continue
                tokens.append(
                    Token(
                        normalised[piece_start:piece_end],
                        origin[piece_start],
                        end=origin[piece_end - 1] + 1,
                    )
                )
        return tokens
