"""Seeker-profile and company-profile forms."""
from wtforms import IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField, URLField
from wtforms.validators import Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from jobboard.forms.base import Form, HttpURL
from jobboard.models.taxonomy import ARRANGEMENTS, US_STATES

STATE_CHOICES = [("", "—")] + [(code, f"{code} – {name}") for code, name in US_STATES.items()]


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SeekerProfileForm(Form):
    headline = StringField("Headline", validators=[Optional(), Length(max=160)],
                           description="For example: CPC with 5 years of surgical coding")
    credentials = CheckboxListField("Credentials you hold", coerce=str)
    specialties = CheckboxListField("Specialties you code", coerce=str)
    years_experience = IntegerField("Years of coding experience",
                                    validators=[Optional(), NumberRange(min=0, max=60)])
    city = StringField("City", validators=[Optional(), Length(max=100)])
    state = SelectField("State", choices=STATE_CHOICES, validators=[Optional()])
    preferred_arrangement = SelectField(
        "Preferred arrangement",
        choices=[("", "No preference")] + list(ARRANGEMENTS.items()),
        validators=[Optional()],
    )
    desired_salary = IntegerField("Desired pay (annual USD)",
                                  validators=[Optional(), NumberRange(min=0, max=1_000_000)])


class CompanyForm(Form):
    name = StringField("Company name", validators=[Length(min=1, max=160)])
    website = URLField("Website", validators=[Optional(), Length(max=300), HttpURL()],
                       description="A full address such as https://example.com")
    city = StringField("City", validators=[Optional(), Length(max=100)])
    state = SelectField("State", choices=STATE_CHOICES, validators=[Optional()])
    about = TextAreaField("About the company", validators=[Optional(), Length(max=5000)])
