"""The Whoosh schema of a posting document (see ``search.document`` for what fills it).

The index answers "which postings match" as sets of document numbers and ranking works on
those sets, so every indexed field holds de-duplicated terms with no positions, frequencies or
lengths, and nothing is stored: sort keys, expiry and the fingerprint live in compact columns.
"""
from whoosh import formats
from whoosh.columns import FixedBytesColumn, NumericColumn
from whoosh.fields import COLUMN, FieldType, Schema


class Terms(FieldType):
    """Pre-analysed terms (a list, or a space-separated string): presence only."""

    def __init__(self, unique=False):
        super().__init__(formats.Existence(), None, unique=unique)

    @staticmethod
    def terms(value) -> set[str]:
        return set(value.split() if isinstance(value, str) else value)

    def index(self, value, **kwargs):
        return ((term.encode("utf-8"), 1, 1.0, b"") for term in self.terms(value))


def _column():
    return COLUMN(NumericColumn("q"))


SCHEMA = Schema(
    id=Terms(unique=True),
    title=Terms(),
    meta=Terms(),          # company name and place
    tags=Terms(),          # names of the CPT sections and subsections of the tagged codes
    body=Terms(),          # the description
    phrase=Terms(),        # adjacent-word pairs of title, description and meta, for phrases
    specialty=Terms(),     # slugs
    credential=Terms(),    # lower-case abbreviations, required or preferred
    required=Terms(),      # lower-case abbreviations, required only
    code=Terms(),          # CPT codes
    company=Terms(),       # company id
    arrangement=Terms(),
    employment_type=Terms(),
    state=Terms(),
    apprentice=Terms(),    # "1": open to apprentice coders (CPC-A) and new graduates
    pay_posted=Terms(),    # "1": both ends of a pay range given
    setting=Terms(),       # work setting key (jobboard.tagging.SETTINGS)
    code_set=Terms(),      # code set keys (jobboard.tagging.CODE_SETS)
    encoder=Terms(),       # encoder / EHR keys (jobboard.tagging.ENCODERS)
    domain=Terms(),        # 0-2: how plainly this is a medical coding job (ranks ambiguous words)
    tlen=Terms(),          # words in the title, 1-9 (a match in a short title counts more)
    nspec=Terms(),         # specialties tagged, 1-3 (a tag counts more on a focused posting)
    pid=_column(),
    posted=_column(),      # epoch seconds
    salary=_column(),      # annual USD, the top of the range; 0 when not given
    expires=_column(),     # epoch seconds
    pay_low=_column(),     # annual USD, the bottom of the range; 0 when not given
    pay_high=_column(),    # annual USD, the top of the range; 0 when not given
    fp=COLUMN(FixedBytesColumn(8)),
)
