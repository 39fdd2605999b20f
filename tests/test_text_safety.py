"""Text from an owner's files is only ever text (issue 14, items 6 and 7).

A small owner workspace whose product names, customer ids, group values and a column name hold Markdown images
and links, bare and numeric-IP addresses, HTML, a formula and a bidi override is shown on the Overview, Customers,
Fairness and Data pages. Every Markdown, caption and alert must show that text as characters (no live link or
image, no address a renderer would link by itself, no invisible character), and every table must show text
cells that a spreadsheet would run as a formula with a leading apostrophe, because the table toolbar's own
"Download as CSV" exports the cells as shown.
"""

import re

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from smbcore.data import Workspace
from smbcore.safety import FORMULA_STARTS, plain_text, shown_frame, visible_text
from smbcore.synthetic import generate_transactions

from .conftest import ROOT

IMAGE = "![x](http://127.0.0.1:9/x.png)"
LINK = "[verify](http://127.0.0.1:9/phish)"
BARE = "http://2130706433:9/clickme"
HTML = "<b>bold</b>"
FORMULA = '=HYPERLINK("http://x","y")'
BIDI = "gift\u202etxt.exe"
HOSTILE = [IMAGE, LINK, BARE, HTML, FORMULA, BIDI]

LIVE = re.compile(r"\]\(|https?://|www\.|(?<!\\)<[a-z/]|[\w.+-]@[\w-]+\\?\.|[\u202a-\u202e\u2066-\u2069\u200b-\u200f]")
"""A live Markdown link or image, an address a renderer links by itself, HTML, or an invisible character.
plain_text leaves a zero-width space after 'http' and 'www' and before '@', so the check ignores those only."""


def live(value: str) -> list[str]:
    value = re.sub(r"(?i)(?<=http)\u200b|(?<=https)\u200b|(?<=www)\u200b", "", value)
    return LIVE.findall(value.replace("\u200b@", " @"))


def shown_texts(app: AppTest) -> list[str]:
    """Every piece of Markdown the page drew: text, captions, alerts, headings and expander labels."""
    kinds = ("markdown", "caption", "info", "warning", "error", "success", "subheader", "header", "title")
    values = [e.value for kind in kinds for e in getattr(app, kind)]
    return values + [e.label for e in app.expander]


def check_page(app: AppTest, where: str) -> str:
    assert not app.exception, (where, app.exception)
    texts = shown_texts(app)
    for text in texts:
        assert not live(text), (where, live(text), text)
    for table in app.dataframe:
        frame = table.value
        for column in frame.columns:
            assert not str(column).startswith(FORMULA_STARTS), (where, column)
            values = frame[column]
            if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
                continue
            risky = [v for v in values.dropna() if isinstance(v, str) and v.startswith(FORMULA_STARTS)]
            assert not risky, (where, column, risky[:3])
            hidden = [v for v in values.dropna() if isinstance(v, str) and v != visible_text(v)]
            assert not hidden, (where, column, hidden[:3])
    return "\n".join(texts)


@pytest.fixture
def hostile_home(tmp_path):
    """An owner's orders and customers: six products, six customers and the gender groups carry hostile text."""
    home = tmp_path / "home"
    tx = generate_transactions(n_lines=4_000, n_customers=200, days=300, seed=41)
    products = tx["product_id"].drop_duplicates().tolist()[: len(HOSTILE)]
    names = dict(zip(products, HOSTILE, strict=True))
    tx["product_name"] = tx["product_id"].map(names).fillna(tx["product_name"])
    ids = tx["customer_id"].dropna().drop_duplicates().tolist()
    renamed = dict(zip(ids[: len(HOSTILE)], HOSTILE, strict=True))
    tx["customer_id"] = tx["customer_id"].map(lambda c: renamed.get(c, c))
    people_ids = tx["customer_id"].dropna().unique()
    rng = np.random.default_rng(0)
    people = pd.DataFrame(
        {"customer_id": people_ids, "gender": rng.choice([IMAGE, LINK, BARE], len(people_ids)).astype(object)}
    )
    workspace = Workspace(home / "workspace.duckdb")
    workspace.save("transactions", tx, source="till.csv")
    workspace.save("customers", people, source="people.csv")
    return home


def start(monkeypatch, home, page: str) -> AppTest:
    monkeypatch.setenv("SMBCORE_HOME", str(home))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    app.session_state["data_source"] = "own"
    app.run()
    return app.switch_page(page).run()


