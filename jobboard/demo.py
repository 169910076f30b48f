"""Deterministic demo data: companies, employers, seekers and postings in coding vocabulary.

Everything is keyed by email or slug, so loading twice changes nothing.
"""
import json
import random
from datetime import datetime, timedelta

from sqlalchemy import select

from jobboard import reference_data
from jobboard.extensions import db
from jobboard.models.base import utcnow
from jobboard.models.company import Company
from jobboard.models.seeker import SeekerProfile
from jobboard.models.taxonomy import Credential, Specialty
from jobboard.models.user import User
from jobboard.pay_transparency import covering_rule
from jobboard.search.sync import catch_up
from jobboard.services.imports import ImportReport, import_postings

DEMO_PASSWORD = "coding-demo-2026"

COMPANIES = [
    ("Summit Health Revenue Partners", "summit-health", "Denver", "CO",
     "Outsourced professional-fee and facility coding for multi-specialty groups across the West."),
    ("Lakeside Regional Medical Center", "lakeside-regional", "Cleveland", "OH",
     "A 480-bed teaching hospital with a busy HIM department and an in-house CDI team."),
    ("Cascade Orthopedic & Spine", "cascade-ortho", "Portland", "OR",
     "Physician-owned orthopedic practice with two ambulatory surgery centers."),
    ("Bluebonnet Risk Adjustment Services", "bluebonnet-risk", "Austin", "TX",
     "Chart review and HCC coding for Medicare Advantage plans, fully remote."),
    ("Harborview Imaging Associates", "harborview-imaging", "Tampa", "FL",
     "Radiology group reading CT, MRI, mammography and interventional studies for 14 hospitals."),
    ("Prairie Anesthesia Group", "prairie-anesthesia", "Omaha", "NE",
     "Anesthesia and pain-management billing for 60 CRNAs and anesthesiologists."),
]

EMPLOYERS = [
    ("hiring@summit-health.example", "Dana Whitfield", "summit-health"),
    ("hr@lakeside-regional.example", "Marcus Oyelaran", "lakeside-regional"),
    ("jobs@cascade-ortho.example", "Priya Natarajan", "cascade-ortho"),
    ("talent@bluebonnet-risk.example", "Luis Carrillo", "bluebonnet-risk"),
    ("careers@harborview-imaging.example", "Ellen Brooks", "harborview-imaging"),
    ("office@prairie-anesthesia.example", "Sam Kowalczyk", "prairie-anesthesia"),
]

SEEKERS = [
    ("coder@medcodejobs.example", "Jordan Reyes", "CPC with 6 years of general surgery and E/M coding",
     ["CPC", "CGSC"], ["general-surgery", "hemic-lymphatic", "evaluation-management"], 6, "Phoenix", "AZ",
     "remote", 62000),
    ("riskcoder@medcodejobs.example", "Alex Kim", "CRC focused on HCC risk adjustment chart review",
     ["CRC", "CPC"], ["risk-adjustment"], 4, "Atlanta", "GA", "remote", 58000),
    ("inpatient@medcodejobs.example", "Morgan Patel", "CCS inpatient coder, DRG validation",
     ["CCS", "RHIT"], ["inpatient-facility", "cdi"], 9, "Columbus", "OH", "hybrid", 72000),
    ("newcoder@medcodejobs.example", "Taylor Brooks", "CPC-A looking for a first coding role",
     ["CPC-A"], ["evaluation-management", "family-internal-medicine"], 0, "Chicago", "IL", "", 42000),
]


