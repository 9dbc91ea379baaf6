"""The staff API: station staff, district operators and integrations working tickets.

Every handler looks a ticket up through the caller's scope first, so a ticket
of another station answers 404 exactly like one that does not exist; only then
does it ask whether the caller may act on it (403). Who may do what is decided
in `api.auth.scope`; the state machine in `api.tickets.lifecycle`.

`reads` (list, export, a ticket, its timeline, 督办) and `actions` (签收 … 改类)
are separate routers; the app includes both, reads first.
"""

from fastapi import APIRouter

from api.tickets.staff.actions import router as actions_router
from api.tickets.staff.reads import router as reads_router

ROUTERS: tuple[APIRouter, ...] = (reads_router, actions_router)
