"""Arrays on the page written with their numbers, as a student checks them by hand (issue 21): the notes'
q = W @ x; f = sum(q*q) shows q's total gradient and its card's numbers, never "vector of 2"; each use's share
is called a share; a matrix on the drawing is one array in one format, its columns spaced by the widest number
in each (also after its numbers change in place); an unnamed layer's z is zˡ in the BP panel."""

import pytest
from test_page import browser, page, settle_animations, type_program, wait_until_idle  # noqa: F401

VECTORISED = "W = [[0.1, 0.5], [-0.3, 0.8]]\nx = [0.2, 0.4]\nq = W @ x\nf = sum(q*q)"  # CS231n's example
Q, W_TO_Q, Q_TO_MUL = 2, 0, 2  # node q; the wire W → q; the first wire q → q × q


def cell_texts(page, wire, kind):
    return page.eval_on_selector_all(f"#w{wire} text.{kind}.cell", "texts => texts.map(t => t.textContent)")


def test_q_total_gradient_and_card_show_numbers_not_shapes(page):
    type_program(page, VECTORISED)
    wait_until_idle(page)
    total = page.text_content(f"#n{Q} text.tag.total")
    assert "[0.440, 0.520]" in total and "vector" not in total
    page.hover(f"#n{Q}")
    page.wait_for_selector("#details .numbers")
    numbers = page.text_content("#details .numbers")
    assert "[0.220, 0.260]" in numbers and "[0.440, 0.520]" in numbers
    assert "vector of" not in numbers
    flows = page.eval_on_selector_all("#details table.chain-rule td:last-child", "cells => cells.map(c => c.textContent)")
    assert flows == ["[[0.088, 0.176], [0.104, 0.208]]", "[-0.112, 0.636]"]
    assert "matrix" not in " ".join(flows)


def test_each_use_of_q_is_called_its_share_in_the_jacobian_view(page):
    type_program(page, VECTORISED)
    wait_until_idle(page)
    page.click(f"#n{Q}")
    page.wait_for_selector("#array-dialog .jacobians .upstream")
    upstream = page.eval_on_selector_all("#array-dialog .jacobians .upstream", "ps => ps.map(p => p.textContent)")
    assert len(upstream) == 2
    for position, text in enumerate(upstream, 1):
        assert f"the share of ∂f/∂q via (q × q) (argument {position}) = q ⊙ upstream" in text
        assert "∂f/∂q = q" not in text  # one use's part is not the whole gradient
    values = page.eval_on_selector_all("#array-dialog table.matrix.value td", "cells => cells.map(c => c.textContent)")
    assert values == ["0.220", "0.260"]  # one array, one format, as the drawing writes it


def test_a_matrix_on_the_drawing_is_one_array_in_one_format(page):
    # W3's gradient of the three-layer preset: 0.0724 and 0.0650 must not both read 0.07
    type_program(page, "W = [[1.0, 2.0], [3.0, 4.0]]\nf = sum(W * [[0.0724, 0.0650], [0.0681, 0.0719]])")
    wait_until_idle(page)
    assert cell_texts(page, 0, "grad") == ["0.0724", "0.0650", "0.0681", "0.0719"]
    assert cell_texts(page, 0, "value") == ["1.00", "2.00", "3.00", "4.00"]


def column_gaps(page, wire):
    """The room between each cell and the next one to its right, in the same row of a matrix label."""
    return page.eval_on_selector_all(f"#w{wire} text.cell", """texts => {
        const rows = new Map();
        for (const t of texts) {
            const box = t.getBBox();
            const key = t.classList.contains('grad') + '|' + t.getAttribute('y');
            rows.set(key, [...(rows.get(key) ?? []), box]);
        }
        return [...rows.values()].flatMap(boxes => boxes.sort((a, b) => a.x - b.x).slice(1)
            .map((box, i) => box.x - (boxes[i].x + boxes[i].width)));
    }""")


def test_matrix_columns_never_run_into_each_other_even_after_new_numbers(page):
    type_program(page, "W = [[1.0, 1.0], [1.0, 1.0]]\nf = sum(W * W * [[0.001, -0.001], [0.002, 0.003]])")
    wait_until_idle(page)
    assert min(column_gaps(page, 0)) > 2
    # new numbers, the same structure: the drawing writes them in place (the playground and training do)
    page.fill("#input-W-1", "-12345.6")
    page.press("#input-W-1", "Enter")
    wait_until_idle(page)
    settle_animations(page)
    texts = cell_texts(page, 0, "value")
    assert texts[:2] == ["1.00", "-12345.60"], texts
    assert min(column_gaps(page, 0)) > 2, (texts, column_gaps(page, 0))


# a short expression through the printer (a longer one is Nielsen's z¹: tests/test_words21_bp_names.py)
@pytest.mark.parametrize("language, heading", [("en", "δ¹ = ∂C/∂(W @ x + b)"), ("zh", "δ¹ = ∂C/∂(W @ x + b)")])
def test_an_unnamed_z_is_named_by_its_expression_in_the_bp_panel_never_by_its_operator(page, language, heading):
    if language == "zh":
        page.click("button[data-lang='zh']")
        page.wait_for_selector("#graph svg g.wire-label")
    type_program(page, "W = [[0.1, 0.2], [0.3, 0.4]]\nb = [0.1, 0.1]\nx = [1.0, 2.0]\n"
                       "C = sum(sigmoid(W @ x + b))")
    wait_until_idle(page)
    titles = page.eval_on_selector_all("#equations .layer h3", "hs => hs.map(h => h.textContent)")
    assert titles and heading in titles[0], titles
    assert "∂+" not in titles[0]


def test_the_sigma_cards_local_gradient_is_worked_out_with_its_numbers(page):
    type_program(page, "x = 1.0\nf = sigmoid(x)")
    wait_until_idle(page)
    page.hover("#n1")
    # The card opens with the rule in symbols, and is worked out when the local gradients it asked for arrive.
    page.wait_for_function("() => (document.querySelector('#details table.chain-rule tbody td:nth-child(2)')"
                           "?.textContent ?? '').includes('=')")
    local = page.text_content("#details table.chain-rule tbody td:nth-child(2)")
    assert local == "σ(1−σ) = 0.73 × 0.27 = 0.20"  # as the notes write it for σ(1)
