"""Forms for résumés, applying and the applicant pipeline."""
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from jobboard.forms.base import Form


class ResumeForm(Form):
    resume = FileField("Résumé (PDF or DOCX, up to 5 MB)", validators=[DataRequired(message="Choose a file.")])


class ApplyForm(Form):
    cover_note = TextAreaField("Short cover note", validators=[Optional(), Length(max=4000)],
                               description="A few lines on why this job fits you.")
    resume = FileField("Résumé (PDF or DOCX, up to 5 MB)",
                       description="Leave empty to send the résumé on your profile.")


class MoveForm(Form):
    stage = SelectField("Move to", choices=[])


class NoteForm(Form):
    body = TextAreaField("Private note", validators=[DataRequired(), Length(max=4000)])


class SaveSearchForm(Form):
    name = StringField("Name this search", validators=[DataRequired(), Length(max=120)])
    query = StringField("Search", validators=[Length(max=2000)])
    frequency = SelectField("Email me new matches", choices=[("daily", "Daily"), ("weekly", "Weekly")])