def load_demo(jobs: int = 300, seed: int = 1, progress=None) -> tuple[dict[str, int], ImportReport]:
    """Create or refresh the demo companies, employers, seekers and ``jobs`` postings.

    The postings go through the feed importer, so loading again on the same day finds every
    line unchanged; their lines carry their tags and job fields, so only the coding verdict is
    read from each text. Returns the counts and the importer's report.
    """
    companies = {c.slug: c for c in db.session.scalars(select(Company))}
    for name, slug, city, state, about in COMPANIES:
        company = companies.get(slug) or Company(slug=slug, name=name)
        company.name, company.city, company.state, company.about = name, city, state, about
        company.website = f"https://{slug}.example"
        db.session.add(company)
        companies[slug] = company

    users = {u.email: u for u in db.session.scalars(select(User))}
    for email, name, slug in EMPLOYERS:
        user = users.get(email) or User(email=email, password=DEMO_PASSWORD, role="employer")
        user.name, user.company = name, companies[slug]
        db.session.add(user)

    credentials = {c.abbreviation: c for c in db.session.scalars(select(Credential))}
    specialties = {s.slug: s for s in db.session.scalars(select(Specialty))}
    for email, name, headline, creds, specs, years, city, state, arrangement, pay in SEEKERS:
        user = users.get(email) or User(email=email, password=DEMO_PASSWORD, role="seeker")
        user.name = name
        profile = user.seeker_profile or SeekerProfile()
        user.seeker_profile = profile
        profile.headline, profile.years_experience = headline, years
        profile.city, profile.state = city, state
        profile.preferred_arrangement, profile.desired_salary = arrangement, pay
        profile.credentials = [credentials[c] for c in creds if c in credentials]
        profile.specialties = [specialties[s] for s in specs if s in specialties]
        db.session.add(user)
    db.session.commit()
    lines = (json.dumps(record) for record in demo_postings(jobs, seed))
    report = import_postings(lines, progress=progress)
    catch_up()  # this host's index, rebuilt in one go after a large demo
    if report.failed:
        raise RuntimeError(f"demo postings failed to load: {report.failed[:3]}")
    counts = {"companies": len(COMPANIES), "employers": len(EMPLOYERS), "seekers": len(SEEKERS),
              "postings": report.created + report.updated + report.unchanged}
    return counts, report


CITIES = [
    ("Denver", "CO"), ("Cleveland", "OH"), ("Portland", "OR"), ("Austin", "TX"), ("Tampa", "FL"),
    ("Omaha", "NE"), ("Phoenix", "AZ"), ("Atlanta", "GA"), ("Nashville", "TN"), ("Raleigh", "NC"),
    ("Minneapolis", "MN"), ("Boston", "MA"), ("Sacramento", "CA"), ("Kansas City", "MO"),
    ("Pittsburgh", "PA"), ("Salt Lake City", "UT"), ("Richmond", "VA"), ("Madison", "WI"),
]
LEVELS = ["", "Senior ", "Lead ", "Remote ", "Coder II – ", "Experienced "]
INTROS = [
    "{company} is growing its coding team and needs a {title_lower} who takes pride in clean, compliant claims.",
    "Join {company}, where coders work with providers and auditors instead of around them.",
    "{company} is hiring a {title_lower} to keep charts moving and denials down.",
]
ASSIGN_CODES = "Review documentation and assign CPT, HCPCS and ICD-10-CM codes with the right modifiers."
DUTIES = [
    ASSIGN_CODES,
    "Query providers when documentation is unclear, and track the answers.",
    "Work coding edits and denials with the billing team.",
    "Keep up with coding guideline updates and payer policy changes.",
]
# How each specialty's coding is done: setting phrase and key, code sets (phrase and keys),
# productivity (low, high, step, chart type, per). Apprentice postings pay less: new coders start lower.
SETTING_WORK = {
    "inpatient-facility": ("hospital inpatient coding", "inpatient", "ICD-10-CM, ICD-10-PCS and MS-DRGs",
                           ("icd10cm", "icd10pcs", "drg"), (2, 3, 0.5, "inpatient", "hour")),
    "cdi": ("inpatient clinical documentation review", "inpatient", "ICD-10-CM, ICD-10-PCS and MS-DRGs",
            ("icd10cm", "icd10pcs", "drg"), (16, 24, 2, "", "day")),
    "outpatient-facility": ("hospital outpatient facility coding", "outpatient", "CPT, HCPCS, ICD-10-CM and APCs",
                            ("cpt", "hcpcs", "icd10cm", "apc"), (4, 8, 1, "outpatient", "hour")),
    "emergency-department": ("hospital outpatient coding of ED facility visits", "outpatient",
                             "CPT, HCPCS and ICD-10-CM", ("cpt", "hcpcs", "icd10cm"), (5, 9, 1, "ED", "hour")),
    "ambulatory-surgery": ("ambulatory surgery center coding", "asc", "CPT, HCPCS and ICD-10-CM",
                           ("cpt", "hcpcs", "icd10cm"), (25, 40, 5, "", "day")),
    "risk-adjustment": ("health plan risk adjustment", "payer", "ICD-10-CM", ("icd10cm",), (3, 5, 1, "", "hour")),
}
PROFEE_WORK = ("professional fee (pro-fee) coding for our physician groups", "profee", "CPT, HCPCS and ICD-10-CM",
               ("cpt", "hcpcs", "icd10cm"), (80, 160, 10, "", "day"))
