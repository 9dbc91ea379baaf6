"""Two decisions per message: the code of the problem, and the danger (api.catalogue)."""

from api.catalogue import best_report_code, understand, understand_parse


def test_a_danger_keeps_the_code_of_the_problem_around_it() -> None:
    ranking = [
        ("emergency_fire", 0.97),
        ("report_environment", 0.02),
        ("emergency_medical", 0.006),
        ("report_other", 0.004),
    ]
    understood = understand("emergency_fire", ranking)
    assert understood.service_code == "environment"
    assert understood.emergency is not None and understood.emergency.hotline == "火警 119"


def test_a_danger_with_no_problem_named_takes_the_kinds_usual_code() -> None:
    ranking = [("emergency_fire", 1.0), ("goodbye", 1e-4), ("report_water_leak", 1e-5)]
    assert understand("emergency_fire", ranking).service_code == "other"
    assert understand("emergency_gas_leak", []).service_code == "gas"


def test_a_report_is_its_own_code_and_no_emergency() -> None:
    understood = understand("report_water_leak", [("report_water_leak", 0.9)])
    assert understood.service_code == "water_leak" and understood.emergency is None
    assert understand("greet", [("greet", 0.99)]).service_code is None


def test_the_best_report_needs_some_evidence() -> None:
    assert best_report_code([("correct", 0.6), ("report_water_leak", 0.3)]) == "water_leak"
    assert best_report_code([("inform", 0.97), ("report_gas", 0.01)]) is None


def test_a_rasa_parse_result_reads_the_same() -> None:
    parse = {
        "intent": {"name": "emergency_electric_water", "confidence": 1.0},
        "intent_ranking": [
            {"name": "emergency_electric_water", "confidence": 1.0},
            {"name": "report_water_leak", "confidence": 0.3},
            {"name": "report_power_outage", "confidence": 0.1},
        ],
    }
    understood = understand_parse(parse)
    assert understood.service_code == "water_leak"
    assert understood.emergency is not None and understood.emergency.kind == "electric_water"


def test_a_danger_passes_over_codes_no_such_danger_comes_from() -> None:
    ranking = [
        ("emergency_gas_leak", 1.0),
        ("report_water_leak", 0.2),
        ("report_environment", 0.1),
        ("report_gas", 0.05),
    ]
    assert understand("emergency_gas_leak", ranking).service_code == "gas"
    trapped = [
        ("emergency_trapped", 0.9),
        ("report_welfare", 0.05),
        ("report_public_facility", 0.03),
    ]
    assert understand("emergency_trapped", trapped).service_code == "public_facility"
    # a danger whose fitting reports all lose to a non-report names no problem
    fire = [("emergency_fire", 1.0), ("report_water_leak", 0.1), ("goodbye", 0.01)]
    assert understand("emergency_fire", fire).service_code == "other"


def test_around_a_danger_the_first_problem_named_in_plain_words_is_the_code() -> None:
    calm_words = [("emergency_gas_leak", 1.0), ("report_gas", 0.2), ("report_welfare", 0.1)]
    outage_first = "刚才整栋楼停电了，黑头闻到一股煤气味"
    assert understand("emergency_gas_leak", calm_words, outage_first).service_code == (
        "power_outage"
    )
    leak_first = [("emergency_electric_water", 1.0), ("report_power_outage", 0.3)]
    said = "楼上漏水顺着墙流到插座里了，还在滋滋响"
    assert understand("emergency_electric_water", leak_first, said).service_code == "water_leak"
    robbery = [("emergency_violence", 1.0), ("report_dispute", 0.4)]
    assert understand("emergency_violence", robbery, "有人在巷子口抢劫").service_code == "other"


def test_a_lift_stopped_by_a_power_cut_stays_the_lifts_problem() -> None:
    ranking = [("emergency_trapped", 1.0), ("report_housing_repair", 0.3)]
    said = "电梯停电了卡在五楼，里头有人"
    assert understand("emergency_trapped", ranking, said).service_code == "housing_repair"


def test_plain_words_do_not_overrule_the_model_outside_a_danger() -> None:
    ranking = [("report_dispute", 0.8), ("report_water_leak", 0.1)]
    said = "楼上漏水修好了，但是他们不肯赔我家的地板"
    assert understand("report_dispute", ranking, said).service_code == "dispute"


def test_around_a_danger_a_quarrel_a_site_or_a_persons_need_named_first_is_the_code() -> None:
    hurt = [("emergency_medical", 1.0), ("report_public_facility", 0.3), ("report_dispute", 0.1)]
    fight = "对门两家为了晾衣服吵起来，有个人被推下台阶，头在流血"
    assert understand("emergency_medical", hurt, fight).service_code == "dispute"
    site = "工地上吊的钢筋掉下来砸到路人了，腿在流血"
    assert understand("emergency_medical", hurt, site).service_code == "environment"
    alone = "楼下独居的爷爷摔倒在门口，喊他没反应"
    assert understand("emergency_medical", hurt, alone).service_code == "welfare"
    leak_first = [("emergency_medical", 1.0), ("report_water_leak", 0.3)]
    said = "对门一个人住的孃孃坐在屋头地上起不来，敲门半天才应"
    assert understand("emergency_medical", leak_first, said).service_code == "welfare"


def test_a_persons_need_does_not_name_the_problem_of_a_burning_building() -> None:
    fire = [("emergency_fire", 1.0), ("report_housing_repair", 0.3), ("report_welfare", 0.2)]
    said = "独居老人的厨房着火了，烟好大"
    assert understand("emergency_fire", fire, said).service_code == "housing_repair"
