"""Forms for résumés, applying and the applicant pipeline."""
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from jobboard.forms.base import Form
from jobboard.forms.once import OnceForm
from jobboard.forms.profiles import CheckboxListField
from jobboard.services.applications import MAX_COVER_NOTE


class ResumeForm(Form):
    resume = FileField("Résumé (PDF or DOCX, up to 5 MB)", validators=[DataRequired(message="Choose a file.")])


class ResumeProposalsForm(Form):
    """The résumé's suggestions as checkboxes, ticked unless the seeker unticks them; the choices
    are the suggestions themselves (see :meth:`offer`)."""
    credentials = CheckboxListField("Credentials", coerce=str)
    specialties = CheckboxListField("Specialties", coerce=str)
    years_experience = BooleanField("Years of coding experience")
    location = BooleanField("Location")
    accept = SubmitField("Add the ticked items to my profile")
    dismiss = SubmitField("Ignore these suggestions")

    def offer(self, proposals, credential_names, specialty_names, tick=False):
        """Set the choices from the suggestions; ``tick`` pre-ticks all of them (a fresh page)."""
        self.credentials.choices = [(c, f"{c} – {credential_names.get(c, c)}") for c in proposals.credentials]
        self.specialties.choices = [(s, specialty_names.get(s, s)) for s in proposals.specialties]
        if tick:
            self.credentials.data = list(proposals.credentials)
            self.specialties.data = list(proposals.specialties)
            self.years_experience.data = proposals.years_experience is not None
            self.location.data = bool(proposals.state)
        return self


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
