"""Account forms."""
from wtforms import BooleanField, EmailField, PasswordField, RadioField, StringField
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    Length,
    Optional,
    ValidationError,
)

from jobboard.forms.base import Form
from jobboard.forms.once import OnceForm
from jobboard.services.accounts import MAX_PASSWORD_LENGTH, password_problem


class StrongPassword:
    """Applies the account password policy; reads the email from ``email_field`` if present."""

    def __init__(self, email_field="email"):
        self.email_field = email_field

    def __call__(self, form, field):
        email_field = getattr(form, self.email_field, None)
        problem = password_problem(field.data or "", email_field.data if email_field else "")
        if problem:
            raise ValidationError(problem)


def email_field(label="Email"):
    return EmailField(
        label, validators=[DataRequired(), Email(message="Enter a valid email address."), Length(max=254)]
    )


class RegisterForm(OnceForm):
    role = RadioField(
        "I am",
        choices=[("seeker", "A coder looking for work"), ("employer", "An employer hiring coders")],
        validators=[DataRequired(message="Choose whether you are looking for work or hiring.")],
    )
    name = StringField("Your name", validators=[DataRequired(), Length(max=120)])
    email = email_field()
    password = PasswordField("Password", validators=[DataRequired(), StrongPassword()])
    confirm = PasswordField(
        "Repeat password",
        validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")],
    )
    company_name = StringField("Company name", validators=[Optional(), Length(max=160)])
    join_code = StringField("Or a colleague's company join code", validators=[Optional(), Length(max=32)])

    def validate_company_name(self, field):
        if self.role.data == "employer" and not (field.data or "").strip() and not (
            self.join_code.data or ""
        ).strip():
            raise ValidationError("Name your company, or enter a colleague's join code.")


class LoginForm(Form):
    email = email_field()
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)])
    remember = BooleanField("Keep me signed in on this device")


class ResetRequestForm(Form):
    email = email_field()


class ResendConfirmationForm(Form):
    """Shown beside other forms (the sign-in form), hence its own label; views give it the
    prefix ``resend`` so its fields never share an id with theirs."""

    email = email_field("Email for the new link")


class ResetPasswordForm(Form):
    password = PasswordField("New password", validators=[DataRequired(), StrongPassword()])
    confirm = PasswordField(
        "Repeat new password",
        validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")],
    )


class ChangePasswordForm(Form):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField("New password", validators=[DataRequired()])
    confirm = PasswordField(
        "Repeat new password",
        validators=[DataRequired(), EqualTo("new_password", message="The passwords do not match.")],
    )


class ChangeEmailForm(Form):
    email = email_field("New email")
    current_password = PasswordField("Current password", validators=[DataRequired()])


class DeleteAccountForm(Form):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    confirm = BooleanField(
        "I understand that this deletes my account",
        validators=[DataRequired(message="Tick the box to confirm.")],
    )


class ConfirmForm(Form):
    """A form with only the CSRF token, for POST-only actions such as signing out."""
