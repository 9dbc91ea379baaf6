"""Login, logout and who-am-I for staff."""

from fastapi import APIRouter, HTTPException, Request, Response, status

from api.auth.dependencies import BearerDep, StaffDep
from api.auth.schemas import LoginRequest, MeResponse, TokenResponse
from api.auth.service import InvalidCredentialsError, LoginThrottledError, login, revoke_token
from api.clock import NowDep
from api.dependencies import SessionDep, SettingsDep
from api.stations.models import Station

router = APIRouter(prefix="/api/auth", tags=["工作人员 · 登录"])

WRONG_CREDENTIALS = "用户名或密码不正确"


@router.post(
    "/token",
    summary="登录：用账号和密码换取访问令牌",
    response_model=TokenResponse,
    responses={
        401: {"description": "用户名或密码不正确"},
        429: {"description": "失败次数过多，稍后再试（Retry-After 给出秒数）"},
    },
)
def create_token(
    body: LoginRequest, request: Request, session: SessionDep, now: NowDep
) -> TokenResponse:
    """Log in with a password and get a short-lived bearer token."""
    client = request.client.host if request.client else "unknown"
    try:
        issued = login(
            session, username=body.username, password=body.password, client=client, now=now
        )
    except LoginThrottledError as exc:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"登录失败次数过多，请 {exc.retry_after} 秒后再试",
            headers={"Retry-After": str(exc.retry_after)},
        ) from exc
    except InvalidCredentialsError as exc:
        session.commit()  # keep the failed attempt: it counts towards the limit
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, WRONG_CREDENTIALS) from exc
    session.commit()
    assert issued.expires_at is not None  # bearer tokens always expire
    return TokenResponse(
        access_token=issued.token,
        expires_in=int((issued.expires_at - now).total_seconds()),
        expires_at=issued.expires_at,
    )


@router.post("/logout", summary="退出登录：作废当前令牌", status_code=status.HTTP_204_NO_CONTENT)
def logout(
    principal: StaffDep, credentials: BearerDep, session: SessionDep, now: NowDep
) -> Response:
    """Revoke the token this request carries."""
    assert credentials is not None  # StaffDep has checked it
    revoke_token(session, credentials.credentials, now)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", summary="当前登录的工作人员及其站点范围", response_model=MeResponse)
def me(principal: StaffDep, session: SessionDep, settings: SettingsDep) -> MeResponse:
    """The account behind the token, and the station its figures open on."""
    visible = principal.visible_stations
    station = session.get(Station, principal.station_code) if principal.station_code else None
    return MeResponse(
        username=principal.username,
        display_name=principal.display_name,
        role=principal.role.value,
        station_code=principal.station_code,
        station_name=station.display_name if station else None,
        home_station_code=principal.station_code or settings.default_district_code,
        station_count=len(visible) if visible is not None else None,
    )
