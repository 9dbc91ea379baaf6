"""Login requests and token responses."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class LoginRequest(BaseModel):
    """A staff member's username and password."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"username": "tianbao.wang", "password": "••••••••••"}]},
    )

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TokenResponse(BaseModel):
    """A bearer token (OAuth2 style); send it as `Authorization: Bearer <access_token>`."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int
    expires_at: datetime


class MeResponse(BaseModel):
    """Who the token belongs to and what it may see."""

    username: str
    display_name: str
    role: str
    station_code: str | None
    station_count: int | None = Field(
        description="可见站点数（本站及下级）；区级账号为 null，表示全部"
    )
