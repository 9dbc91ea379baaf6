"""Request dependencies: the authenticated principal, and role gates."""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.auth.models import Role
from api.auth.scope import StaffPrincipal, principal_for
from api.auth.service import authenticate_token
from api.clock import NowDep
from api.dependencies import SessionDep
from api.stations.models import Station

bearer_scheme = HTTPBearer(
    auto_error=False,
    description="登录得到的访问令牌，或集成账号的 API 密钥：`Authorization: Bearer <令牌>`",
)
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]

NOT_LOGGED_IN = "请先登录（缺少访问令牌）"
TOKEN_REJECTED = "访问令牌无效、已过期或已注销，请重新登录"
FORBIDDEN = "当前账号没有这项操作的权限"


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"}
    )


def current_staff(session: SessionDep, credentials: BearerDep, now: NowDep) -> StaffPrincipal:
    """The account behind the request's bearer token, or 401."""
    if credentials is None or not credentials.credentials:
        raise _unauthorized(NOT_LOGGED_IN)
    account = authenticate_token(session, credentials.credentials, now)
    if account is None:
        raise _unauthorized(TOKEN_REJECTED)
    return principal_for(session, account)


StaffDep = Annotated[StaffPrincipal, Depends(current_staff)]


def optional_staff(
    session: SessionDep, credentials: BearerDep, now: NowDep
) -> StaffPrincipal | None:
    """The account behind a bearer token when one is sent (else 401); None when none is sent."""
    if credentials is None:
        return None
    return current_staff(session, credentials, now)


# Endpoints residents use too: staff are known by their token, everyone else sends none.
OptionalStaffDep = Annotated[StaffPrincipal | None, Depends(optional_staff)]


def require_roles(*roles: Role) -> Callable[[StaffPrincipal], StaffPrincipal]:
    """A dependency admitting only the given roles (403 for the others)."""

    def gate(principal: StaffDep) -> StaffPrincipal:
        if principal.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, FORBIDDEN)
        return principal

    return gate


# People working tickets: station staff and district operators (not integrations).
StaffMemberDep = Annotated[
    StaffPrincipal, Depends(require_roles(Role.STATION_STAFF, Role.DISTRICT_OPERATOR))
]
OperatorDep = Annotated[StaffPrincipal, Depends(require_roles(Role.DISTRICT_OPERATOR))]


def visible_station(session: Session, principal: StaffPrincipal, code: str) -> Station:
    """The station, if it exists and the caller may see it; 404 either way otherwise."""
    station = session.get(Station, code)
    if station is None or not principal.can_see(code):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"没有找到站点 {code}")
    return station
