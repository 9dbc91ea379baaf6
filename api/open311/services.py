"""Our service catalogue as Open311 services, and the one attribute every service takes.

The catalogue itself lives in `api/catalogue.py`; this module only adds what
Open311 clients show their users (description, keywords, group) and the
service definition. Every service has one optional question — is anyone in
danger right now — because that is the one thing that changes what we do
with a report (2-hour promise, the hotline to call first).
"""

from typing import Final

from api.catalogue import EMERGENCY_KINDS, SERVICE_NAMES
from api.open311.schemas import AttributeValue, ServiceAttribute, ServiceDefinition, ServiceInfo

SERVICE_DESCRIPTIONS: Final[dict[str, str]] = {
    "water_leak": "屋顶、墙面渗水，楼上漏水，家中或楼内水管破裂、漏水，防水失效。",
    "water_supply": "停水、水压低、自来水浑浊或有异味、水表故障（没有漏水的供水问题）。",
    "power_outage": "家中、楼栋或片区停电，频繁跳闸，电压不稳，电表或线路故障导致断电。",
    "gas": "燃气停供、燃气表或燃气费问题、灶具打不着气。闻到燃气味请先拨打燃气抢修电话。",
    "dispute": "邻里噪音或争吵、楼道车位占用、宠物、家庭矛盾、租赁纠纷、物业纠纷、劳资纠纷。",
    "housing_repair": (
        "墙体开裂、墙砖脱落、门窗楼梯损坏、电梯故障、楼栋下水道堵塞、安置房质量问题。"
    ),
    "environment": "垃圾堆积、异味、公共区域污水外溢、鼠患虫害、工地扬尘、乱倒垃圾、工地商铺噪音。",
    "public_facility": "路灯、路面坑洼、井盖缺失、公共座椅、公交站、公厕、公共车位、倒伏树木。",
    "welfare": "独居老人、残疾、困难救助、非紧急就医、课后托管、求职、社保咨询等民生求助。",
    "other": "不属于以上类别的诉求：意见建议、表扬、政策或服务咨询。",
}

SERVICE_KEYWORDS: Final[dict[str, tuple[str, ...]]] = {
    "water_leak": ("漏水", "渗水", "水管破裂", "楼上漏水", "防水"),
    "water_supply": ("停水", "水压低", "水质", "水表"),
    "power_outage": ("停电", "跳闸", "电压不稳", "电表"),
    "gas": ("燃气", "天然气", "燃气表", "燃气费"),
    "dispute": ("邻里纠纷", "噪音", "物业纠纷", "劳资纠纷", "租赁纠纷"),
    "housing_repair": ("墙体开裂", "墙砖脱落", "电梯故障", "门窗损坏", "下水道堵塞"),
    "environment": ("垃圾", "异味", "污水", "扬尘", "噪音"),
    "public_facility": ("路灯", "坑洼", "井盖", "公厕", "公交站"),
    "welfare": ("独居老人", "困难救助", "残疾", "社保", "求职"),
    "other": ("建议", "表扬", "咨询"),
}

SERVICE_GROUPS: Final[dict[str, str]] = {
    "water_leak": "水电气",
    "water_supply": "水电气",
    "power_outage": "水电气",
    "gas": "水电气",
    "dispute": "矛盾纠纷",
    "housing_repair": "房屋与公共设施",
    "public_facility": "房屋与公共设施",
    "environment": "环境卫生",
    "welfare": "民生服务",
    "other": "民生服务",
}

EMERGENCY_ATTRIBUTE: Final = "emergency"

_EMERGENCY_QUESTION = ServiceAttribute(
    variable=True,
    code=EMERGENCY_ATTRIBUTE,
    datatype="singlevaluelist",
    required=False,
    datatype_description=(
        "现场有人身或财产危险时选择一项，工单将按紧急处理（2小时内联系）；没有危险请不填。"
        "危险时请先拨打对应的紧急电话。"
    ),
    order=1,
    description="现场现在是否有危险？",
    values=[AttributeValue(key=kind.kind, name=kind.label) for kind in EMERGENCY_KINDS.values()],
)


def service_list() -> list[ServiceInfo]:
    """Every service code of the catalogue, in catalogue order."""
    return [
        ServiceInfo(
            service_code=code,
            service_name=name,
            description=SERVICE_DESCRIPTIONS[code],
            metadata=True,
            type="realtime",
            keywords=",".join(SERVICE_KEYWORDS[code]),
            group=SERVICE_GROUPS[code],
        )
        for code, name in SERVICE_NAMES.items()
    ]


def service_definition(service_code: str) -> ServiceDefinition | None:
    """The attributes of one service, or None for a code we do not have."""
    if service_code not in SERVICE_NAMES:
        return None
    return ServiceDefinition(service_code=service_code, attributes=[_EMERGENCY_QUESTION])
