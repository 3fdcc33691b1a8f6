"""The form of the resource library's create and edit pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from crm_core.campaigns.resources.files import Upload
from crm_core.campaigns.resources.library import ResourceDraft
from crm_core.campaigns.resources.models import ResourceKind

KINDS = [SelectChoice(kind.value, kind.label.capitalize()) for kind in ResourceKind]


class ResourceForm(FlaskForm):
    kind = SelectField("Kind", choices=KINDS, default=ResourceKind.FILE.value)
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])
    tags = StringField("Tags, separated by commas", validators=[Optional(), Length(max=1000)])
    file = FileField("File (assets: PDF, images, Office documents, text)")
    subject = StringField("Subject (email templates)", validators=[Optional(), Length(max=300)])
    body_text = TextAreaField("Text (templates, Jinja)", validators=[Optional()])
    body_html = TextAreaField("HTML (email templates, Jinja)", validators=[Optional()])
    note = StringField("What changed", validators=[Optional(), Length(max=300)])

    def to_draft(self) -> ResourceDraft:
        return ResourceDraft(
            kind=ResourceKind(self.kind.data),
            title=self.title.data or "",
            description=self.description.data or "",
            tags=(self.tags.data or "").split(","),
            subject=self.subject.data or "",
            body_text=self.body_text.data or "",
            body_html=self.body_html.data or "",
            note=self.note.data or "",
        )

    def upload(self) -> Upload | None:
        """The uploaded file, if one came with the form."""
        storage = self.file.data
        if storage is None or not getattr(storage, "filename", ""):
            return None
        return Upload(storage.filename, storage.read())
