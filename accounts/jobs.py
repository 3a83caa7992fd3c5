"""Account emails, queued by the services to send after their change has committed (Huey)."""

from uuid import UUID

from huey.contrib.djhuey import db_task

from accounts import emails


@db_task(retries=3, retry_delay=60)
def password_reset_email(user_id: UUID) -> None:
    emails.password_reset_email_send(user_id=user_id)


@db_task(retries=3, retry_delay=60)
def password_reset_requested(email: str) -> None:
    emails.password_reset_email_requested(email=email)
