"""The tagger's coding job fields: apprentice pathway, setting, code sets, encoders, productivity
and accuracy, read from posting text (figures per field: ``bench/tagger_eval.py``)."""
import importlib.util
import json
from pathlib import Path

import pytest

from jobboard.tagging import CODE_SETS, ENCODERS, SETTINGS, JobFields, job_fields

ROOT = Path(__file__).resolve().parent.parent
CASES = [c for c in json.loads((ROOT / "tests" / "data" / "tagger_cases.json").read_text(encoding="utf-8"))
         if "fields" in c]
_spec = importlib.util.spec_from_file_location("tagger_eval", ROOT / "bench" / "tagger_eval.py")
tagger_eval = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tagger_eval)

# Floors a little under what the rules reach today, so a regression fails the build. The dev groups
# and the first three held-out groups have been tuned on (each held-out group's untouched figures
# were reported before it was); the fourth held-out group was written before the fourth round of
# tuning and never tuned on (``bench/tagger_eval.py`` hides its misses): its floors are what it
# measured.
FLOORS = {
    "fields-dev-2": {"apprentice": (0.95, 0.95), "setting": (0.95, 0.95), "code_sets": (0.95, 0.95),
                     "encoders": (0.95, 0.95), "productivity": (0.95, 0.95), "chart_type": (0.95, 0.95),
                     "accuracy": (0.95, 0.95)},
    "fields-dev": {"apprentice": (0.95, 0.95), "setting": (0.95, 0.95), "code_sets": (0.95, 0.95),
                   "encoders": (0.95, 0.95), "productivity": (0.95, 0.95), "chart_type": (0.95, 0.95),
                   "accuracy": (0.95, 0.95)},
    "fields-held-out": {"apprentice": (0.95, 0.95), "setting": (0.95, 0.95), "code_sets": (0.95, 0.95),
                        "encoders": (0.95, 0.95), "productivity": (0.95, 0.95), "chart_type": (0.95, 0.95),
                        "accuracy": (0.95, 0.95)},
    "fields-held-out-2": {"apprentice": (0.95, 0.95), "setting": (0.95, 0.95), "code_sets": (0.95, 0.95),
                          "encoders": (0.95, 0.95), "productivity": (0.95, 0.95), "chart_type": (0.95, 0.95),
                          "accuracy": (0.95, 0.95)},
    "fields-held-out-3": {"apprentice": (0.95, 0.95), "setting": (0.95, 0.95), "code_sets": (0.95, 0.95),
                          "encoders": (0.95, 0.95), "productivity": (0.95, 0.95), "chart_type": (0.95, 0.95),
                          "accuracy": (0.95, 0.95)},
    "fields-dev-3": {"apprentice": (0.95, 0.95), "setting": (0.95, 0.95), "code_sets": (0.95, 0.95),
                     "encoders": (0.95, 0.95), "productivity": (0.95, 0.95), "chart_type": (0.95, 0.95),
                     "accuracy": (0.95, 0.95)},
    "fields-held-out-4": {"apprentice": (0.91, 0.95), "setting": (0.95, 0.90), "code_sets": (0.95, 0.95),
                          "encoders": (0.95, 0.95), "productivity": (0.95, 0.95), "chart_type": (0.95, 0.95),
                          "accuracy": (0.95, 0.95)},
}


def test_cases_are_valid_and_split_before_tuning():
    assert len({c["id"] for c in CASES}) == len(CASES)
    assert {c["set"] for c in CASES} == set(FLOORS)
    assert all(sum(c["set"] == group for c in CASES) >= 12 for group in FLOORS)
    for case in CASES:
        fields = case["fields"]
        assert fields["setting"] in (None, *SETTINGS), case["id"]
        assert set(fields["code_sets"]) <= set(CODE_SETS), case["id"]
        assert set(fields["encoders"]) <= set(ENCODERS), case["id"]
    # Both answers occur for every field, so a constant answer cannot pass.
    assert {c["fields"]["apprentice"] for c in CASES} == {True, False}
    assert any(c["fields"]["productivity"] is None for c in CASES)
    assert any(c["fields"]["accuracy"] is None for c in CASES)


