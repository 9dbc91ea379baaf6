"""Every custom action, built with its collaborators."""

from actions.assistance import Fallback, Handoff, OutOfScope, RateTicket, TicketStatus
from actions.context import ActionContext
from actions.framework import Action, ActionExecutor
from actions.report_form import ValidateReportForm
from actions.report_lifecycle import CancelReport, EmergencyAdvice, StartReport, SubmitReport
from actions.report_prompts import AskConfirm, AskPhone, AskPlace, AskProblem
from api.stations.gazetteer import registry_gazetteer


def build_executor(context: ActionContext) -> ActionExecutor:
    """The executor the action server runs."""
    actions: list[Action] = [
        StartReport(context, registry_gazetteer),
        EmergencyAdvice(context, registry_gazetteer),
        ValidateReportForm(context, registry_gazetteer),
        AskProblem(),
        AskPlace(context, registry_gazetteer),
        AskPhone(),
        AskConfirm(),
        SubmitReport(context),
        CancelReport(),
        TicketStatus(context),
        Handoff(context),
        RateTicket(context),
        OutOfScope(context),
        Fallback(context),
    ]
    return ActionExecutor(actions)
