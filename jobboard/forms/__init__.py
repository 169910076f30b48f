"""WTForms classes: they parse and validate input, and never touch the database session."""
from flask_wtf import FlaskForm


class Form(FlaskForm):
    """The base of every form: its hidden CSRF field renders without an ``id``, so a page with
    several forms (sign-out in the top bar, one form per applicant...) repeats no id."""

    class Meta:
        def render_field(self, field, render_kw):
            if field.type == "CSRFTokenField":
                render_kw = {**render_kw, "id": False}
            return super().render_field(field, render_kw)