@pytest.mark.parametrize("group", FLOORS)
def test_precision_and_recall_per_field_hold_their_floors(group):
    totals, misses = tagger_eval.evaluate_fields([c for c in CASES if c["set"] == group])
    for field, (p_floor, r_floor) in FLOORS[group].items():
        precision, recall, _ = tagger_eval.prf(*totals[field])
        shown = "held out: bench/tagger_eval.py --show-held-out" if group in tagger_eval.HELD_OUT_FIELD_GROUPS \
            else misses
        assert precision >= p_floor and recall >= r_floor, (field, precision, recall, shown)


@pytest.mark.parametrize("text", [
    "Outpatient Coder\nWe welcome apprentice coders (CPC-A) to code clinic visits with CPT and ICD-10-CM.",
    "Medical Coder I\nNew graduates of a coding certificate program are encouraged to apply; we code CPT for a "
    "physician group.",
    "Medical Coder\nNo experience required: we train certified coders to assign CPT and ICD-10 codes.",
    "Entry-level medical coder for physician office visits (CPT, ICD-10-CM). CPC or CPC-A.",
    # Hired as an apprentice, with the -A to be gone some time after starting.
    "Outpatient Coder I\nHospital clinic coding with CPT. CPC-A is fine, provided the apprentice status is "
    "removed within two years of hire.",
    "Medical Coder\nCode CPT for our clinics. The apprentice designation must be removed within 12 months.",
    "Coder I\nCPC-A holders who finished an accredited coding course last year are welcome to apply. CPT coding.",
    "Coder I\nA good first post for a recent graduate with the CPC. Clinic coding with CPT.",
    "Coder I - Apprenticeship\nOur coding apprenticeship pairs you with a mentor for CPT clinic coding.",
])
def test_apprentice_welcomed(text):
    assert job_fields(text).apprentice is True


@pytest.mark.parametrize("text", [
    "Outpatient Coder\nCode clinic visits with CPT and ICD-10-CM. CPC required, no apprentices.",
    "Medical Coder\nCode CPT for surgery. CPC-A not accepted; the -A must be gone before you apply.",
    "Inpatient Coder\nICD-10-PCS and DRG work; 3 years of inpatient coding required. Entry-level pay is "
    "not offered here.",
    "Pro-fee Coder\nEntry-level? No: minimum 3 years of CPT coding experience in a physician practice.",
    "Medical Coder\nCode CPT and ICD-10-CM for our clinics. CPC required.",
    "Medical Coder\nCode CPT for surgery. The apprentice designation must be removed before you apply.",
    # Apprentices named as the people a senior coder leads, or trained in another program.
    "Lead Inpatient Coder\nLead inpatient coders (ICD-10-PCS, DRG). We fund an apprenticeship path for new "
    "coders elsewhere in the department; this role requires CCS and 6 years.",
    "Senior Outpatient Coder\nCode outpatient surgery with CPT. Our trainee coders are in another team.",
    "Facility Coder\nHospital outpatient coding with CPT and HCPCS. No new grads, please.",
    # An apprenticeship in another trade says nothing about the coding job.
    "Outpatient Coder\nCode clinic visits with CPT. Our hospital also runs an apprenticeship for pharmacy "
    "technicians.",
])
def test_apprentice_not_inferred(text):
    assert job_fields(text).apprentice is False


def test_fields_of_a_hospital_inpatient_posting():
    found = job_fields("Inpatient Coder\nAssign ICD-10-CM, ICD-10-PCS and MS-DRGs for acute stays in our "
                       "Epic system with the 3M encoder. Standard: 2.5 inpatient charts per hour and 95% "
                       "coding accuracy. CCS required.")
    assert found == JobFields(apprentice=False, setting="inpatient", code_sets=("icd10cm", "icd10pcs", "drg"),
                              encoders=("epic", "3m"), productivity=2.5, productivity_per="hour",
                              chart_type="inpatient", accuracy=95.0)


