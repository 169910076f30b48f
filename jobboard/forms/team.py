"""Forms of the company's team page and of the waiting page of employers without a company."""
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from jobboard.forms.auth import email_field
from jobboard.forms.base import Form


class InviteForm(Form):
    email = email_field("Colleague's email")


class JoinCodeForm(Form):
    join_code = StringField("Join code or invitation code", validators=[DataRequired(), Length(max=32)])