ENCODERS = {"3M 360 Encompass": "3m", "Optum EncoderPro": "optum", "Epic": "epic", "Cerner": "cerner",
            "MEDITECH": "meditech", "athenahealth": "athenahealth", "eClinicalWorks": "eclinicalworks",
            "TruCode": "trucode"}
APPRENTICE_EVERY = 6
MINUTES_A_DAY = 24 * 60
PERKS = [
    "We pay for your CEUs and one AAPC or AHIMA membership.",
    "Four weeks of paid time off, a 401(k) match and health coverage from day one.",
    "Flexible schedules, home-office equipment and a supportive QA team.",
]
TITLE_WORDS = {
    "evaluation-management": "E/M Coder", "inpatient-facility": "Inpatient Coder",
    "outpatient-facility": "Outpatient Facility Coder", "emergency-department": "ED Coder",
    "ambulatory-surgery": "ASC Coder", "general-surgery": "Surgical Coder",
    "hemic-lymphatic": "Surgical Oncology Coder", "orthopedics": "Orthopedic Coder",
    "cardiology": "Cardiology Coder", "interventional-radiology": "IR Coder",
    "radiology": "Radiology Coder", "anesthesia-pain": "Anesthesia Coder",
    "hematology-oncology": "Oncology Coder", "pathology-lab": "Pathology Coder",
    "gastroenterology": "GI Coder", "obgyn": "OB/GYN Coder", "urology": "Urology Coder",
    "dermatology": "Dermatology Coder", "pediatrics": "Pediatric Coder",
    "family-internal-medicine": "Primary Care Coder", "risk-adjustment": "Risk Adjustment Coder",
    "cdi": "CDI Specialist", "auditing-compliance": "Coding Auditor",
    "billing-rcm": "Medical Biller and Coder", "behavioral-health": "Behavioral Health Coder",
}


def demo_posting_records(count: int, seed: int = 1, now: datetime | None = None) -> list[dict]:
    """``count`` realistic posting records in the import format, the same for the same seed."""
    return list(demo_postings(count, seed, now))


