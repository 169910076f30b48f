"""The skills-check answer form, built for the questions of one stored attempt."""
from wtforms import RadioField
from wtforms.validators import ValidationError

from jobboard.forms.base import Form


class AnswerField(RadioField):
    """One question's radio group; an answer that is not one of its choices is refused."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "RadioField"  # rendered by the field macro as a fieldset with a legend

    def pre_validate(self, form):
        if not self.data:  # nothing chosen (browsers send no value for an untouched group)
            raise ValidationError("Choose an answer.")
        if not any(self.data == choice[0] for choice in self.choices or ()):
            raise ValidationError("Choose one of the listed answers.")


def answer_form(attempt, **kwargs) -> Form:
    """A form with one radio group per question, named ``q0``, ``q1``...; values are indexes."""

    class AnswerForm(Form):
        def answers(self) -> list[int]:
            return [int(self[f"q{i}"].data) for i in range(attempt.total)]

    for number, question in enumerate(attempt.questions):
        setattr(AnswerForm, f"q{number}", AnswerField(
            f"{number + 1}. {question['prompt']}",
            choices=[(str(i), text) for i, text in enumerate(question["choices"])]))
    return AnswerForm(**kwargs)
