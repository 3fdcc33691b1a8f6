"""The mailbox form: IMAP connection, where replies come from, which team it feeds."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from channels.email.mailboxes import MailboxForm as MailboxSettings
from channels.email.models import Mailbox

ADDRESS = Regexp(r"^[^@\s]+@[^@\s]+$", message="not an email address")


class MailboxForm(FlaskForm):  # type: ignore[misc]
    name = StringField("Name", validators=[DataRequired(), Length(max=100)])
    host = StringField("IMAP host", validators=[DataRequired(), Length(max=255)])
    port = IntegerField("Port", default=993, validators=[DataRequired(), NumberRange(1, 65535)])
    tls = BooleanField("TLS (imaps)", default=True)
    username = StringField("User", validators=[DataRequired(), Length(max=255)])
    # PasswordField never renders its value back; blank on edit keeps the stored one.
    password = PasswordField("Password", validators=[Optional(), Length(max=500)])
    folder = StringField("Folder", default="INBOX", validators=[DataRequired(), Length(max=255)])
    move_to_folder = StringField(
        "Move processed mail to folder", validators=[Optional(), Length(max=255)]
    )
    team_id = SelectField("Feeds team", choices=[], validate_choice=True)
    from_address = StringField(
        "Replies go out from", validators=[DataRequired(), Length(max=320), ADDRESS]
    )
    enabled = BooleanField("Enabled", default=True)

    def set_teams(self, teams: list[tuple[int, str]]) -> None:
        self.team_id.choices = [("", "no team (router decides)")] + [
            (str(team_id), name) for team_id, name in teams
        ]

    def to_settings(self) -> MailboxSettings:
        team = self.team_id.data or ""
        return MailboxSettings(
            name=self.name.data.strip(),
            host=self.host.data.strip(),
            port=int(self.port.data),
            tls=bool(self.tls.data),
            username=self.username.data.strip(),
            password=self.password.data or None,
            folder=self.folder.data.strip(),
            team_id=int(team) if team else None,
            move_to_folder=(self.move_to_folder.data or "").strip() or None,
            from_address=self.from_address.data.strip(),
            enabled=bool(self.enabled.data),
        )

    @classmethod
    def of(cls, mailbox: Mailbox) -> MailboxForm:
        return cls(
            name=mailbox.name,
            host=mailbox.host,
            port=mailbox.port,
            tls=mailbox.tls,
            username=mailbox.username,
            folder=mailbox.folder,
            move_to_folder=mailbox.move_to_folder or "",
            team_id=str(mailbox.team_id) if mailbox.team_id else "",
            from_address=mailbox.from_address,
            enabled=mailbox.enabled,
        )
