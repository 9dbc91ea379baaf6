"""Login requests and token responses."""

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError


def _printable(text: str) -> str:
    # Stored in the login log; PostgreSQL text cannot hold NUL.
    if any(ord(char) < 32 or ord(char) == 127 for char in text):
        raise PydanticCustomError("control_characters", "用户名含有不可见的控制字符")
    return text


class LoginRequest(BaseModel):
    """A staff member's username and password."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"username": "tianbao.wang", "password": "••••••••••"}]},
    )

    username: Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_printable)]
    password: str = Field(min_length=1, max_length=256)


class TokenResponse(BaseModel):
    """A bearer token (OAuth2 style); send it as `Authorization: Bearer <access_token>`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_token": "q3VtZ0d0cE1hR1l4b2V0c2Z3b2dXbVZ6bFZ0bVlw",
                    "token_type": "bearer",
                    "expires_in": 3600,
                    "expires_at": "2026-11-23T10:00:00Z",
                }
            ]
        }
    )

    access_token: str
    token_type: str = "bearer"
    expires_in: int
    expires_at: datetime


class MeResponse(BaseModel):
    """Who the token belongs to and what it may see."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "username": "tianbao.wang",
                    "display_name": "王丽",
                    "role": "station_staff",
                    "station_code": "500107001011",
                    "station_name": "天宝路社区老杨群工室",
                    "home_station_code": "500107001011",
                    "station_count": 1,
                }
            ]
        }
    )

    username: str
    display_name: str
    role: str
    station_code: str | None
    station_name: str | None = Field(description="所属站点名称；未绑定站点的账号为 null")
    home_station_code: str = Field(
        description="统计默认打开的站点：所属站点；区级和未绑定站点的账号为区中心"
    )
    station_count: int | None = Field(
        description="可见站点数（本站及下级）；区级账号为 null，表示全部"
    )