def open_tab(app: AppTest, key: str, name: str) -> AppTest:
    app.session_state[key] = name
    return app.run()


def test_plain_text_shows_every_hostile_string_as_characters():
    for value in HOSTILE:
        shown = plain_text(value)
        assert not live(shown), (value, shown)
        assert shown.replace("\\", "").replace("\u200b", "") == value.replace("\u202e", "[U+202E]")
    assert not live(plain_text("see www.shop.example or ann@shop.example"))


def test_tables_and_charts_show_invisible_characters_as_codes_and_formulas_as_text():
    frame = pd.DataFrame({"product": [BIDI, FORMULA, "zero\u200bwidth", None], "units": [1, -2, 3, 4]})
    frame[BIDI] = ["a", "b", "c", "d"]
    shown = shown_frame(frame)
    assert shown["product"].tolist()[:3] == ["gift[U+202E]txt.exe", "'" + FORMULA, "zero[U+200B]width"]
    assert shown["product"].isna().iloc[3] and shown["units"].tolist() == [1, -2, 3, 4]  # numbers stay numbers
    assert list(shown.columns) == ["product", "units", "gift[U+202E]txt.exe"]
    assert visible_text("\u2066x\u2069") == "[U+2066]x[U+2069]"


def test_every_table_and_chart_on_a_page_goes_through_the_shared_helpers():
    """st.dataframe, st.data_editor, st.table and st.altair_chart are called only in pages/_tables.py (show_table,
    show_chart), which make file text safe to show; and the table toolbar's own CSV download is off."""
    import tomllib

    direct = re.compile(r"\bst\.(dataframe|data_editor|table|altair_chart|vega_lite_chart|line_chart|bar_chart)\(")
    for page in sorted((ROOT / "pages").glob("*.py")):
        if page.name != "_tables.py":
            lines = [
                f"{page.name}:{n}" for n, line in enumerate(page.read_text().splitlines(), 1) if direct.search(line)
            ]
            assert not lines, lines
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["disableDataExport"] is True


def test_overview_customers_and_fairness_show_file_text_as_text(monkeypatch, hostile_home):
    app = start(monkeypatch, hostile_home, "pages/overview.py")
    check_page(app, "overview")

    app.switch_page("pages/customers.py").run()
    check_page(app, "customers: segments and risk")
    open_tab(app, "customers_tab", "Look up a customer")
    app.selectbox(key="lookup_customer").set_value(LINK).run()
    check_page(app, "customers: look up a customer")

    app.switch_page("pages/fairness.py").run()
    open_tab(app, "fairness_tab", "Why this decision")
    app.selectbox(key="why_plan_customer").set_value(IMAGE).run()
    shown = check_page(app, "fairness: why this decision")
    assert "Customer " + plain_text(IMAGE) in shown  # the id is there, as characters

    open_tab(app, "fairness_tab", "Bias checks")
    shown = check_page(app, "fairness: bias checks")
    assert "clickme" in shown or "phish" in shown  # the group values are there, as characters

    open_tab(app, "fairness_tab", "Contest and override")
    app.selectbox(key="contest_model").set_value("targeting")
    app.text_input(key="contest_subject").input(BARE)
    app.text_area(key="contest_reason").input(f"{IMAGE} {LINK} {HTML} {BIDI}")
    next(b for b in app.button if b.label == "Record the contest").click().run()
    shown = check_page(app, "fairness: contest and override")
    assert "Open contests: 1" in shown and "phish" in shown and "clickme" in shown


def test_data_page_shows_column_names_and_cells_as_text(monkeypatch, tmp_path):
    header = f"order_id,timestamp,product_id,quantity,unit_price,product_name,{LINK},{LINK},{BARE}\n"
    rows = [
        f'{i},2024-03-0{1 + i % 9} 10:00,P{i % 3},1,2.5,"{FORMULA.replace(chr(34), 2 * chr(34))}",{IMAGE},x,{HTML}'
        for i in range(30)
    ]
    data = (header + "\n".join(rows) + "\n").encode()
    app = start(monkeypatch, tmp_path / "home", "pages/data.py")
    app.file_uploader(key="upload_file").set_value(("till.csv", data, "text/csv")).run()
    shown = check_page(app, "data: upload")
    assert "phish" in shown and "clickme" in shown  # columns not used / appearing twice, named as characters
    assert any(str(v).startswith("'=HYPERLINK") for t in app.dataframe for v in t.value.to_numpy().ravel())
