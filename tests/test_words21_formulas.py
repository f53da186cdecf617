"""Every op's forward formula in every language from /api/ops (issue 21): notation is the same in each language,
and a formula with words in it ("x if x > 0, else slope · x") comes from the catalogs' ``ops.<name>.formula``."""

from __future__ import annotations

import re

from app.engine.ops import OPS
from app.words.catalogs import CATALOGS, ENGLISH

LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def test_every_formula_is_given_in_every_language(client):
    ops = client.get("/api/ops").json()
    for op in ops:
        assert set(op["formula"]) == set(CATALOGS), op["name"]
    by_name = {op["name"]: op["formula"] for op in ops}
    assert by_name["add"] == {"en": "a + b", "zh": "a + b"}  # notation: the same in every language
    assert by_name["leaky_relu"]["en"] == "x if x > 0, else slope · x"
    assert by_name["leaky_relu"]["zh"] == "x > 0 时为 x，否则为 slope · x"
    assert by_name["elu"]["zh"] == "x > 0 时为 x，否则为 alpha · (exp(x) - 1)"


def test_no_chinese_formula_keeps_an_english_word():
    # the Latin words a Chinese formula may hold are the notation's: the op's functions and parameters
    for op in OPS:
        notation = set(LATIN_WORD.findall(op.formula)) - {"if", "else", "on", "at", "for", "every", "element"}
        zh = op.formula_text()["zh"]
        assert set(LATIN_WORD.findall(zh)) <= notation, f"{op.name}: {zh!r}"


def test_the_op_tables_formula_is_the_english_catalogs_in_its_parameters_letters():
    for op in OPS:
        if op.has_words("formula"):
            assert op.formula == CATALOGS[ENGLISH][f"ops.{op.name}.formula"].replace("{", "").replace("}", "")