@pytest.mark.parametrize(("text", "setting"), [
    ("Auditor - Pro Fee\nAudit physician coding for our groups.", "profee"),
    ("Remote Coder\nEmergency department facility coding with CPT and HCPCS.", "outpatient"),
    ("Urgent Care Coding Specialist\nCode provider visits for our urgent care centers with CPT.", "profee"),
    ("Junior Medical Coder\nCode internal medicine visits with CPT and ICD-10-CM in eClinicalWorks.", "profee"),
    # Acronyms count in capitals only: "asc" and "drg" in lower case are not settings.
    ("Medical Coder\nCode CPT for visits; ask about our asc and drg plans.", None),
    # A specialty's clinic or group in the title is a physician practice; a physician group in the text too.
    ("Coder - Neurology Clinic\nCode consultations with CPT and ICD-10-CM.", "profee"),
    ("Imaging Coder\nCode nuclear studies with CPT for a cardiology physician group.", "profee"),
    # "Outpatient" alone is a hint; a hospital named beside it makes it the hospital's outpatient setting.
    ("Coder\nCode outpatient therapy encounters with CPT for our county hospital.", "outpatient"),
    ("Coder\nCode outpatient therapy encounters with CPT.", None),
])
def test_setting_phrasings(text, setting):
    assert job_fields(text).setting == setting


@pytest.mark.parametrize(("text", "figures"), [
    ("Risk Adjustment Coder\nCode 25 charts daily for our Medicare Advantage plan (ICD-10-CM).", (25, "day")),
    ("Inpatient Coder\nICD-10-PCS and MS-DRG. Three charts per hour. 95% accuracy.", (3, "hour")),
    ("Outpatient Surgery Coder\nCPT and HCPCS. 30\u201335 surgical charts per day.", (30, "day")),
    ("Pathology Coder\nCPT and ICD-10-CM for a pathology group. 30 pathology reports per hour.", (30, "hour")),
    ("Pro-Fee Coder\nCPT and ICD-10-CM. Our expectation is 250 charts per week.", (None, None)),
    ("Profee Coder\nCPT coding. Goal: 900 encounters per two-week pay period.", (None, None)),
    ("Home Health Coder\nICD-10-CM coding of home health episodes: 14 episodes per day.", (14, "day")),
    ("Imaging Coder\nCPT coding of echo studies, 45 studies per hour.", (45, "hour")),
    # The period belongs to both counts of a pair; the first is the coder's standard.
    ("CDI Specialist\nInpatient CDI reviews (MS-DRG): 5 new reviews and 10 re-reviews per day.", (5, "day")),
    # What a team or department codes together is not one coder's figure; a thousands figure is none.
    ("Coding Supervisor\nOur coding department codes 500 charts per day (CPT).", (None, None)),
    ("Pro-Fee Coder\nCPT coding: 900 charts per day across the team; you code 120 charts per day.", (120, "day")),
    ("Pro-Fee Coder\nCPT coding: our coders finish 2,000 charts per day.", (None, None)),
])
def test_productivity_phrasings(text, figures):
    found = job_fields(text)
    assert (found.productivity, found.productivity_per) == figures


@pytest.mark.parametrize(("text", "accuracy"), [
    ("Pro-Fee Coder\nCPT coding with an audit score of 96% or better.", 96),
    ("Inpatient Coder\nICD-10-PCS coding. A QA score of 97% is required.", 97),
])
def test_accuracy_named_as_a_score(text, accuracy):
    assert job_fields(text).accuracy == accuracy


def test_spelled_accuracy_is_read():
    assert job_fields("Auditor - Pro Fee\nAudit physician coding (CPT); maintain accuracy of ninety-eight "
                      "percent.").accuracy == 98


def test_text_the_number_reader_cannot_encode_keeps_its_other_fields():
    found = job_fields("Inpatient Coder\nICD-10-PCS and MS-DRG for acute stays, 2 charts per hour \ud800")
    assert (found.setting, found.productivity, found.productivity_per) == ("inpatient", 2, "hour")


@pytest.mark.parametrize("text", [
    "Digital Marketing Associate\nNew graduates welcome! Run Google Ads campaigns; 95% on-time rate. "
    "We build on Epic Games tools.",
    "Warehouse Associate\nPick 40 cases per hour. No experience required.",
    # Billing work with no code set and no coding named: its figures are not a coder's.
    "Medical Billing Specialist\nPhysician practice billing: submit 150 claims per day with 98% accuracy. "
    "New grads welcome.",
])
def test_non_coding_text_gets_no_fields(text):
    assert job_fields(text) == JobFields()


