"""The campaign run as jobs and the CLI start it: plan the audience, decide a finished A/B
test, then send what is pending through SMTP on one kept-open connection."""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from collections.abc import Callable
from datetime import datetime
from email.message import Message

from channels.email.smtp import SmtpSettings
from crm_core.campaigns.abtest import ab_window_over, choose_winner
from crm_core.campaigns.compose import SendSettings
from crm_core.campaigns.eligibility import ConsentFilter, marketing_consent
from crm_core.campaigns.models import Campaign, CampaignStatus
from crm_core.campaigns.sending import SendOutcome, send_campaign
from crm_core.db import UnitOfWork
from servicedesk.config import Config
from servicedesk.desk.campaigns import start_campaign


class SmtpMailer:
    """Keeps one SMTP connection for a whole run (a connection per mail halves the rate)."""

    def __init__(self, settings: SmtpSettings) -> None:
        self._settings = settings
        self._client: smtplib.SMTP | None = None

    def __call__(self, mail: Message, recipient: str) -> None:
        try:
            self._connected().send_message(mail, to_addrs=[recipient])
        except smtplib.SMTPServerDisconnected:
            self._client = None
            self._connected().send_message(mail, to_addrs=[recipient])

    def _connected(self) -> smtplib.SMTP:
        if self._client is not None:
            return self._client
        s = self._settings
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if s.implicit_tls:
            client = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        if s.starttls:
            client.starttls(context=context)
        if s.username:
            client.login(s.username, s.password or "")
        self._client = client
        return client

    def close(self) -> None:
        if self._client is not None:
            with contextlib.suppress(smtplib.SMTPException):
                self._client.quit()
            self._client = None


def run_campaign(
    uow_factory: Callable[[], UnitOfWork],
    campaign_id: int,
    settings: SendSettings,
    smtp_url: str,
    clock: Callable[[], datetime],
    consent: ConsentFilter = marketing_consent,
) -> SendOutcome:
    """Plan (first time), decide a finished A/B test, then send what is pending."""
    with uow_factory() as uow:
        campaign = uow.session.get(Campaign, campaign_id)
        if campaign is None:
            raise LookupError(f"no campaign {campaign_id}")
        if campaign.status in {CampaignStatus.DRAFT, CampaignStatus.SCHEDULED}:
            start_campaign(uow.session, campaign, clock(), consent)
        elif ab_window_over(campaign, clock()):
            choose_winner(uow.session, campaign)
        uow.commit()
    mailer = SmtpMailer(SmtpSettings.from_url(smtp_url))
    try:
        return send_campaign(
            uow_factory, campaign_id, settings, mailer, consent=consent, clock=clock
        )
    finally:
        mailer.close()


def campaign_settings(config: Config) -> SendSettings:
    """Where campaign mail comes from and how fast it goes, from the settings."""
    sender = config.marketing_from or config.mail_from
    if not sender or not config.mail_smtp_url:
        raise LookupError("campaign mail needs SERVICEDESK_MAIL_SMTP_URL and MAIL_FROM")
    return SendSettings(
        from_address=sender,
        base_url=config.base_url,
        secret=config.secret_key,
        reply_to=config.mail_from or sender,
        rate_per_second=float(config.marketing_rate),
    )
