"""The sections of /docs and /redoc, in the order staff and integrators read them.

FastAPI lists sections in this order; a route's tag must be one of these names
(tests/integration/test_api_docs.py checks that every operation's tag is listed).
"""

from typing import Final

OPENAPI_TAGS: Final[list[dict[str, str]]] = [
    {"name": "工作人员 · 登录", "description": "工作人员登录、退出，查看自己的账号和站点范围。"},
    {
        "name": "工作人员 · 工单",
        "description": "本站点及下级站点的工单：队列、详情、签收、办理、办结、退单、转派、"
        "改类、督办。",
    },
    {"name": "工作人员 · 统计", "description": "响应率、办结率、满意率和按时办结率。"},
    {
        "name": "对接 · Open311",
        "description": "按 Open311 GeoReport v2 标准对接其他平台：服务目录、提交和查询诉求。",
    },
    {
        "name": "对接 · Webhook 订阅",
        "description": "工单变化时向对接系统推送通知（带签名，可重推）。",
    },
    {
        "name": "运营 · 对话复核与训练",
        "description": "复核机器人没听懂的对话，改标、重新训练和上线模型。",
    },
    {"name": "居民 · 对话", "description": "居民和智慧杨聊天的接口（网页和公众号都走这里）。"},
    {"name": "居民 · 我的工单", "description": "居民查看自己的工单、评价和申请重办。"},
    {"name": "居民 · 工单查询", "description": "按工单号查询进度，只有本人能看到详情。"},
    {"name": "站点查询", "description": "按位置查找最近的老杨工作站。"},
    {"name": "系统 · 健康检查", "description": "数据库、Rasa 和后台任务是否正常。"},
]
