"""The article editor form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from knowledge.drafts import ArticleDraft
from knowledge.models import Article, PendingRevision, Visibility


class ArticleForm(FlaskForm):  # type: ignore[misc]
    title = StringField("Title", validators=[DataRequired(), Length(max=500)])
    summary = TextAreaField("Summary", validators=[Optional(), Length(max=2000)])
    body = TextAreaField("Body (Markdown)", validators=[DataRequired(), Length(max=200_000)])
    category = StringField("Category", validators=[Optional(), Length(max=120)])
    section = StringField("Section (within the category)", validators=[Optional(), Length(max=120)])
    tags = StringField("Tags (comma separated)", validators=[Optional(), Length(max=500)])
    locale = StringField(
        "Locale",
        default="en",
        validators=[
            DataRequired(),
            Regexp(r"^[a-z]{2}(-[A-Za-z]{2,4})?$", message="e.g. en or zh"),
        ],
    )
    visibility = SelectField(
        "Visibility",
        choices=[SelectChoice(v.value, v.value) for v in Visibility],
        default=Visibility.PUBLIC.value,
    )
    review_required = BooleanField("Publishing needs a reviewer")

    def to_draft(self, *, with_review_flag: bool) -> ArticleDraft:
        """The form as a draft; a blank category clears it, the review flag only if allowed."""
        tags = tuple(sorted({t.strip() for t in (self.tags.data or "").split(",") if t.strip()}))
        return ArticleDraft(
            title=self.title.data.strip(),
            body=self.body.data,
            summary=self.summary.data or "",
            category=(self.category.data or "").strip(),
            section=(self.section.data or "").strip(),
            tags=tags,
            locale=self.locale.data,
            visibility=Visibility(self.visibility.data),
            review_required=bool(self.review_required.data) if with_review_flag else None,
        )

    @classmethod
    def of(cls, content: Article | PendingRevision, *, review_required: bool) -> ArticleForm:
        """A form filled from the article, or from its pending revision when it has one."""
        return cls(
            title=content.title,
            summary=content.summary,
            body=content.body,
            category=content.category or "",
            section=content.section or "",
            tags=", ".join(content.tags),
            locale=content.locale,
            visibility=content.visibility.value,
            review_required=review_required,
        )
