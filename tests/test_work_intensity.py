"""Work intensity: the median work RVU of a specialty's payable codes and of a posting's codes,
where it stands among all payable codes, on the posting and specialty pages."""
from decimal import Decimal
from statistics import median

from sqlalchemy import select

from jobboard.extensions import db
from jobboard.models.taxonomy import CptCode
from jobboard.reference_data import get_specialty, in_ranges
from jobboard.services.work_intensity import posting_work_intensity, specialty_intensity
from tests.factories import ensure_codes, make_employer, make_posting


def counted():
    return {c.code: c.work_rvu for c in db.session.scalars(select(CptCode))
            if c.work_rvu and c.work_rvu > 0 and c.status in ("", "A", "R", "T")}


def expected_percentile(values, value):
    return round(100 * (sum(v < value for v in values) + sum(v == value for v in values) / 2) / len(values))


def test_specialty_figures_are_the_median_of_its_ranges_against_every_payable_code(app):
    with app.app_context():
        ensure_codes()
        every = counted()
        ranges = get_specialty("general-surgery").cpt_ranges
        surgery = [rvu for code, rvu in every.items() if in_ranges(code, ranges)]
        assert len(surgery) >= 5
        found = specialty_intensity("general-surgery")
        assert found.codes == len(surgery)
        assert found.median == Decimal(median(surgery)).quantize(Decimal("0.01"))
        assert found.percentile == expected_percentile(list(every.values()), found.median)
        assert all(in_ranges(code, ranges) for code, _ in found.examples)
        assert specialty_intensity("risk-adjustment") is None  # no CPT ranges


def test_figures_follow_a_new_import_and_leave_out_unpaid_codes(app):
    with app.app_context():
        ensure_codes()
        before = specialty_intensity("general-surgery")
        code = db.session.scalar(select(CptCode).where(CptCode.code == "38900"))
        code.status = "I"  # not payable under the fee schedule
        db.session.commit()
        after = specialty_intensity("general-surgery")
        assert after.codes == before.codes - 1


def test_posting_page_states_the_work_intensity_with_code_links(client, app):
    with app.app_context():
        ensure_codes()
        every = counted()
        posting = make_posting(author=make_employer(), specialties=["general-surgery"],
                               cpt_codes=["38900", "38570"], state="TX")
        surgery = specialty_intensity("general-surgery")
        figures = posting_work_intensity(posting)
        posting_id = posting.id
    assert [f.label for f in figures] == ["General Surgery codes", "Codes named in this posting"]
    own = figures[1]
    assert own.codes == 2 and own.median == Decimal("5.50")  # (2.50 + 8.49) / 2 = 5.495 → 5.50
    assert own.percentile == expected_percentile(list(every.values()), Decimal("5.50"))
    html = client.get(f"/jobs/{posting_id}").get_data(as_text=True)
    section = html[html.index('<section class="work-intensity'):]
    section = section[:section.index("</section>")]
    assert (f"General Surgery codes: median work RVU <strong>{surgery.median}</strong>, higher than\n"
            f"      {surgery.percentile} % of the codes Medicare pays") in section
    assert "Codes named in this posting: median work RVU <strong>5.50</strong>" in section
    assert '<a class="code-badge" href="/codes/38900">38900</a> (2.50)' in section
    assert '<a class="code-badge" href="/codes/38570">38570</a> (8.49)' in section
    assert section.count('role="img"') == 2 and "style=" not in section


def test_specialty_page_shows_its_work_intensity(client, app):
    with app.app_context():
        ensure_codes()
        surgery = specialty_intensity("general-surgery")
    html = client.get("/specialties/general-surgery").get_data(as_text=True)
    assert f"median work RVU <strong>{surgery.median}</strong>" in html
