"""The one-time token every create form carries (see services/submissions.py)."""
import secrets

from wtforms import HiddenField
from wtforms.validators import Optional, Regexp

from jobboard.forms.base import Form


class OnceForm(Form):
    """A create form: a fresh token on each new form, kept when the form is shown again."""

    once = HiddenField(validators=[Optional(), Regexp(r"^[A-Za-z0-9_-]{16,64}$",
                                                      message="Reload the page and send the form again.")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.once.data:
            self.once.data = secrets.token_urlsafe(24)
