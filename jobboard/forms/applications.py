"""Forms for résumés, applying and the applicant pipeline."""
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from jobboard.forms.base import Form
from jobboard.forms.once import OnceForm
from jobboard.services.applications import MAX_COVER_NOTE


class ResumeForm(Form):
    resume = FileField("Résumé (PDF or DOCX, up to 5 MB)", validators=[DataRequired(message="Choose a file.")])


class ApplyForm(OnceForm):
    cover_note = TextAreaField("Short cover note",
                               validators=[Optional(), Length(max=MAX_COVER_NOTE, message=(
                                   f"Keep the note to {MAX_COVER_NOTE:,} characters; it has %(length)s."))],
                               description="A few lines on why this job fits you.")
    resume = FileField("Résumé (PDF or DOCX, up to 5 MB)",
                       description="Leave empty to send the résumé on your profile.")


class MoveForm(Form):
    stage = SelectField("Move to", choices=[])


class NoteForm(Form):
    body = TextAreaField("Private note", validators=[DataRequired(), Length(max=4000)])


class SaveSearchForm(OnceForm):
    name = StringField("Name this search", validators=[DataRequired(), Length(
        max=120, message="Keep the name to %(max)d characters; it has %(length)d.")])
    query = StringField("Search", validators=[Length(max=2000)])
    frequency = SelectField("Email me new matches", choices=[("daily", "Daily"), ("weekly", "Weekly")])


class EditSearchForm(Form):
    name = StringField("Name", validators=[DataRequired(message="Name the search."), Length(
        max=120, message="Keep the name to %(max)d characters; it has %(length)d.")])
    words = StringField("Search words", validators=[Length(
        max=500, message="Keep the words to %(max)d characters; it has %(length)d.")],
        description="The filters you chose on the jobs page stay as they are.")
    frequency = SelectField("Email me new matches", choices=[("daily", "Daily"), ("weekly", "Weekly")])
    alerts = BooleanField("Send these emails")
