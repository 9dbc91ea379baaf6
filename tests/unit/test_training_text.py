"""What operators see and what goes into training: masking, grouping, labels, files, the guard."""

from typing import Any

import pytest
import yaml

from api.privacy import redact
from api.training.conversation_tests import NotATestableItemError, build_story
from api.training.grouping import group_key
from api.training.guard import GuardMargins, refusals
from api.training.labels import UnknownLabelError, code_for_intent, resolve_label
from api.training.models import ReviewItem
from api.training.nlu_files import parse_nlu_yaml, render_nlu_yaml


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我电话13812345678，住3栋2单元502", "我电话【电话】，住【门牌号】"),
        ("打 138 1234 5678 找我", "打 【电话】 找我"),
        ("身份证500107199001011234要办低保", "身份证【身份证号】要办低保"),
        ("身份证号50010719900101123X", "身份证号【身份证号】"),
        ("5号楼1单元301室天花板渗水", "【门牌号】天花板渗水"),
        ("12幢3-2漏水", "【门牌号】漏水"),
        ("8-2-1楼上漏水", "【门牌号】楼上漏水"),
        ("我家502室停电", "我家【门牌号】停电"),
        ("卡号6222021234567890123被冻结", "卡号【号码】被冻结"),
        ("全角电话１３８１２３４５６７８", "全角电话【电话】"),
    ],
)
def test_personal_numbers_are_masked(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text", ["楼上5楼漏水了", "停电3天了", "2号线地铁站的电梯坏了", "下午3点停水"]
)
def test_ordinary_numbers_stay(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "LY-20261119-0088",
        "我的LY-20261119-0088处理到哪了",
        "ly-20261119-0088还没人来",
        "ＬＹ－２０２６１１１９－００８８怎么样了",
        "工单号 LY 20261119 0088",
        "LY-20261119-100088",
        "LY-20261119-0088和LY-20261120-0102是同一个问题",
    ],
)
def test_ticket_numbers_pass_through(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("LY-20261119-0088电话13812345678", "LY-20261119-0088电话【电话】"),
        ("ly-20261119-0088 打138 1234 5678", "ly-20261119-0088 打【电话】"),
        ("13812345678，LY-20261119-0088", "【电话】，LY-20261119-0088"),
        ("13812345678LY-20261119-0088", "【电话】LY-20261119-0088"),
        (
            "ＬＹ－２０２６１１１９－００８８，１３８１２３４５６７８",
            "ＬＹ－２０２６１１１９－００８８，【电话】",
        ),
        ("LY-20261119-0088住3栋2单元502", "LY-20261119-0088住【门牌号】"),
        ("LY-20261119-0088 12幢3-2漏水", "LY-20261119-0088 【门牌号】漏水"),
        ("身份证500107199001011234，LY-20261119-0088", "身份证【身份证号】，LY-20261119-0088"),
    ],
)
def test_personal_numbers_beside_a_ticket_number_are_still_masked(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_digits_glued_to_a_ticket_number_are_masked_not_kept() -> None:
    # Not a ticket number any more (the digits run on), so nothing of the phone survives.
    assert "1381234" not in redact("LY-20261119-008813812345678")
    assert "500107199001011234" not in redact("500107199001011234LY-20261119-0088")


def test_near_identical_messages_share_a_group() -> None:
    assert group_key("楼上漏水了啊！！") == group_key("楼上漏水了")
    assert group_key("３栋 漏水") == group_key("5栋漏水")
    assert group_key("楼上漏水") != group_key("楼下漏水")


def test_labels_follow_the_domain_and_the_catalogue() -> None:
    assert resolve_label(None, "water_leak") == "report_water_leak"
    assert resolve_label("greet", None) == "greet"
    assert resolve_label("emergency_gas_leak", "gas") == "emergency_gas_leak"
    assert code_for_intent("emergency_trapped") == "housing_repair"
    with pytest.raises(UnknownLabelError, match="不一致"):
        resolve_label("report_water_leak", "gas")
    with pytest.raises(UnknownLabelError, match="没有这个意图：make_coffee"):
        resolve_label("make_coffee", None)
    with pytest.raises(UnknownLabelError, match="没有这个类别：nonsense"):
        resolve_label(None, "nonsense")
    with pytest.raises(UnknownLabelError, match="请选择意图或类别"):
        resolve_label(None, None)


def test_rendered_nlu_file_reads_back_verbatim() -> None:
    texts = {
        "report_other": ["光纤断了 屋头没得网", "【电话】打不通", "网: 断了"],
        "greet": ["在吗"],
    }
    source = render_nlu_yaml(texts, "generated\nby a test")
    assert source.startswith("# generated\n# by a test\n")
    back = parse_nlu_yaml(source)
    assert [(e.intent, e.text) for e in back] == [
        ("report_other", "光纤断了 屋头没得网"),
        ("report_other", "【电话】打不通"),
        ("report_other", "网: 断了"),
        ("greet", "在吗"),
    ]
    assert yaml.safe_load(render_nlu_yaml({}, "empty"))["nlu"] == []


def _evaluation(
    macro: tuple[float, float], leak: tuple[float, float], recall: tuple[float, float]
) -> dict[str, Any]:
    def headline(i: int) -> dict[str, float]:
        return {"service_code_macro_f1": macro[i], "emergency_recall": recall[i]}

    return {
        "serving": {"headline": headline(0)},
        "candidate": {"headline": headline(1)},
        "per_code": [
            {
                "code": "water_leak",
                "serving_f1": leak[0],
                "candidate_f1": leak[1],
                "delta": leak[1] - leak[0],
            },
        ],
    }


def test_guard_lets_an_equal_or_better_candidate_through() -> None:
    margins = GuardMargins(macro_f1=0.005, per_code_f1=0.03)
    assert refusals(_evaluation((0.94, 0.95), (0.95, 0.96), (0.98, 1.0)), margins) == []
    assert refusals(_evaluation((0.94, 0.937), (0.95, 0.93), (0.98, 0.98)), margins) == []


def test_guard_refuses_drops_beyond_the_margins() -> None:
    margins = GuardMargins(macro_f1=0.005, per_code_f1=0.03)
    reasons = refusals(_evaluation((0.94, 0.93), (0.95, 0.80), (1.0, 0.98)), margins)
    assert len(reasons) == 3
    assert any("宏平均" in r for r in reasons)
    assert any("漏水渗水" in r and "80.0%" in r for r in reasons)
    assert any("紧急" in r for r in reasons)


RASA_STORY = """
version: "3.1"
stories:
- story: resident-1
  steps:
  - user: |
      你好
    intent: greet
  - action: utter_greet
  - slot_was_set:
    - phone: "13812345678"
  - user: |
      光纤断了，电话[13812345678](phone)
    intent: report_power_outage
"""


def test_saved_story_is_masked_and_relabelled() -> None:
    item = ReviewItem(id=7, sender_id="resident-1", text="光纤断了，电话【电话】")
    story = build_story(RASA_STORY, item, "report_other")
    dumped = yaml.safe_dump(story, allow_unicode=True)
    assert "13812345678" not in dumped
    steps = story["stories"][0]["steps"]
    assert story["stories"][0]["story"] == "review 7"
    assert steps[-1]["intent"] == "report_other"
    assert steps[-1]["user"] == "光纤断了，电话【电话】"  # no entity mark left on the mask
    assert steps[0]["intent"] == "greet"
    with pytest.raises(NotATestableItemError, match="Rasa 没有这段对话的记录"):
        build_story("version: '3.1'\nstories: []\n", item, "report_other")
