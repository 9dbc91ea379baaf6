"""What the operators' API takes and returns."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.training.models import ReviewAction


class StrictBody(BaseModel):
    """Request bodies refuse fields they do not know."""

    model_config = ConfigDict(extra="forbid")


class LabelView(BaseModel):
    intent: str = Field(description="机器人的意图名")
    name: str = Field(description="意图的中文说明")
    service_code: str | None = Field(description="报事意图对应的工单类别")


class ItemView(BaseModel):
    id: int
    text: str = Field(description="居民原话（电话、身份证号、门牌号已遮盖）")
    sender_id: str
    ticket_number: str | None
    predicted_intent: str | None
    predicted_name: str
    predicted_code: str | None
    confidence: float | None
    reasons: list[str]
    reason_names: list[str]
    context_note: str | None
    suggested_intent: str | None
    message_at: datetime
    status: str
    status_name: str
    label_intent: str | None
    label_name: str | None
    label_code: str | None
    for_test: bool
    decided_by: str | None
    decided_at: datetime | None
    version: int = Field(description="决定时原样带回，用来发现别人已先处理")


class GroupView(BaseModel):
    key: str
    count: int
    sample: ItemView
    item_ids: list[int]
    reasons: list[str]
    predicted: list[tuple[str | None, int]]
    mean_confidence: float | None


class InboxView(BaseModel):
    taken_in: int = Field(description="这次新收进收件箱的消息数")
    groups: list[GroupView]


class TurnView(BaseModel):
    speaker: str = Field(description="user 居民 / bot 智慧杨")
    text: str
    intent: str | None
    at: datetime
    is_reviewed: bool


class DecisionView(BaseModel):
    action: str
    intent: str | None
    previous_status: str
    actor: str
    decided_at: datetime
    note: str | None


class ItemDetailView(BaseModel):
    item: ItemView
    conversation: list[TurnView]
    decisions: list[DecisionView]
    group_size: int


class NewDecision(StrictBody):
    action: ReviewAction = Field(
        description="confirm 确认无误 / relabel 改标 / noise 无效消息 / mark_test 存为对话测试"
    )
    expected_version: int = Field(ge=0, description="打开这条消息时看到的 version")
    intent: str | None = Field(default=None, max_length=64, description="改标时的意图")
    service_code: str | None = Field(default=None, max_length=32, description="改标为报事时的类别")
    note: str | None = Field(default=None, max_length=500)
    whole_group: bool = Field(default=False, description="同组还没处理的相似消息一起处理")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"action": "relabel", "expected_version": 0, "service_code": "water_leak"}]
        },
    )


class DecisionResult(BaseModel):
    items: list[ItemView]
    conversation_test: str | None = Field(description="存下的对话测试文件")


class ExportView(BaseModel):
    path: str
    written: int
    already_in_data: int
    held_out: int
    conflicting: list[str]
    by_intent: dict[str, int]


class JobView(BaseModel):
    id: int
    status: str
    stage: str
    progress: int
    requested_by: str
    created_at: datetime
    finished_at: datetime | None
    error: str | None
    candidate_id: int | None


class JobDetailView(JobView):
    log: list[str] = Field(description="任务日志的最后几行")


class VersionView(BaseModel):
    id: int
    status: str
    model_id: str
    file: str
    data_fingerprint: str
    reviewed_count: int | None
    created_by: str
    created_at: datetime
    promoted_by: str | None
    promoted_at: datetime | None
    compared_with_id: int | None
    headline: dict[str, Any] | None = Field(description="候选与在用模型的主要指标")


class VersionDetailView(VersionView):
    evaluation: dict[str, Any] | None
    blockers: list[str] = Field(description="无法上线的原因（不能强制）")
    guard_refusals: list[str] = Field(description="比在用模型差的地方（填写理由可强制上线）")


class PromoteBody(StrictBody):
    override_reason: str | None = Field(
        default=None, max_length=500, description="评估变差仍要上线时的理由（至少 4 个字）"
    )


class PromotionView(BaseModel):
    id: int
    version_id: int
    previous_id: int | None
    action: str
    actor: str
    at: datetime
    override_reason: str | None
    refused_because: list[str] | None
