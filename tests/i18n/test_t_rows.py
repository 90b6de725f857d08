"""``t_rows``: the texts of many rows at once are ``t``'s, row by row."""

from __future__ import annotations

import pytest

from optimizer.i18n import _numbered, t, t_rows


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_rows_are_what_t_gives_row_by_row(lang):
    pct, days, pooled = [12.4, 30.0, 100.0], [3, 5, 60], [0.25, 0.6, 0.999]
    assert t_rows("reasons.why_budget", lang=lang, rows=3, pct=pct, limit=15.0) == [
        t("reasons.why_budget", lang=lang, pct=p, limit=15.0) for p in pct
    ]
    assert t_rows("reasons.why_thin", lang=lang, rows=3, days=days, pooled=tuple(pooled)) == [
        t("reasons.why_thin", lang=lang, days=d, pooled=p) for d, p in zip(days, pooled, strict=True)
    ]
    assert t_rows("reasons.label_hold", lang=lang, rows=2) == [t("reasons.label_hold", lang=lang)] * 2
    assert t_rows("reasons.money", lang=lang, rows=0, amount=[]) == []


def test_a_field_given_as_a_function_is_made_only_when_the_text_uses_it():
    made = []

    def amounts():
        made.append("amount")
        return ["5,600", "80"]

    def unused():
        raise AssertionError("the text has no such field")

    assert t_rows("reasons.money", lang="en", rows=2, amount=amounts, currency=unused) == ["5,600 CNY", "80 CNY"]
    assert made == ["amount"]


def test_a_missing_field_fails_as_in_t():
    with pytest.raises(KeyError):
        t("reasons.money", lang="en")
    with pytest.raises(KeyError):
        t_rows("reasons.money", lang="en", rows=1)


def test_numbering_keeps_specs_conversions_lookups_and_braces():
    template = "{{literal}} {a:>6.1f} {b!r} {c[0]}{d.real} {a} 100%"
    numbered, names = _numbered(template)
    assert names == ("a", "b", "c", "d", "a")
    fields = {"a": 2.25, "b": "x", "c": ["first"], "d": 3}
    assert numbered.format(*(fields[n] for n in names)) == template.format(**fields)
    with pytest.raises(ValueError, match="nested"):
        _numbered("{a:{width}}")
