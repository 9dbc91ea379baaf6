"""`laoyang webhooks deliver`: one delivery pass from the command line.

For operators: after an outage of a receiver, or on a host where the app's own
worker is switched off (WEBHOOK_WORKER=false), e.g. from cron. Safe to run
beside the app's worker: claims never overlap.
"""

import argparse

from api.sessions import open_database
from api.settings import get_settings
from api.webhooks.delivery import DeliveryConfig, WebhookDeliverer


def _deliver(args: argparse.Namespace) -> int:
    settings = get_settings()
    engine, factory = open_database(settings.database_url)
    deliverer = WebhookDeliverer(factory, DeliveryConfig.from_settings(settings))
    try:
        summary = deliverer.run_once(limit=args.limit)
    finally:
        deliverer.close()
        engine.dispose()
    print(
        f"回调投递：成功 {summary.delivered}，稍后重试 {summary.retrying}，已放弃 {summary.failed}"
    )
    return 0


def add_webhook_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Register `laoyang webhooks …` on the main parser."""
    webhooks = commands.add_parser("webhooks", help="station webhooks").add_subparsers(
        dest="webhooks", required=True
    )
    deliver = webhooks.add_parser("deliver", help="deliver what is due now, once")
    deliver.add_argument("--limit", type=int, default=500, help="at most this many attempts")
    deliver.set_defaults(func=_deliver)
