"""All English texts of the server (e-mails, consent and login pages) in one place."""

from __future__ import annotations

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
DATE_FORMAT = "{weekday}, {day} {month} {year}, {hour:02d}:{minute:02d} ({zone})"
TIME_FORMAT = "{hour:02d}:{minute:02d}"
SHORT_DATE_FORMAT = "{day} {month} {year}, {hour:02d}:{minute:02d}"

TEXTS: dict[str, str] = {
    # e-mail
    "mail.subject.invitation": "Your video consultation on {date}",
    "mail.subject.rescheduled": "New time for your video consultation: {date}",
    "mail.subject.cancelled": "Cancelled: your video consultation on {date}",
    "mail.greeting": "Dear {name},",
    "mail.intro.invitation": "Your video consultation with {organisation} has been arranged.",
    "mail.intro.rescheduled": (
        "Your video consultation with {organisation} has been moved. The link in our earlier "
        "e-mail no longer works; please use the new link below."
    ),
    "mail.intro.cancelled": (
        "Your video consultation with {organisation} has been cancelled. The access link no "
        "longer works."
    ),
    "mail.topic": "Topic",
    "mail.when": "Time",
    "mail.duration": "{minutes} minutes",
    "mail.link.heading": "Your personal access link",
    "mail.link.rules": (
        "Please open the link at the latest 5 minutes before the start. It works from {opens} "
        "until the end of the appointment. The link is for you only; please do not pass it on."
    ),
    "mail.device_test": (
        "Test in advance: you can check at any time whether your camera, microphone and "
        "connection work:"
    ),
    "mail.requirements.heading": "Technical requirements",
    "mail.requirements.1": "a smartphone, tablet or computer with camera and microphone",
    "mail.requirements.2": "a current browser: Chrome, Edge, Firefox or Safari",
    "mail.requirements.3": "an internet connection (Wi-Fi or mobile) of at least 1 Mbit/s",
    "mail.requirements.4": "nothing to install, no account needed",
    "mail.alternative": (
        "Prefer the telephone or a meeting in person? If you do not want to have the "
        "consultation by video, please contact us ({contact}) and we will arrange a phone call "
        "or an appointment in person."
    ),
    "mail.contact.reply": "simply reply to this e-mail",
    "mail.contact.phone": "telephone {phone}",
    "mail.privacy": (
        "Privacy: the consultation is not recorded. What we store and when we delete it is "
        "explained here:"
    ),
    "mail.calendar": "A calendar entry is attached.",
    "mail.cancelled.next": "For a new appointment, please contact us ({contact}).",
    "mail.closing": "Kind regards",
    "mail.ics.summary": "Video consultation: {topic}",
    "mail.ics.description": "Access link (opens at {opens}): {link}",
    # pages
    "page.lang.switch": "Deutsch",
    "page.notice.title": "Privacy notice for the video consultation",
    "page.consent.appointment": "Your appointment: {date}",
    "page.consent.checkbox": (
        "I have read the privacy notice and consent to the processing of my data for this video "
        "consultation."
    ),
    "page.consent.submit": "Consent and continue",
    "page.consent.required": "Please tick the box to continue.",
    "page.consent.alternative": (
        "Do not agree? You can also have the consultation by telephone or in person: {contact}."
    ),
    "page.consent.given.title": "Thank you",
    "page.consent.given.text": (
        "Your consent has been recorded. Next you check your camera, microphone and connection, "
        "then you wait in the virtual waiting room until your advisor lets you in."
    ),
    "page.withdraw.button": "Withdraw consent and end the session",
    "page.withdrawn.title": "Consent withdrawn",
    "page.withdrawn.text": (
        "You have withdrawn your consent; your session has ended. If you change your mind, open "
        "the link again."
    ),
    "page.early.title": "A little too early",
    "page.early.text": (
        "Your appointment starts on {date}. The link opens on {opens}; please come back then, "
        "at the latest 5 minutes before the start."
    ),
    "page.over.title": "The appointment is over",
    "page.over.text": (
        "This appointment has ended; the link no longer works. For a new appointment, please "
        "contact us: {contact}."
    ),
    "page.cancelled.title": "The appointment was cancelled",
    "page.cancelled.text": "This appointment was cancelled. Please contact us: {contact}.",
    "page.unknown.title": "This link is not valid (any more)",
    "page.unknown.text": (
        "If your appointment was moved, you received a new e-mail with a new link. Please use "
        "that one. Questions: {contact}."
    ),
    "page.contact.fallback": "using the contact details in your invitation",
    "page.login.title": "Sign-in for advisors",
    "page.login.username": "Username",
    "page.login.password": "Password",
    "page.login.submit": "Sign in",
    "page.login.failed": "Wrong username or password.",
    "page.login.throttled": "Too many failed attempts. Please try again at {time}.",
    "page.login.done": "You are signed in as {name}.",
    "page.logout.submit": "Sign out",
    "page.logout.done": "You are signed out.",
    "page.privacy.title": "Privacy",
}

NOTICE: tuple[str, ...] = (
    "The controller for the video consultation is {organisation}. Contact: {contact}.",
    "Purpose: we process your data only to hold the video consultation you booked.",
    "Which data: your name, your e-mail address, the time and topic of the appointment (entered "
    "when it was booked) and the time and version of this consent. Your IP address is needed "
    "for the connection but is not stored.",
    "Picture and sound are transmitted encrypted. Our server only forwards them; nothing is "
    "recorded and none of it is stored.",
    "Retention: all data about your appointment is deleted automatically at the latest {days} "
    "days after the appointment.",
    "Your consent is voluntary. You can also have the consultation by telephone or in person. "
    "You can withdraw your consent at any time; your session then ends at once.",
    "You have the right to access, rectify and erase your data, and to lodge a complaint with a "
    "data-protection supervisory authority.",
)
