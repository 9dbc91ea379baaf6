"""`/wechat`: the URL registered in the 公众号 console (server-URL verification and pushes).

Thin: the channel (api/wechat/channel.py) does the work. Without WECHAT_TOKEN the
channel is off and both routes answer 404.
"""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from fastapi.responses import PlainTextResponse

from api.wechat import protocol
from api.wechat.channel import WechatChannel

router = APIRouter(tags=["wechat"], include_in_schema=False)
OptionalParam = Annotated[str | None, Query(max_length=128)]


def _channel(request: Request) -> WechatChannel:
    channel: WechatChannel | None = getattr(request.app.state, "wechat", None)
    if channel is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found")
    return channel


@router.get("/wechat", response_class=PlainTextResponse)
def verify_url(
    request: Request,
    echostr: Annotated[str, Query(max_length=256)],
    signature: OptionalParam = None,
    timestamp: OptionalParam = None,
    nonce: OptionalParam = None,
) -> str:
    """WeChat's server-URL check: `echostr` back unchanged when the signature is ours."""
    channel = _channel(request)
    try:
        channel.verify(protocol.Query(signature, timestamp, nonce))
    except protocol.RejectedError as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Forbidden") from exc
    return echostr


async def _body(request: Request) -> bytes:
    """The body, refused (413) past MAX_BODY_BYTES without reading the rest."""
    declared = request.headers.get("content-length")
    if declared and (not declared.isdigit() or int(declared) > protocol.MAX_BODY_BYTES):
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "Too large")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > protocol.MAX_BODY_BYTES:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "Too large")
    return bytes(body)


@router.post("/wechat")
async def receive(
    request: Request,
    signature: OptionalParam = None,
    timestamp: OptionalParam = None,
    nonce: OptionalParam = None,
    encrypt_type: OptionalParam = None,
    msg_signature: OptionalParam = None,
) -> Response:
    """One message or event pushed by WeChat: the passive reply XML, or `success`."""
    channel = _channel(request)
    query = protocol.Query(signature, timestamp, nonce, encrypt_type, msg_signature)
    try:
        channel.verify(query)  # before the body is even read
        answer = await channel.handle(request, query, await _body(request))
    except protocol.RejectedError as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Forbidden") from exc
    except protocol.MalformedError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "Bad Request") from exc
    media = "text/plain" if answer == "success" else "application/xml"
    return Response(content=answer, media_type=media)
