"""The shipped reference data (jobboard/data/*.csv) and jobboard.reference_data.

Plain test functions with no fixtures: they need neither the app nor a database.
"""
import csv
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest

from jobboard import reference_data as rd

REPO = Path(__file__).resolve().parents[1]
CMS_FILE = Path(
    os.environ.get("CMS_RVU_FILE")
    or REPO.parent / "shared" / "reference" / "cms" / "PPRRVU23_JAN.csv"
)

PRODUCT_SLUGS = [
    "evaluation-management", "inpatient-facility", "outpatient-facility", "emergency-department",
    "ambulatory-surgery", "general-surgery", "hemic-lymphatic", "orthopedics", "cardiology",
    "interventional-radiology", "radiology", "anesthesia-pain", "hematology-oncology",
    "pathology-lab", "gastroenterology", "obgyn", "urology", "dermatology", "pediatrics",
    "family-internal-medicine", "risk-adjustment", "cdi", "auditing-compliance", "billing-rcm",
    "behavioral-health",
]
NON_CPT_SLUGS = {
    "inpatient-facility", "outpatient-facility", "risk-adjustment", "cdi", "auditing-compliance",
    "billing-rcm",
}
CODE_COLUMNS = [
    "code", "description", "also_known_as", "work_rvu", "nonfacility_pe_rvu", "facility_pe_rvu", "mp_rvu",
    "nonfacility_total", "facility_total", "status", "global_days", "add_on", "year", "conversion_factor",
]
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def sentences(text):
    return [s for s in SENTENCE_END.split(text.strip()) if s]


def header(name):
    with open(rd.DATA_DIR / name, newline="", encoding="utf-8") as fh:
        return next(csv.reader(fh))


# --- specialties and credentials ---------------------------------------------------------

def test_specialty_slugs_match_the_product_contract_in_order():
    assert header("specialties.csv") == [
        "slug", "name", "summary", "description", "cpt_ranges", "credentials", "synonyms"
    ]
    assert [s.slug for s in rd.load_specialties()] == PRODUCT_SLUGS


def test_specialties_have_names_summaries_and_descriptions():
    for s in rd.load_specialties():
        assert s.name and s.summary, s.slug
        assert 3 <= len(sentences(s.description)) <= 5, s.slug
        assert s.synonyms and all(syn == syn.lower() for syn in s.synonyms), s.slug
    names = {s.slug: s.name for s in rd.load_specialties()}
    assert names["evaluation-management"] == "Evaluation and Management (E/M)"
    assert names["hemic-lymphatic"] == "Hemic and Lymphatic"
    assert names["interventional-radiology"] == "Interventional Radiology"


def test_specialty_synonyms_include_posting_vocabulary():
    syn = {s.slug: set(s.synonyms) for s in rd.load_specialties()}
    assert {"e/m", "e&m", "evaluation and management", "pro-fee"} <= syn["evaluation-management"]
    risk = {"hcc", "risk adjustment", "raf", "cms-hcc", "medicare advantage"}
    assert risk <= syn["risk-adjustment"]
    assert {"ir", "interventional radiology"} <= syn["interventional-radiology"]
    assert {"ed", "emergency department"} <= syn["emergency-department"]


def test_every_specialty_credential_exists():
    known = {c.abbreviation for c in rd.load_credentials()}
    for s in rd.load_specialties():
        assert s.credentials, s.slug
        assert set(s.credentials) <= known, (s.slug, set(s.credentials) - known)


def test_credentials_file_holds_the_reference_facts():
    assert header("credentials.csv") == ["abbreviation", "name", "body", "kind", "focus"]
    creds = {c.abbreviation: c for c in rd.load_credentials()}
    assert len(creds) == len(rd.load_credentials())
    assert creds["CPC"].name == "Certified Professional Coder" and creds["CPC"].body == "AAPC"
    assert creds["CCS"].body == "AHIMA"
    assert creds["CRC"].name == "Certified Risk Adjustment Coder"
    assert {"CPC", "CCS", "CRC", "CIC", "COC", "CDIP", "CCDS", "RCC", "CBCS"} <= set(creds)


def test_cpt_ranges_only_for_cpt_based_specialties():
    for s in rd.load_specialties():
        if s.slug in NON_CPT_SLUGS:
            assert s.cpt_ranges == (), s.slug
        else:
            assert s.cpt_ranges, s.slug
            for start, end in s.cpt_ranges:
                assert rd.normalize_code(start) == start and rd.normalize_code(end) == end
    by_slug = {s.slug: s for s in rd.load_specialties()}
    assert by_slug["ambulatory-surgery"].cpt_ranges == (("10004", "69990"),)
    assert ("0001U", "0999U") in by_slug["pathology-lab"].cpt_ranges
    assert ("38100", "38999") in by_slug["general-surgery"].cpt_ranges
    assert not by_slug["general-surgery"].holds("27447")  # orthopedics, not general surgery


# --- sections and classification ---------------------------------------------------------

