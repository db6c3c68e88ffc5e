"""Every shipped rule set: sources on every threshold, Beijing 2023 edges, schema extensions."""

import pytest

from alerts.io import AlertInputError, builtin_rulesets, load_ruleset
from alerts.levels import Level
from alerts.triggers import hourly_levels
from tests.alerts.helpers import series


def top(s, rules):
    return max(hourly_levels(s, load_ruleset(rules)), default=Level.NONE)


def test_all_four_generations_ship():
    assert {"mee-2017", "mee-2019", "mee-2024", "beijing-2023"} <= set(builtin_rulesets())


@pytest.mark.parametrize("name", ["mee-2017", "mee-2019", "mee-2024", "beijing-2023"])
def test_every_threshold_and_level_has_a_source_and_a_response(name):
    rules = load_ruleset(name)
    assert rules.source and rules.consultation_hour == 10 and rules.lift_hours == 36
    assert (rules.lift_below, rules.min_hours, rules.forecast_hours) == (200, 24, 72)
    assert rules.forecast_bound == "upper"  # sources.md §1.4 Henan 2016, elsewhere assumed
    assert rules.reading.startswith("days: ")  # each rule set states how it reads "N days"
    for rule in rules.levels:
        assert rule.source and rule.response
        stack = list(rule.conditions)
        while stack:
            cond = stack.pop()
            assert cond.source.startswith(("sources.md §1", "sources.md §1")), (name, rule.level,
                                                                         cond)
            stack.extend(cond.within)
    responses = {r.level: r.response for r in rules.levels}
    assert (responses[Level.YELLOW], responses[Level.ORANGE], responses[Level.RED]) == (
        "III", "II", "I")


def test_only_mee_2024_has_the_temporary_slot():
    assert load_ruleset("mee-2024").rule_for(Level.TEMPORARY).target_pct == 0
    assert load_ruleset("mee-2024").lowest_alert == Level.YELLOW
    assert load_ruleset("mee-2017").lowest_alert == Level.BLUE
    for name in ("mee-2017", "mee-2019", "beijing-2023"):
        assert load_ruleset(name).rule_for(Level.TEMPORARY) is None


@pytest.mark.parametrize(
    ("pieces", "expected"),
    [
        # yellow: 1 day level 5 (> 200) or 2 days level 4 (> 150 for 48 h)
        ([(200.0, 1)], Level.NONE),
        ([(200.5, 1)], Level.YELLOW),
        ([(151.0, 24)], Level.NONE),  # 1 day level 4
        ([(151.0, 25)], Level.YELLOW),  # 2 days level 4 (periods ending 24 h apart)
        # orange: 2 days level 5 or 3 days level 4
        ([(201.0, 24)], Level.YELLOW),
        ([(201.0, 25)], Level.ORANGE),
        ([(151.0, 72)], Level.ORANGE),
        # red: 3 days level 5 including 1 day level 6 (> 300)
        ([(201.0, 71), (301.0, 1)], Level.RED),
        ([(201.0, 71), (300.0, 1)], Level.ORANGE),
        ([(201.0, 24), (301.0, 1), (201.0, 23)], Level.ORANGE),  # 48 h: only 2 days
    ],
)
def test_beijing_2023_edges(pieces, expected):
    assert top(series(*pieces), "beijing-2023") == expected


def test_user_rule_set_with_consultation_hour_and_delay(tmp_path):
    path = tmp_path / "local.toml"
    path.write_text('id = "local"\nconsultation_hour = 16\nresponse_delay_hours = 12\n'
                    '[[levels]]\nlevel = "yellow"\nany = [{ above = 180, hours = 24, '
                    'source = "local plan" }]\n', encoding="utf-8")
    rules = load_ruleset(path)
    assert (rules.consultation_hour, rules.response_delay_hours) == (16, 12)
    assert rules.levels[0].conditions[0].source == "local plan"
    path.write_text('id = "x"\nconsultation_hour = 25\n[[levels]]\nlevel = "red"\n'
                    'any = [{ above = 1 }]\n', encoding="utf-8")
    with pytest.raises(AlertInputError, match="consultation_hour 25 is outside 0–23"):
        load_ruleset(path)
