"""Schemathesis over the app's own OpenAPI: every public and staff operation, in process.

Two runs. As staff: every operation, staff ones with an operator's bearer token and
Open311 filing with an integration's api_key, so the cases reach the handlers; ticket
numbers, station codes, Open311 formats and the widget's sender id are now and then
swapped for real ones, so the handlers act on real tickets too. Anonymous: every staff
operation with no token, which must answer 401 or 403 (422 for a body that is not JSON at
all). In both, no 5xx but "Rasa unreachable" (tests/fuzz/rules.py), and bodies and headers
must match the schema. FUZZ_CASES sets the cases per operation (25 by default).
"""

import zlib
from time import monotonic
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_headers_conformance,
    response_schema_conformance,
)

from tests.fuzz.rules import (
    CASES,
    NOT_WITH_TOKEN,
    OPEN311_POST,
    OPTIONAL_TOKEN,
    RASA_PROXIES,
    SPENDS_TOKEN,
    TALLY,
    is_legitimate_5xx,
    label,
)
from tests.fuzz.world import HOOK_URLS, ROOM, SENDERS, FuzzWorld, openapi_document

# The suite's 300 s limit is for hangs; a full run spends longer on some operations (an
# operators' export parses the training data on every case).
pytestmark = [pytest.mark.fuzz, pytest.mark.timeout(max(300, CASES))]

TICKET_ACTIONS = "POST /api/staff/tickets/{number}/"
STAFF_PATHS = r"^/api/(staff|operator)/|^/api/auth/(logout|me)$"
FUZZ_SETTINGS = settings(
    max_examples=CASES,
    database=None,  # nothing is written into the project
    deadline=None,
    derandomize=False,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)

# No 5xx; the headers and bodies the schema documents for the statuses it documents.
CHECKS = [not_a_server_error, response_headers_conformance, response_schema_conformance]
schema = schemathesis.openapi.from_dict(openapi_document())


def _body(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


class _Steering:
    """Choices made from the case itself, so a replayed case is steered the same way.

    Half the time a choice keeps what the fuzzer generated; otherwise it picks one of
    the options.
    """

    def __init__(self, case: Case) -> None:
        generated = (case.path_parameters, case.query, case.headers, case.body)
        self.seed = zlib.crc32(repr(generated).encode("utf-8", "surrogatepass"))

    def pick(self, salt: str, options: tuple[str, ...]) -> str | None:
        index = zlib.crc32(salt.encode(), self.seed) % (2 * len(options))
        return options[index] if index < len(options) else None

    def coin(self, salt: str) -> bool:
        return self.pick(salt, ("yes",)) is not None


def _steer(case: Case, steering: _Steering, world: FuzzWorld) -> None:
    """Now and then put a real ticket, station or resident where the fuzzer made one up."""
    real = {
        "number": steering.pick("number", world.tickets),
        "code": steering.pick("code", world.station_codes),
        "station_code": steering.pick("station_code", world.station_codes),
        "X-Sender-Id": steering.pick("sender", SENDERS),
        "fmt": steering.pick("fmt", ("json", "xml")),
        "service_request_id": steering.pick("service_request_id", world.tickets),
        "address_id": steering.pick("address_id", world.station_codes),
        "url": steering.pick("url", HOOK_URLS),
    }
    for container in (case.path_parameters, case.query, case.headers, case.body):
        if not isinstance(container, dict):
            continue
        for name, value in real.items():
            if value is not None and name in container:
                container[name] = value


def _send(run: str, case: Case, world: FuzzWorld) -> Any:
    """Call the app, tally the answer, fail on a 5xx that is not Rasa's documented 503."""
    operation = label(case.operation.method, case.operation.path)
    # The document was read at collection time; the calls go to this run's app, in process.
    case.operation.schema.app = world.app
    started = monotonic()
    try:
        response = case.call(app=world.app)
    except Exception:
        # The app raised past its error handlers: a 500 to the client.
        TALLY.record(run, operation, 500, legitimate=False, seconds=monotonic() - started)
        raise
    status = response.status_code
    legitimate = is_legitimate_5xx(operation, status, _body(response))
    TALLY.record(run, operation, status, legitimate=legitimate, seconds=monotonic() - started)
    if legitimate:
        case.validate_response(response, checks=CHECKS[1:])
    else:
        case.validate_response(response, checks=CHECKS)
    return response


@schema.exclude(method="POST", path=[o.split(" ", 1)[1] for o in NOT_WITH_TOKEN]).parametrize()
@FUZZ_SETTINGS
def test_as_staff(case: Case, world: FuzzWorld) -> None:
    operation = label(case.operation.method, case.operation.path)
    steering = _Steering(case)
    _steer(case, steering, world)
    token = world.fresh_staff_token() if operation == SPENDS_TOKEN else world.staff_token
    staff = case.path.startswith(("/api/staff/", "/api/operator/", "/api/auth/"))
    if (staff and operation != "POST /api/auth/token") or (
        operation in OPTIONAL_TOKEN and steering.coin("token")
    ):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
    if operation.startswith(TICKET_ACTIONS) and case.path_parameters and steering.coin("fresh"):
        case.path_parameters["number"] = world.fresh_ticket()
    if operation == OPEN311_POST and isinstance(case.body, dict):
        if steering.coin("api_key"):
            case.body["api_key"] = world.api_key
        if steering.coin("filing"):  # one that can succeed: a known place, a real phone
            case.path_parameters = {**(case.path_parameters or {}), "fmt": "json"}
            case.body.pop("lat", None)
            case.body.pop("long", None)
            case.body["api_key"] = world.api_key
            case.body["address_id"] = steering.pick("place", world.station_codes) or ROOM
            if "phone" in case.body:
                case.body["phone"] = "13912345678"
    _send("staff", case, world)


@schema.include(path_regex=STAFF_PATHS).parametrize()
@FUZZ_SETTINGS
def test_anonymous_staff_calls_are_refused(case: Case, world: FuzzWorld) -> None:
    _steer(case, _Steering(case), world)
    case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    response = _send("anonymous", case, world)
    if case.method.upper() != case.operation.method.upper():
        return  # a probe with another method (405)
    assert response.status_code in (401, 403) or _is_not_json(response), response.text


def _is_not_json(response: Any) -> bool:
    """FastAPI reads a JSON body before the token check runs: a body that is not JSON at all
    is refused first (422 json_invalid), which tells a caller without a token nothing."""
    body = _body(response)
    return (
        response.status_code == 422
        and isinstance(body, dict)
        and isinstance(body.get("detail"), list)
        and all(item.get("type") == "json_invalid" for item in body["detail"])
    )


def test_the_fuzzed_document_is_the_one_the_app_serves(world: FuzzWorld) -> None:
    assert world.app.openapi() == schema.raw_schema


def test_the_only_documented_5xx_is_rasa_unreachable_on_its_proxies() -> None:
    documented = {
        label(method, path)
        for path, operations in schema.raw_schema["paths"].items()
        for method, operation in operations.items()
        if any(str(code).startswith("5") for code in operation.get("responses", {}))
    }
    assert documented == set(RASA_PROXIES)