def test_sections_file_shape():
    assert header("cpt_sections.csv") == ["start", "end", "section", "subsection"]
    sections = rd.load_sections()
    assert any(s.start == "0001U" and s.subsection == "Proprietary Laboratory Analyses"
               for s in sections)
    for s in sections:
        assert not s.subsection.startswith("(section")


@pytest.mark.parametrize("code, section, subsection_part", [
    ("98000", "Evaluation and Management", "Telemedicine"),
    ("99213", "Evaluation and Management", "Office"),
    ("99100", "Anesthesia", "Qualifying Circumstances"),
    ("38900", "Surgery", "Lymph Nodes"),
    ("38100", "Surgery", "Spleen"),
    ("0001U", "Pathology and Laboratory", "Proprietary Laboratory"),
    ("88305", "Pathology and Laboratory", "Surgical Pathology"),
    ("96413", "Medicine", "Chemotherapy"),
    ("77427", "Radiology", "Radiation Oncology"),
])
def test_classify_picks_the_narrowest_range(code, section, subsection_part):
    got = rd.classify(code)
    assert got is not None
    assert got[0] == section
    assert subsection_part in got[1]


def test_classify_alphanumeric_codes():
    assert rd.classify("0042T")[0].startswith("Category III")
    assert rd.classify("1234F")[0].startswith("Category II ")
    assert rd.classify("0042t") == rd.classify("0042T")
    assert rd.classify("0042F")[0].startswith("Category II ")  # suffix decides, not digits


def test_classify_unknown_and_malformed():
    assert rd.classify("0000U") is None
    assert rd.classify("00050") is None  # below the anesthesia section
    assert rd.classify("9921") is None
    assert rd.classify("ABCDE") is None
    assert rd.classify("") is None


def test_in_ranges_comparison_rules():
    assert rd.in_ranges("38900", [("38100", "38999")])
    assert rd.in_ranges("38100", [("38100", "38999")])
    assert rd.in_ranges("38999", [("38100", "38999")])
    assert not rd.in_ranges("39000", [("38100", "38999")])
    assert rd.in_ranges("0123U", [("0001U", "0999U")])
    assert not rd.in_ranges("0123T", [("0001U", "0999U")])
    assert not rd.in_ranges("01230", [("0001U", "0999U")])
    assert rd.in_ranges("9921 3", "99202-99215;99221-99239")
    assert not rd.in_ranges("junk", [("00000", "99999")])


def test_parse_ranges_rejects_bad_pairs():
    assert rd.parse_ranges("38100-38999; 96360-96549") == (("38100", "38999"), ("96360", "96549"))
    assert rd.parse_ranges("") == ()
    for bad in ("38100", "38999-38100", "0001U-99999", "3810-38999"):
        with pytest.raises(ValueError):
            rd.parse_ranges(bad)


def test_specialty_slugs_for_code():
    assert "hemic-lymphatic" in rd.specialty_slugs_for_code("38900")
    assert "general-surgery" in rd.specialty_slugs_for_code("38900")
    assert "evaluation-management" in rd.specialty_slugs_for_code("99213")
    assert rd.specialty_slugs_for_code("0001U") == ["pathology-lab"]
    assert "anesthesia-pain" in rd.specialty_slugs_for_code("64483")
    assert rd.specialty_slugs_for_code("0042T") == []
    assert rd.specialty_slugs_for_code("bad") == []


# --- normalize_code ----------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("99213", "99213"),
    (" 99213 ", "99213"),
    ("992 13", "99213"),
    ("0042t", "0042T"),
    ("1234f", "1234F"),
    ("0001u", "0001U"),
    ("00142", "00142"),
    ("9921", None),
    ("992134", None),
    ("1234X", None),
    ("A0021", None),
    ("12.34", None),
    ("", None),
    (None, None),
    (99213, None),
])
def test_normalize_code(raw, expected):
    assert rd.normalize_code(raw) == expected
    if expected:
        assert rd.CODE_RE.match(expected)


# --- curated codes -----------------------------------------------------------------------

def test_code_file_columns_and_size():
    assert header("cpt_codes.csv") == CODE_COLUMNS
    codes = [c.code for c in rd.load_codes()]
    assert len(codes) >= 170
    assert len(codes) == len(set(codes))


def test_every_code_classifies_and_is_well_formed():
    for c in rd.load_codes():
        assert rd.normalize_code(c.code) == c.code
        assert rd.classify(c.code) is not None, c.code
        assert c.year == 2023 and c.conversion_factor == Decimal("33.8872")
        assert c.global_days in {"000", "010", "090", "XXX", "YYY", "ZZZ", "MMM"}, c.code
        assert c.add_on == (c.global_days == "ZZZ"), c.code
        assert isinstance(c.work_rvu, Decimal) and isinstance(c.facility_total, Decimal)


def test_each_cpt_specialty_has_several_codes():
    codes = rd.load_codes()
    for s in rd.load_specialties():
        if not s.cpt_ranges:
            continue
        held = [c.code for c in codes if s.holds(c.code)]
        assert len(held) >= 3, (s.slug, held)


