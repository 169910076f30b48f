"""The base of every form: the text rule on every field, an ASCII rule for numbers, and the
web-address validator."""
import re

from flask_wtf import FlaskForm
from wtforms import DecimalField, FloatField, IntegerField, TextAreaField
from wtforms.validators import StopValidation, ValidationError

from jobboard.text_input import http_url_problem, text_problem

# Digits 0-9 only (int() also takes "١٢٣" and Decimal takes "sNaN" or "1e-999999"), and few
# enough of them that every value fits the database columns and float comparisons.
_INTEGER = re.compile(r"\s*[+-]?[0-9]{1,9}\s*")
_DECIMAL = re.compile(r"\s*[+-]?[0-9]{1,9}(\.[0-9]{0,4})?\s*")
NUMBER_MESSAGE = "Enter a number using the digits 0–9, such as 55000."


def _texts(data):
    """The strings a field holds: its value, or each value of a multi-value field."""
    if isinstance(data, str):
        return [data]
    if isinstance(data, list | tuple):
        return [item for item in data if isinstance(item, str)]
    return []


def input_rule(form, field):
    """Runs first on every field: refuses control characters (and, outside text areas, line
    breaks, tabs and bidi overrides), and numbers not written with ASCII digits."""
    multiline = isinstance(field, TextAreaField)
    for value in [*_texts(field.data), *_texts(getattr(field, "raw_data", None))]:
        problem = text_problem(value, multiline=multiline)
        if problem:
            field.errors[:] = [problem]
            raise StopValidation(problem)
    if _bad_number(field):
        field.errors[:] = [NUMBER_MESSAGE]
        raise StopValidation(NUMBER_MESSAGE)


def _bad_number(field) -> bool:
    raw = _texts(getattr(field, "raw_data", None))
    if not isinstance(field, IntegerField | DecimalField | FloatField) or not raw or not raw[0].strip():
        return False
    if getattr(field, "own_number_rule", False):
        return False
    return not (_INTEGER if isinstance(field, IntegerField) else _DECIMAL).fullmatch(raw[0])


class Form(FlaskForm):
    """Every form of the site: :func:`input_rule` is bound in front of each field's own
    validators, so no other validator (nor the database) ever sees refused input. Its hidden
    CSRF field renders without an ``id``, so a page with several forms (sign-out in the top bar,
    one form per applicant...) repeats no id."""

    class Meta(FlaskForm.Meta):
        def render_field(self, field, render_kw):
            if field.type == "CSRFTokenField":
                render_kw = {**render_kw, "id": False}
            return super().render_field(field, render_kw)

        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            field.validators = [input_rule, *field.validators]  # a new list: the class's is shared
            return field

    def validate(self, extra_validators=None):
        # Validators of one field may read another's value: a refused number must not be there.
        for field in self:
            if _bad_number(field):
                field.data = None
        return super().validate(extra_validators)


class HttpURL:
    """A web address that is stored and linked to: http or https with a host, nothing else
    (no ``javascript:``, ``data:`` or ``file:`` addresses)."""

    def __call__(self, form, field):
        if field.data and (problem := http_url_problem(field.data)):
            raise ValidationError(problem)
