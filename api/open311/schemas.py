"""The objects GeoReport v2 returns, field for field as the spec names them.

Field order is the spec's order; XML and JSON are rendered from the same
models, so both formats always carry the same fields (None → JSON null,
an empty XML element).
"""

from pydantic import BaseModel


class ServiceInfo(BaseModel):
    """One entry of GET services."""

    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: str
    keywords: str
    group: str


class AttributeValue(BaseModel):
    """One choice of a list attribute."""

    key: str
    name: str


class ServiceAttribute(BaseModel):
    """One question of a service definition."""

    variable: bool
    code: str
    datatype: str
    required: bool
    datatype_description: str | None
    order: int
    description: str
    values: list[AttributeValue]


class ServiceDefinition(BaseModel):
    """GET services/{service_code}: the questions a client should ask."""

    service_code: str
    attributes: list[ServiceAttribute]


class CreatedRequest(BaseModel):
    """One entry of the POST requests response.

    `token` is returned next to the id so a client can look the request up
    again under GET tokens/{token}; when the database could not take the
    report at once, only the token is returned and the id follows later.
    """

    service_request_id: str | None
    token: str
    service_notice: str | None
    account_id: str | None


class TokenLookup(BaseModel):
    """GET tokens/{token}."""

    service_request_id: str
    token: str


class ServiceRequest(BaseModel):
    """One entry of GET requests and GET requests/{id}: only what may be published."""

    service_request_id: str
    status: str
    status_notes: str | None
    service_name: str
    service_code: str
    description: str | None
    agency_responsible: str
    service_notice: str | None
    requested_datetime: str
    updated_datetime: str
    expected_datetime: str
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float | None
    long: float | None
    media_url: str | None


class ErrorEntry(BaseModel):
    """One entry of an error response."""

    code: int
    description: str


class DiscoveryEndpoint(BaseModel):
    """One endpoint of the discovery document."""

    specification: str
    url: str
    changeset: str
    type: str
    formats: list[str]


class Discovery(BaseModel):
    """discovery.{json,xml}: where to find us and who to ask for a key."""

    changeset: str
    contact: str
    key_service: str
    endpoints: list[DiscoveryEndpoint]
