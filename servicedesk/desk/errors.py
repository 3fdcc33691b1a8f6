"""Domain errors; views map them to responses."""


class DeskError(Exception):
    """Base class: a rule of the desk refused the operation."""


class NotFound(DeskError):
    """The request, message or agent does not exist."""


class InvalidChange(DeskError):
    """The change is not allowed in the request's current state."""


class StaleReply(DeskError):
    """New messages arrived after the agent opened the request; show them before sending."""

    def __init__(self, newer_message_ids: list[int]) -> None:
        super().__init__(f"{len(newer_message_ids)} newer message(s) arrived")
        self.newer_message_ids = newer_message_ids


class CustomersDiffer(InvalidChange):
    """A merge would show one customer's messages to another: it needs a confirmation."""

    def __init__(self, source: str, source_customer: str, target: str, target_customer: str):
        super().__init__(
            f"{source} is from {source_customer} and {target} is from {target_customer}: "
            f"merging shows each of them the other's messages. Confirm that both are "
            f"the same person or that they may read each other's messages."
        )
        self.source_customer = source_customer
        self.target_customer = target_customer
