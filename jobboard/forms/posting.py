"""The posting form (new and edit)."""
from datetime import datetime, time, timezone

from wtforms import DateField, DecimalField, SelectField, StringField, TextAreaField, URLField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from jobboard.forms.base import Form, HttpURL
from jobboard.forms.profiles import STATE_CHOICES, CheckboxListField
from jobboard.models.taxonomy import ARRANGEMENTS, EMPLOYMENT_TYPES
from jobboard.services.postings import PostingFields, split_codes


class PostingForm(Form):
    title = StringField("Job title", validators=[DataRequired(), Length(max=200)],
                        description="For example: Remote Surgical Coder (CPC)")
    description = TextAreaField(
        "Description", validators=[DataRequired(), Length(max=20000)],
        description="Markdown: **bold**, lists with -, blank lines between paragraphs. "
                    "CPT codes you mention (\u201cCPT 38900\u201d) become links.")
    city = StringField("City", validators=[Optional(), Length(max=100)])
    state = SelectField("State", choices=STATE_CHOICES, validators=[Optional()])
    arrangement = SelectField("Work arrangement", choices=list(ARRANGEMENTS.items()))
    employment_type = SelectField("Employment type", choices=list(EMPLOYMENT_TYPES.items()))
    salary_min = DecimalField("Pay from", places=2, validators=[Optional(), NumberRange(min=0)])
    salary_max = DecimalField("Pay up to", places=2, validators=[Optional(), NumberRange(min=0)])
    salary_unit = SelectField("Pay per", choices=[("year", "Year"), ("hour", "Hour")])
    specialties = CheckboxListField("Specialties (1 to 5)", coerce=str)
    credentials_required = CheckboxListField("Credentials required", coerce=str)
    credentials_preferred = CheckboxListField("Credentials preferred", coerce=str)
    cpt_codes = StringField("CPT codes", validators=[Optional(), Length(max=800)],
                            description="Separate with commas or spaces, e.g. 38900, 38792")
    apply_url = URLField("External application address (optional)",
                         validators=[Optional(), Length(max=500), HttpURL()],
                         description="Leave empty to receive applications on MedCode Jobs.")
    expires_at = DateField("Closes on (optional)", validators=[Optional()],
                           description="Defaults to 30 days after publishing.")

    def set_choices(self, specialties, credentials):
        self.specialties.choices = [(s.slug, s.name) for s in specialties]
        choices = [(c.abbreviation, f"{c.abbreviation} – {c.name}") for c in credentials]
        self.credentials_required.choices = choices
        self.credentials_preferred.choices = choices

    def validate_salary_max(self, field):
        if field.data is not None and self.salary_min.data is not None and field.data < self.salary_min.data:
            raise ValidationError("The maximum pay must be at least the minimum.")

    def validate_specialties(self, field):
        if not field.data:
            raise ValidationError("Choose at least one specialty.")
        if len(field.data) > 5:
            raise ValidationError("Choose at most 5 specialties.")

    def fields(self) -> PostingFields:
        expires = None
        if self.expires_at.data:
            expires = datetime.combine(self.expires_at.data, time(23, 59), tzinfo=timezone.utc)
        return PostingFields(
            title=self.title.data or "", description=self.description.data or "",
            city=self.city.data or "", state=self.state.data or "",
            arrangement=self.arrangement.data, employment_type=self.employment_type.data,
            salary_min=self.salary_min.data, salary_max=self.salary_max.data,
            salary_unit=self.salary_unit.data, specialties=list(self.specialties.data or []),
            credentials_required=list(self.credentials_required.data or []),
            credentials_preferred=[c for c in (self.credentials_preferred.data or [])
                                   if c not in (self.credentials_required.data or [])],
            cpt_codes=split_codes(self.cpt_codes.data), apply_url=self.apply_url.data or "",
            expires_at=expires,
        )

    def fill_from(self, posting):
        """Set the multi-value fields from a stored posting (GET of the edit page)."""
        self.specialties.data = [s.slug for s in posting.specialties]
        self.credentials_required.data = [c.abbreviation for c in posting.credentials_required]
        self.credentials_preferred.data = [c.abbreviation for c in posting.credentials_preferred]
        self.cpt_codes.data = ", ".join(c.code for c in posting.cpt_codes)
        self.expires_at.data = posting.expires_at.date() if posting.expires_at else None