@pytest.mark.parametrize("text", [
    "Medical Coder (CPT, ICD-10-CM)\nPay $25 per hour, 8 hours per day, 95% of the work is remote. "
    "Our epic growth story continues.",
])
def test_pay_hours_and_shares_are_not_productivity_accuracy_or_encoders(text):
    found = job_fields(text)
    assert (found.productivity, found.accuracy, found.encoders) == (None, None, ())


# --- looking for the openings must not change a result --------------------------------------------

def _scans():
    """Every ``Scan`` the classifier and the tagger use."""
    from jobboard import classification, tagging

    tagging._credential_regex()
    found, seen = [], set()

    def walk(value):
        if isinstance(value, classification.Scan):
            if id(value) not in seen:
                seen.add(id(value))
                found.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    for module in (classification, tagging):
        walk(list(vars(module).values()))
    walk(tagging._vocabulary())
    return found


def _screen_texts():
    from jobboard.demo import demo_postings

    texts = [c["text"] for c in json.loads((ROOT / "tests" / "data" / "tagger_cases.json").read_text(encoding="utf-8"))]
    return texts + [f"{r['title']}\n{r['description']}" for r in demo_postings(300, 3)]


# Texts where looking for the openings could go wrong: characters that match an ASCII letter
# ignoring case, other scripts' digits, openings cut by the text's end, matches in a row.
TRICKY_TEXTS = [
    "", "\x00", "CPT", "cpt 99213", "Coder: CPT 99213, 99214 Kelvin ſurgery ICD-10",
    "İnpatient coder, 3M, ١٢٣٤٥ charts per day", "5 years required; 5 years; 5 years",
    "inpatient inpatient inpatient outpatient", "Epic Epic-scale EpicGames 3M3M", "ICD-10-CM/PCS ICD10 PCS",
    "CPC-A or CPC; new grads welcome; no CPC-A", "95% accuracy 97.5 percent quality", "co", "in", "99",
]


def test_every_match_of_a_scan_starts_with_one_of_its_openings():
    """A scan tries its pattern only where an opening stands: the openings must start every match."""
    from jobboard.classification import lowered_for_screening

    matched = 0
    for text in _screen_texts() + TRICKY_TEXTS:
        lowered = lowered_for_screening(text)
        for scan in _scans():
            if not scan.openings or not lowered or (scan.ascii_only and not text.isascii()):
                continue
            for m in scan.pattern.finditer(text):
                matched += 1
                assert lowered.startswith(scan.openings, m.start()), (scan.pattern.pattern, m.group(0))
    assert matched > 1000


def test_scans_find_what_the_pattern_finds():
    scans = _scans()
    assert len(scans) > 300 and sum(bool(s.openings) for s in scans) > 300
    for text in _screen_texts()[::5] + TRICKY_TEXTS:
        for scan in scans:
            full = [m.span() for m in scan.pattern.finditer(text)]
            assert [m.span() for m in scan.finditer(text)] == full, (scan.pattern.pattern, text[:80])
            first = scan.pattern.search(text)
            found = scan.search(text)
            assert (found and found.span()) == (first and first.span()), scan.pattern.pattern


def test_job_fields_and_verdicts_are_the_same_scanning_every_position(monkeypatch):
    from jobboard import classification, tagging

    texts = _screen_texts() + TRICKY_TEXTS + [
        "Inpatient coder (ACUTE CARE), new coders welcome, Epic and 3M",
        "Outpatient coder: ambulatory \u017furgery center, apprenti\u017fe\u017f welcome"]
    screened = [(job_fields(text), tagging.suggest_tags(text)) for text in texts]
    monkeypatch.setattr(classification, "lowered_for_screening", lambda text: "")
    for cached in (classification._evidence, tagging._experience_clauses, tagging._credential_hits):
        cached.cache_clear()
    assert [(job_fields(text), tagging.suggest_tags(text)) for text in texts] == screened
    screened = [fields for fields, _tags in screened]
    assert sum(f.setting is not None for f in screened) > 50 and any(f.apprentice for f in screened)
