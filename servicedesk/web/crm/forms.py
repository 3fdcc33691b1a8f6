"""CRM console forms; Flask-WTF adds the CSRF field to each."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length


class CustomerNoteForm(FlaskForm):  # type: ignore[misc]
    text = TextAreaField("Note", validators=[DataRequired(), Length(max=20_000)])


class UndoForm(FlaskForm):  # type: ignore[misc]
    """Just the CSRF token: the merge to undo is in the URL."""


class UploadForm(FlaskForm):  # type: ignore[misc]
    kind = SelectField("Kind", choices=[SelectChoice("customers"), SelectChoice("organisations")])
    file = FileField("File (CSV or XLSX)", validators=[FileRequired()])