def demo_postings(count: int, seed: int = 1, now: datetime | None = None):
    """The records of ``demo_posting_records`` one at a time (a large demo is never all in memory).

    Dates count back from midnight UTC, so the same seed gives the same lines all day long.
    """
    now = now or utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    rng = random.Random(seed)
    specialties = reference_data.load_specialties()
    codes = reference_data.load_codes()
    in_ranges = {s.slug: [c.code for c in codes if reference_data.in_ranges(c.code, s.cpt_ranges)]
                 for s in specialties}
    for i in range(count):
        specialty = specialties[i % len(specialties)]
        company_name, slug, *_ = COMPANIES[rng.randrange(len(COMPANIES))]
        in_range = in_ranges[specialty.slug]
        tagged = rng.sample(in_range, k=min(len(in_range), rng.randint(1, 4))) if in_range else []
        title = f"{rng.choice(LEVELS)}{TITLE_WORDS.get(specialty.slug, 'Medical Coder')}"
        credentials = list(specialty.credentials[:1])
        preferred = [c for c in specialty.credentials[1:3] if c not in credentials]
        city, state = rng.choice(CITIES)
        arrangement = rng.choice(["remote", "remote", "hybrid", "onsite"])
        apprentice = i % APPRENTICE_EVERY == 3
        if apprentice:
            title = f"{TITLE_WORDS.get(specialty.slug, 'Medical Coder')} I (CPC-A welcome)"
            preferred = list(dict.fromkeys([*preferred, "CPC-A", "CCA"]))
        hourly = rng.random() < 0.35
        if apprentice:
            low = rng.randint(17, 21) if hourly else rng.randrange(36000, 45000, 1000)
        else:
            low = rng.randint(22, 34) if hourly else rng.randrange(45000, 76000, 1000)
        high = low + (rng.randint(3, 10) if hourly else rng.randrange(5000, 20000, 1000))
        synonyms = ", ".join(specialty.synonyms[:3])
        code_sentence = (f"You will report codes such as CPT {', '.join(tagged)} daily."
                         if tagged else "")
        setting, setting_key, code_sets, code_set_keys, (p_low, p_high, p_step, chart, per) = SETTING_WORK.get(
            specialty.slug, PROFEE_WORK)
        steps = int((p_high - p_low) / p_step)
        charts = p_low + p_step * rng.randint(0, steps)
        chart_words = f"{chart} charts" if chart else "charts"
        experience = ("- No coding experience required: CPC-A, COC-A and CCA holders and new graduates are "
                      "welcome, and a senior coder mentors you through your first year\n" if apprentice else
                      f"- {rng.randint(1, 5)}+ years of {specialty.name.lower()} coding\n")
        intro = rng.choice(INTROS).format(company=company_name, title_lower=title.lower())
        encoder = rng.choice(list(ENCODERS))   # drawn in the order the text uses them
        accuracy = rng.choice([95, 95, 96, 97, 98])
        duties = rng.sample(DUTIES, 3)
        paragraphs = [
            intro,
            f"This role focuses on {specialty.name.lower()} work ({synonyms}). {code_sentence}",
            f"**How the work is done**\n\nThis is {setting} with {code_sets} in {encoder}. "
            f"The standard is {charts:g} {chart_words} per {per} at {accuracy}% coding "
            "accuracy on quarterly audits.",
            "**What you will do**\n\n" + "\n".join(f"- {d}" for d in duties),
            "**What you bring**\n\n"
            f"- {' or '.join(specialty.credentials[:2]) or 'A coding'} credential\n" + experience,
            rng.choice(PERKS),
        ]
        yield {
            "external_id": f"demo-{seed}-{i:05d}", "company": company_name, "title": title,
            "description": "\n\n".join(paragraphs), "city": city, "state": state,
            "arrangement": arrangement,
            "employment_type": rng.choice(["full_time"] * 5 + ["part_time", "contract", "per_diem"]),
            # A few employers no pay transparency law covers leave pay out, as real ones do.
            **({} if i % 10 == 7 and covering_rule(state, city, arrangement, now.date()) is None else
               {"salary_min": low, "salary_max": high}),
            "salary_unit": "hour" if hourly else "year",
            "specialties": [specialty.slug], "credentials_required": credentials,
            "credentials_preferred": preferred, "cpt_codes": tagged,
            # Within the last 25 days whatever the count: a large demo is open, not mostly expired.
            "posted_at": (now - timedelta(days=rng.randint(0, 25), minutes=i % MINUTES_A_DAY)).isoformat(),
            # The coding job fields the text states, as a partner feed sends them: only the
            # tagger's verdict is left to read from the text.
            "apprentice": apprentice, "work_setting": setting_key,
            "code_sets": _code_sets(code_set_keys, bool(tagged) or "E/M" in title, ASSIGN_CODES in duties),
            "encoders": [ENCODERS[encoder]], "productivity": charts, "productivity_per": per,
            "chart_type": chart, "accuracy_pct": accuracy,
        }


def _code_sets(stated: tuple[str, ...], cpt_named: bool, assigns_cpt_and_hcpcs: bool) -> list[str]:
    """The code sets a demo description names: its setting's, CPT when it names codes or E/M work,
    and CPT and HCPCS when a duty is assigning them."""
    extra = {"cpt"} if cpt_named else set()
    if assigns_cpt_and_hcpcs:
        extra |= {"cpt", "hcpcs"}
    return list(dict.fromkeys([*stated, *sorted(extra)]))


def database_has_content() -> bool:
    """True once anyone has an account or a company exists: demo data must not overwrite them."""
    return db.session.scalar(select(User.id).limit(1)) is not None or \
        db.session.scalar(select(Company.id).limit(1)) is not None
