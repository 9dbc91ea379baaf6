"""Every custom action, built with its collaborators."""

from actions.assistance import (
    Capabilities,
    Fallback,
    Handoff,
    OutOfScope,
    RateTicket,
    TicketStatus,
)
from actions.context import ActionContext
from actions.framework import Action, ActionExecutor
from actions.report_form import ValidateReportForm
from actions.report_lifecycle import CancelReport, EmergencyAdvice, StartReport, SubmitReport
from actions.report_prompts import AskConfirm, AskPhone, AskPlace, AskProblem


def build_executor(context: ActionContext) -> ActionExecutor:
    """The executor the action server runs."""
    actions: list[Action] = [
        StartReport(context),
        EmergencyAdvice(context),
        ValidateReportForm(context),
        AskProblem(),
        AskPlace(context),
        AskPhone(),
        AskConfirm(),
        SubmitReport(context),
        CancelReport(),
        TicketStatus(context),
        Handoff(context),
        RateTicket(context),
        OutOfScope(context),
        Capabilities(context),
        Fallback(context),
    ]
    return ActionExecutor(actions)
