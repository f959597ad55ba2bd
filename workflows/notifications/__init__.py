"""Carers' e-mails about new posts: who follows which place and how often (following.py),
what an e-mail tells them and the links it carries (messages.py), who is told about
which post, once, from the background tasks and the daily digest (delivery.py), and the
carer's pages: their choices and the one-click unsubscribe (views.py).

Who is told is decided when the e-mail is sent, never when the post was approved: the
post must still be live, and the carer must still see its place (class_pages.access).
E-mails are plain text with links only: never a photo, an attachment, or a pupil's name
beyond what the post's own text says."""
