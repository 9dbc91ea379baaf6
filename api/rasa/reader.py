"""Asking the NLU what a few words mean, from inside an action.

A correction ("不是停水，是漏水") names the new problem in part of a message; the
message as a whole still reads like the old one. The action asks Rasa's own
model about the new words alone, so the corrected code comes from the same
model as every other code. Rasa waits for the action asynchronously, so it can
answer this request meanwhile; actions run in a worker thread, so a blocking
call is fine here.
"""

import logging

import httpx

from api.catalogue import understand_parse

logger = logging.getLogger(__name__)
PARSE_TIMEOUT_SECONDS = 3.0


class RasaReader:
    """`code_of(text)`: the service code Rasa's model gives a text, or None."""

    def __init__(self, base_url: str, token: str) -> None:
        self._url = f"{base_url.rstrip('/')}/model/parse"
        self._token = token

    def code_of(self, text: str) -> str | None:
        """The text's code, emergencies included; None when Rasa cannot tell or answer."""
        try:
            response = httpx.post(
                self._url,
                params={"token": self._token},
                json={"text": text},
                timeout=PARSE_TIMEOUT_SECONDS,
            )
            response.raise_for_status()
            result = response.json()
        except (httpx.HTTPError, ValueError):
            logger.warning("could not ask the NLU about a corrected problem", exc_info=True)
            return None
        return understand_parse(result).service_code
