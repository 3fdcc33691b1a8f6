"""The `mail` blueprint, which the views register their routes on: admins only."""

from flask import Blueprint, abort
from flask.typing import ResponseReturnValue
from flask_login import current_user

from servicedesk.extensions import login_manager
from servicedesk.web.ids import guard_ids

mail = Blueprint("mail", __name__, url_prefix="/console/mail")
guard_ids(mail)


@mail.before_request
def admins_only() -> ResponseReturnValue | None:
    """Mailbox passwords and raw customer mail are for admins only."""
    if not current_user.is_authenticated:
        response: ResponseReturnValue = login_manager.unauthorized()
        return response
    if not current_user.has_role("admin"):
        abort(403)
    return None
