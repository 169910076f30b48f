"""WTForms classes: they parse and validate input, and never touch the database session.

Every form subclasses :class:`jobboard.forms.base.Form`."""
