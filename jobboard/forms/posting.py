"""The posting form (new and edit)."""
from datetime import UTC, datetime, time

from wtforms import DateField, DecimalField, SelectField, StringField, TextAreaField, URLField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from jobboard.forms.base import HttpURL
from jobboard.forms.once import OnceForm
from jobboard.forms.profiles import STATE_CHOICES, CheckboxListField
from jobboard.models.posting import MAX_SPECIALTIES
from jobboard.models.taxonomy import ARRANGEMENTS, EMPLOYMENT_TYPES
from jobboard.services.postings import PostingFields, parse_decimal, split_codes
from jobboard.services.profiles import TagChoices
from jobboard.tagging import CODE_SETS, ENCODERS, SETTINGS

READ_FROM_TEXT = ("", "Read it from the description")


class PayField(DecimalField):
    """A pay figure read by the same rule as the importer: "$52,000" works; NaN, sNaN, Infinity
    and figures such as 1e-999999 get a message beside the field instead of failing later."""

    own_number_rule = True  # parse_decimal is stricter than the forms' plain-digits rule

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = parse_decimal(valuelist[0])
        except ValueError as error:
            self.data = None
            raise ValueError(f"Enter an amount such as 52000 or 24.50 ({error}).") from None


class FigureField(DecimalField):
    """A number such as 2.5 or 95, read by the pay rule (no NaN, Infinity or absurd sizes)."""

    def __init__(self, label=None, validators=None, example="2.5", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.example = example

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = parse_decimal(valuelist[0])
        except ValueError:
            self.data = None
            raise ValueError(f"Enter a number such as {self.example}.") from None


class CodesField(StringField):
    """CPT codes typed as text; a stored posting's code rows show as "38900, 38792"."""

    def process_data(self, value):
        if isinstance(value, list | tuple):
            value = ", ".join(getattr(c, "code", str(c)) for c in value)
        super().process_data(value)


def too_long(limit: int) -> Length:
    """Refuse, never cut: the message names the limit and the length typed."""
    return Length(max=limit, message=f"Keep this to {limit:,} characters; it has %(length)d.")


class PostingForm(OnceForm):
    title = StringField("Job title", validators=[DataRequired(), too_long(200)],
                        description="For example: Remote Surgical Coder (CPC). At most 200 characters.")
    description = TextAreaField(
        "Description", validators=[DataRequired(), too_long(20000)],
        description="Markdown: **bold**, lists with -, blank lines between paragraphs. "
                    "CPT codes you mention (\u201cCPT 38900\u201d) become links. At most 20,000 characters.")
    city = StringField("City", validators=[Optional(), too_long(100)])
    state = SelectField("State", choices=STATE_CHOICES, validators=[Optional()])
    arrangement = SelectField("Work arrangement", choices=list(ARRANGEMENTS.items()))
    employment_type = SelectField("Employment type", choices=list(EMPLOYMENT_TYPES.items()))
    salary_min = PayField("Pay from", places=2, validators=[Optional(), NumberRange(min=0)],
                          description="Both ends are needed to publish where a pay transparency law applies: "
                                      "remote jobs and jobs in states such as CO, CA, WA, NY, IL.")
    salary_max = PayField("Pay up to", places=2, validators=[Optional(), NumberRange(min=0)])
    salary_unit = SelectField("Pay per", choices=[("year", "Year"), ("hour", "Hour")])
    specialties = CheckboxListField(f"Specialties (up to {MAX_SPECIALTIES})", coerce=str)
    credentials_required = CheckboxListField("Credentials required", coerce=str)
    credentials_preferred = CheckboxListField("Credentials preferred", coerce=str)
    cpt_codes = CodesField("CPT codes", validators=[Optional(), too_long(800)],
                           description="Separate with commas or spaces, e.g. 38900, 38792. Leave every tag "
                                       "empty and we fill them in from the text.")
    apprentice = SelectField("Open to apprentice coders (CPC-A) and new graduates",
                             choices=[READ_FROM_TEXT, ("yes", "Yes: CPC-A, COC-A, CCA and new graduates may apply"),
                                      ("no", "No: experienced coders only")], validators=[Optional()])
    work_setting = SelectField("Work setting", choices=[READ_FROM_TEXT, *SETTINGS.items()], validators=[Optional()])
    code_sets = CheckboxListField("Code sets", coerce=str, choices=list(CODE_SETS.items()),
                                  description="Leave all unticked and we read them from the description.")
    encoders = CheckboxListField("Encoder / EHR", coerce=str, choices=list(ENCODERS.items()),
                                 description="Leave all unticked and we read them from the description.")
    productivity = FigureField("Productivity expected (charts)", example="2.5 or 45",
                               validators=[Optional(), NumberRange(min=0, max=1000)])
    productivity_per = SelectField("Per", choices=[("hour", "Hour"), ("day", "Day")], validators=[Optional()])
    chart_type = StringField("Chart type (optional)", validators=[Optional(), Length(max=60)],
                             description="For example: ED, inpatient, E/M")
    accuracy_pct = FigureField("Accuracy expected (%)", example="95",
                               validators=[Optional(), NumberRange(min=50, max=100)])
    apply_url = URLField("External application address (optional)",
                         validators=[Optional(), too_long(500), HttpURL()],
                         description="Leave empty to receive applications on MedCode Jobs.")
    expires_at = DateField("Closes on (optional)", validators=[Optional()],
                           description="Defaults to 30 days after publishing.")

    def set_choices(self, choices: TagChoices):
        self.specialties.choices = list(choices.specialties)
        self.credentials_required.choices = list(choices.credentials)
        self.credentials_preferred.choices = list(choices.credentials)

    def validate_salary_max(self, field):
        if field.data is not None and self.salary_min.data is not None and field.data < self.salary_min.data:
            raise ValidationError("The maximum pay must be at least the minimum.")

    def validate_expires_at(self, field):
        if field.data is not None and field.data < datetime.now(UTC).date():
            raise ValidationError("The closing date is in the past: choose today or a later date.")

    def validate_specialties(self, field):
        if len(field.data or []) > MAX_SPECIALTIES:
            raise ValidationError(f"Choose at most {MAX_SPECIALTIES} specialties.")

    def tick_suggestions(self, suggestions: dict) -> None:
        """Tick what the tagger suggests next to what the employer already chose (one step:
        untick to reject, tick more to add); codes are added to the typed ones."""
        def merged(chosen, suggested, limit=None):
            out = list(dict.fromkeys(list(chosen or []) + list(suggested)))
            return out[:limit] if limit else out
        self.specialties.data = merged(self.specialties.data, suggestions["specialties"], MAX_SPECIALTIES)
        self.credentials_required.data = merged(self.credentials_required.data, suggestions["credentials_required"])
        self.credentials_preferred.data = merged(
            self.credentials_preferred.data,
            [c for c in suggestions["credentials_preferred"] if c not in self.credentials_required.data])
        self.cpt_codes.data = ", ".join(merged(split_codes(self.cpt_codes.data or ""), suggestions["cpt_codes"]))
        found = suggestions["job_fields"]
        if not self.apprentice.data:
            self.apprentice.data = "yes" if found["apprentice"] else "no"
        if not self.work_setting.data and found["work_setting"]:
            self.work_setting.data = found["work_setting"]
        for name in ("code_sets", "encoders"):
            if not getattr(self, name).data:
                getattr(self, name).data = list(found[name])
        if self.productivity.data is None and found["productivity"] is not None:
            self.productivity.data = found["productivity"]
            self.productivity_per.data = found["productivity_per"]
            self.chart_type.data = self.chart_type.data or found["chart_type"]
        if self.accuracy_pct.data is None and found["accuracy_pct"] is not None:
            self.accuracy_pct.data = found["accuracy_pct"]

    def fields(self) -> PostingFields:
        expires = None
        if self.expires_at.data:
            expires = datetime.combine(self.expires_at.data, time(23, 59), tzinfo=UTC)
        return PostingFields(
            title=self.title.data or "", description=self.description.data or "",
            city=self.city.data or "", state=self.state.data or "",
            arrangement=self.arrangement.data, employment_type=self.employment_type.data,
            salary_min=self.salary_min.data, salary_max=self.salary_max.data,
            salary_unit=self.salary_unit.data, specialties=list(self.specialties.data or []),
            credentials_required=list(self.credentials_required.data or []),
            credentials_preferred=[c for c in (self.credentials_preferred.data or [])
                                   if c not in (self.credentials_required.data or [])],
            cpt_codes=split_codes(self.cpt_codes.data or ""), apply_url=self.apply_url.data or "",
            expires_at=expires,
            apprentice={"yes": True, "no": False}.get(self.apprentice.data),
            work_setting=self.work_setting.data or None,
            code_sets=list(self.code_sets.data or []) or None, encoders=list(self.encoders.data or []) or None,
            productivity=self.productivity.data, productivity_per=self.productivity_per.data,
            chart_type=(self.chart_type.data or "").strip(), accuracy_pct=self.accuracy_pct.data,
        )

    def fill_from(self, posting):
        """Set the multi-value fields from a stored posting (GET of the edit page)."""
        self.specialties.data = [s.slug for s in posting.specialties]
        self.credentials_required.data = [c.abbreviation for c in posting.credentials_required]
        self.credentials_preferred.data = [c.abbreviation for c in posting.credentials_preferred]
        self.cpt_codes.data = ", ".join(c.code for c in posting.cpt_codes)
        self.expires_at.data = posting.expires_at.date() if posting.expires_at else None
        self.apprentice.data = "yes" if posting.apprentice else "no"
        self.work_setting.data = posting.work_setting or ""
        self.code_sets.data = posting.code_set_list
        self.encoders.data = posting.encoder_list
        self.productivity_per.data = posting.productivity_per or "hour"
