"""Forms for credential details (seekers) and credential checks (admins)."""
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from jobboard.forms.base import Form
from jobboard.models.credentials import CHECK_METHODS


class ExpiryField(DateField):
    """A date with a message that says what to type when it cannot be read."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter the date as year-month-day, for example 2027-03-31.") from None


class CredentialDetailsForm(Form):
    member_id = StringField("Member ID", validators=[InputRequired("Enter your member ID."), Length(max=40)])
    expires_on = ExpiryField("Expires on", validators=[InputRequired("Enter the expiry date.")])


class CredentialCheckForm(Form):
    outcome = RadioField("Outcome", choices=[("verified", "Verified"), ("rejected", "Could not verify")],
                         validators=[InputRequired("Choose the outcome.")])
    method = SelectField("How you checked it", choices=[("", "—"), *CHECK_METHODS.items()],
                         validators=[InputRequired("Choose how you checked it.")])
    note = TextAreaField("Note", validators=[Optional(), Length(max=500)])
