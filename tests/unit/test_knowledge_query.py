"""How a knowledge-base query becomes search terms, safely quoted for FTS5 and LIKE."""
from services.knowledge_search import fts_phrase, like_pattern, snippet, terms


def test_terms_are_the_distinct_space_separated_words_in_order():
    assert terms("  退货  价格 退货\u3000流程 ") == ["退货", "价格", "流程"]
    assert terms("") == []
    assert len(terms(" ".join(str(i) for i in range(20)))) == 8


def test_like_wildcards_and_the_escape_character_are_literal():
    assert like_pattern("100%") == "%100\\%%"
    assert like_pattern("a_b") == "%a\\_b%"
    assert like_pattern("c:\\x") == "%c:\\\\x%"


def test_an_fts_phrase_cannot_carry_operators():
    assert fts_phrase('退货 OR "x') == '"退货 OR ""x"'
    assert fts_phrase("a*") == '"a*"'


def test_the_snippet_is_around_the_first_term_found():
    body = "甲" * 50 + "退货请在三日内登记" + "乙" * 100
    cut = snippet(body, ["三日内", "退货"])
    assert cut.startswith("…") and cut.endswith("…") and "退货请在三日内登记" in cut
    assert snippet("短文", ["无"]) == "短文"
