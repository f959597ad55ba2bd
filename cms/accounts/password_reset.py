"""Password reset without telling anyone whether an address has an account: the request
only queues a background task, with the same arguments whatever the address; the task
looks the address up and sends the e-mail(s). Used by the public site and (through
WAGTAILADMIN_USER_PASSWORD_RESET_FORM) the Wagtail admin."""

from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sites.shortcuts import get_current_site
from django_tasks import task
from wagtail.admin.forms.auth import PasswordResetForm as WagtailPasswordResetForm


@task()
def send_password_reset_task(email, domain, use_https, templates, from_email=None):
    """Look the address up and send the reset e-mail(s), outside the request: the answer
    to "reset my password" must not take longer when the address has an account."""
    form = PasswordResetForm({"email": email})
    if form.is_valid():
        form.save(
            domain_override=domain,
            use_https=use_https,
            from_email=from_email,
            subject_template_name=templates["subject"],
            email_template_name=templates["email"],
            html_email_template_name=templates.get("html"),
        )


class QueuedPasswordResetMixin:
    """The request only queues the task, with the same arguments whether or not the
    address belongs to anyone; no lookup, no token, no e-mail in the request."""

    def save(
        self,
        domain_override=None,
        subject_template_name="registration/password_reset_subject.txt",
        email_template_name="registration/password_reset_email.html",
        use_https=False,
        token_generator=default_token_generator,
        from_email=None,
        request=None,
        html_email_template_name=None,
        extra_email_context=None,
    ):
        send_password_reset_task.enqueue(
            email=self.cleaned_data["email"],
            domain=domain_override or get_current_site(request).domain,
            use_https=use_https,
            templates={
                "subject": subject_template_name,
                "email": email_template_name,
                "html": html_email_template_name,
            },
            from_email=from_email,
        )


class QueuedPasswordResetForm(QueuedPasswordResetMixin, PasswordResetForm):
    pass


class QueuedWagtailPasswordResetForm(QueuedPasswordResetMixin, WagtailPasswordResetForm):
    """WAGTAILADMIN_USER_PASSWORD_RESET_FORM: the admin's reset form, queued the same way."""