def test_required_codes_are_present():
    have = {c.code for c in rd.load_codes()}
    required = {
        "38792", "38900", "38570", "38564",
        "99202", "99203", "99204", "99205", "99211", "99212", "99213", "99214", "99215",
        "99221", "99222", "99223", "99231", "99232", "99233", "99238", "99239",
        "99281", "99282", "99283", "99284", "99285", "99291", "99292",
        "99460", "99461", "99462", "99463", "99495", "99496",
        "43235", "43239", "45378", "45380", "45385", "59400", "59510", "58558",
        "62321", "62323", "64483", "64493", "66984",
        "70450", "71045", "71046", "72148", "74177", "76805", "77067", "77427",
        "80053", "85025", "88305", "88307", "90791", "90834", "90837",
        "96365", "96413", "96372", "93000", "93306", "93458", "92928", "97110", "97140",
        "00142", "00731", "00790", "01402", "01967",
    }
    assert required <= have, sorted(required - have)


@pytest.mark.parametrize("code, work, nonfac, fac, glob", [
    ("38792", "0.65", "2.47", "0.96", "000"),
    ("38900", "2.50", "4.06", "4.06", "ZZZ"),
    ("38570", "8.49", "15.35", "15.35", "010"),
    ("38564", "11.38", "20.96", "20.96", "090"),
    ("99213", "1.30", "2.68", "1.95", "XXX"),
])
def test_checked_cms_values(code, work, nonfac, fac, glob):
    c = rd.get_code(code)
    assert c is not None
    assert (c.work_rvu, c.nonfacility_total, c.facility_total) == (
        Decimal(work), Decimal(nonfac), Decimal(fac)
    )
    assert c.global_days == glob
    assert c.add_on is (glob == "ZZZ")


def test_payment_estimate():
    c = rd.get_code("99213")
    assert c.nonfacility_payment == Decimal("90.82")  # 2.68 x 33.8872
    assert c.facility_payment == Decimal("66.08")  # 1.95 x 33.8872


def test_descriptions_are_two_to_four_sentences():
    for c in rd.load_codes():
        n = len(sentences(c.description))
        assert 2 <= n <= 4, (c.code, n)
    for code in ("38792", "38900", "38570", "38564"):
        text = rd.get_code(code).description.lower()
        assert "sentinel" in text or "staging" in text or "stage" in text, code
    assert "add-on" in rd.get_code("38900").description.lower()


def read_cms_global_rows():
    """HCPCS -> dict of the global (no modifier) row, keyed by full column name.

    The CY2023 file splits its column names over the four rows above the ``HCPCS,MOD,...`` row
    ("WORK" over "RVU", "NON-FACILITY" over "TOTAL"...), so names are joined from those rows.
    """
    with open(CMS_FILE, newline="", encoding="latin-1") as fh:
        rows = list(csv.reader(fh))
    at = next(i for i, row in enumerate(rows) if row and row[0].strip() == "HCPCS")
    width = len(rows[at])
    names = [
        " ".join(r[i].strip() for r in rows[max(0, at - 4):at + 1] if i < len(r) and r[i].strip())
        for i in range(width)
    ]
    found = {}
    for row in rows[at + 1:]:
        record = {}
        for i, name in enumerate(names):
            record.setdefault(name, row[i].strip() if i < len(row) else "")
        if record.get("HCPCS") and not record.get("MOD"):
            found[record["HCPCS"]] = record
    return found


@pytest.mark.skipif(not CMS_FILE.exists(), reason=f"CMS RVU file not available at {CMS_FILE}")
def test_descriptions_are_not_the_cms_descriptors_and_figures_match():
    cms = read_cms_global_rows()
    for c in rd.load_codes():
        assert c.code in cms, f"{c.code} is not in the CY2023 file"
        row = cms[c.code]
        descriptor = row["DESCRIPTION"].lower()
        assert descriptor, c.code
        assert c.description.strip().lower() != descriptor, c.code
        if len(descriptor.split()) >= 3:  # two-word terms ("lipid panel") are plain vocabulary
            assert descriptor not in c.description.lower(), c.code
        assert row["WORK RVU"] == f"{c.work_rvu:.2f}", c.code
        for pe, na, value in (("NON-FAC PE RVU", "NON-FAC NA INDICATOR", c.nonfacility_pe_rvu),
                              ("FACILITY PE RVU", "FACILITY NA INDICATOR", c.facility_pe_rvu)):
            assert (row[na] == "NA") == (value is None), c.code
            assert value is None or row[pe] == f"{value:.2f}", c.code
        assert row["STATUS CODE"] == c.status, c.code
        assert row["MP RVU"] == f"{c.mp_rvu:.2f}", c.code
        assert row["NON-FACILITY TOTAL"] == f"{c.nonfacility_total:.2f}", c.code
        assert row["FACILITY TOTAL"] == f"{c.facility_total:.2f}", c.code
        assert row["GLOB DAYS"] == c.global_days, c.code
        assert Decimal(row["CONV FACTOR"]) == c.conversion_factor, c.code
