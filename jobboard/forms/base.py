"""The base of every form: the text rule on every field, and the web-address validator."""
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import StopValidation, ValidationError

from jobboard.text_input import http_url_problem, text_problem


def _texts(data):
    """The strings a field holds: its value, or each value of a multi-value field."""
    if isinstance(data, str):
        return [data]
    if isinstance(data, list | tuple):
        return [item for item in data if isinstance(item, str)]
    return []


class Form(FlaskForm):
    """Refuses control characters in every field (and line breaks, tabs and bidi overrides in
    every field but text areas) with a message beside the field, before other validators run."""

    def validate(self, extra_validators=None):
        rules = {name: [_text_rule, *(extra_validators or {}).get(name, ())] for name in self._fields}
        # Raw values too: a number or date field's data is parsed, its typed text is not.
        return super().validate(rules)


def _text_rule(form, field):
    multiline = isinstance(field, TextAreaField)
    for value in [*_texts(field.data), *_texts(getattr(field, "raw_data", None))]:
        problem = text_problem(value, multiline=multiline)
        if problem:
            field.errors[:] = [problem]
            raise StopValidation(problem)


class HttpURL:
    """A web address that is stored and linked to: http or https with a host, nothing else
    (no ``javascript:``, ``data:`` or ``file:`` addresses)."""

    def __call__(self, form, field):
        if field.data and (problem := http_url_problem(field.data)):
            raise ValidationError(problem)
