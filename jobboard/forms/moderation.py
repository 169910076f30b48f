"""The report form on posting pages."""
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from jobboard.forms.base import Form
from jobboard.models.activity import REPORT_REASONS
from jobboard.services.moderation import MAX_NOTE_LENGTH


class ReportForm(Form):
    """Prefixed ``report-`` so its ids never clash with other forms on the posting page."""

    reason = SelectField(
        "Reason", choices=[("", "Choose a reason")] + list(REPORT_REASONS.items()),
        validators=[DataRequired(message="Choose a reason.")],
    )
    note = TextAreaField(
        "Details (optional)",
        validators=[Length(max=MAX_NOTE_LENGTH,
                           message=f"Write at most {MAX_NOTE_LENGTH} characters.")],
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "report")
        super().__init__(*args, **kwargs)
