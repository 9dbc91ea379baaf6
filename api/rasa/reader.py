"""Asking the NLU what a few words mean, for the actions.

A correction ("不是停水，是漏水") names the new problem in part of a message; the
message as a whole still reads like the old one. The actions ask Rasa's own
model about the new words alone (`ActionContext.code_of`), so the corrected
code comes from the same model as every other code. Rasa waits for the action
asynchronously, so it can answer this request meanwhile; actions run in a
worker thread, so a blocking call is fine here.

The shard asked is the route table's first as it stands now: a promotion moves
the shards to new processes and ports, and the reader follows.
"""

import logging

from api.catalogue import understand_parse
from api.rasa.model_api import RasaModelAPI, RasaModelError
from api.rasa.routing import RouteSource

logger = logging.getLogger(__name__)
PARSE_TIMEOUT_SECONDS = 3.0


class RasaReader:
    """`code_of(text)`: the service code Rasa's model gives a text, or None."""

    def __init__(self, routes: RouteSource, token: str) -> None:
        self._routes = routes
        self._token = token

    def code_of(self, text: str) -> str | None:
        """The text's code, emergencies included; None when Rasa cannot tell or answer."""
        api = RasaModelAPI(self._routes.current(), self._token)
        try:
            result = api.parse(text, timeout=PARSE_TIMEOUT_SECONDS)
        except RasaModelError as exc:
            logger.warning("could not ask the NLU about a corrected problem: %s", exc)
            return None
        return understand_parse(result).service_code
