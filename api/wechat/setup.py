"""Wiring the channel into the app: routes always, the rest only with WECHAT_TOKEN set."""

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from api.settings import Settings
from api.wechat.channel import WechatChannel
from api.wechat.client import WechatApi
from api.wechat.notifier import Notifier, install_notifications, run_notifier
from api.wechat.token import TokenHolder
from api.wechat.views import router


@dataclass
class WechatRuntime:
    """The notifier's client and loop, started and stopped with the app."""

    settings: Settings
    factory: sessionmaker[Session]
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    api: WechatApi | None = None
    task: "asyncio.Task[None] | None" = None

    async def start(self) -> None:
        """Start sending queued messages (a no-op when the channel is off)."""
        if not self.settings.wechat_token:
            return
        holder = TokenHolder(
            self.factory,
            api_base=self.settings.wechat_api_base,
            app_id=self.settings.wechat_app_id,
            app_secret=self.settings.wechat_app_secret,
        )
        self.api = WechatApi(holder, self.settings.wechat_api_base)
        notifier = Notifier(
            self.factory,
            self.api,
            self.settings.wechat_template_id,
            keep_followers=timedelta(days=self.settings.retention_days),
        )
        self.task = asyncio.create_task(
            run_notifier(notifier, self.settings.wechat_poll_seconds, self.wake)
        )

    async def stop(self) -> None:
        """Stop the loop and close the client."""
        if self.task is not None:
            self.task.cancel()
        if self.api is not None:
            await self.api.close()


def install_wechat(
    app: FastAPI, settings: Settings, factory: sessionmaker[Session]
) -> WechatRuntime:
    """Mount `/wechat`; with a token, also the channel and the progress outbox."""
    app.include_router(router)
    runtime = WechatRuntime(settings, factory)
    if settings.wechat_token:
        install_notifications(factory)
        app.state.wechat = WechatChannel(settings, factory, runtime.wake.set)
    return runtime
