"""The mails Veza sends, each as plain text and HTML, with every value escaped in the HTML."""

from __future__ import annotations

import html
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from string import Template


@dataclass(frozen=True, slots=True)
class MailTemplate:
    subject: str
    text: Template
    html: Template


_HTML = Template(
    '<!doctype html><html><body style="font-family:sans-serif">'
    "<p>Hello $name,</p><p>$intro</p>"
    '<p><a href="$link" style="font-weight:bold">$action</a></p>'
    '<p style="color:#666">$outro</p></body></html>'
)


def _template(subject: str, intro: str, action: str, outro: str) -> MailTemplate:
    text = Template(f"Hello $name,\n\n{intro}\n\n{action}: $link\n\n{outro}\n")
    html_template = Template(
        _HTML.safe_substitute(
            intro=html.escape(intro), action=html.escape(action), outro=html.escape(outro)
        )
    )
    return MailTemplate(subject, text, html_template)


TEMPLATES = {
    "verify_email": _template(
        "Confirm your email address",
        "Please confirm that this address belongs to your Veza account.",
        "Confirm my address",
        "The link works once and for 48 hours. If you did not sign up, ignore this mail.",
    ),
    "reset_password": _template(
        "Reset your password",
        "Someone (hopefully you) asked to reset the password of your Veza account.",
        "Choose a new password",
        "The link works once and for 30 minutes; using it signs out every device. "
        "If you did not ask, ignore this mail: your password stays as it is.",
    ),
    "magic_link": _template(
        "Your sign-in link",
        "Here is the link to sign in to Veza.",
        "Sign in",
        "The link works once and for 15 minutes. If you did not ask for it, ignore this mail.",
    ),
}


def render(kind: str, *, sender: str, to: str, name: str, link: str) -> EmailMessage:
    """A multipart/alternative message of template `kind` for one recipient."""
    template = TEMPLATES[kind]
    message = EmailMessage()
    message["Subject"] = template.subject
    message["From"] = sender
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].rstrip(">") or None)
    message.set_content(template.text.substitute(name=name, link=link))
    message.add_alternative(
        template.html.substitute(name=html.escape(name), link=html.escape(link, quote=True)),
        subtype="html",
    )
    return message
