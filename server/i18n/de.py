"""Alle deutschen Texte des Servers (E-Mails, Einwilligungs- und Anmeldeseiten) an einem Ort."""

from __future__ import annotations

WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
          "Oktober", "November", "Dezember")
DATE_FORMAT = "{weekday}, {day}. {month} {year}, {hour:02d}:{minute:02d} Uhr ({zone})"
TIME_FORMAT = "{hour:02d}:{minute:02d} Uhr"
SHORT_DATE_FORMAT = "{day:02d}.{month_number:02d}.{year}, {hour:02d}:{minute:02d} Uhr"

TEXTS: dict[str, str] = {
    # e-mail
    "mail.subject.invitation": "Ihre Video-Beratung am {date}",
    "mail.subject.rescheduled": "Neuer Termin für Ihre Video-Beratung: {date}",
    "mail.subject.cancelled": "Abgesagt: Ihre Video-Beratung am {date}",
    "mail.greeting": "Guten Tag {name},",
    "mail.intro.invitation": "Ihre Video-Beratung bei {organisation} ist vereinbart.",
    "mail.intro.rescheduled": (
        "Ihre Video-Beratung bei {organisation} wurde verlegt. Der Link aus unserer früheren "
        "E-Mail gilt nicht mehr; bitte verwenden Sie den neuen Link unten."
    ),
    "mail.intro.cancelled": (
        "Ihre Video-Beratung bei {organisation} wurde abgesagt. Der Zugangslink gilt nicht mehr."
    ),
    "mail.topic": "Thema",
    "mail.when": "Termin",
    "mail.duration": "{minutes} Minuten",
    "mail.link.heading": "Ihr persönlicher Zugangslink",
    "mail.link.rules": (
        "Bitte öffnen Sie den Link spätestens 5 Minuten vor Beginn. Er funktioniert ab {opens} "
        "bis zum Ende des Termins. Der Link ist nur für Sie bestimmt; bitte geben Sie ihn nicht "
        "weiter."
    ),
    "mail.device_test": (
        "Vorab testen: Ob Kamera, Mikrofon und Verbindung funktionieren, können Sie jederzeit "
        "hier prüfen:"
    ),
    "mail.requirements.heading": "Technische Voraussetzungen",
    "mail.requirements.1": "ein Smartphone, Tablet oder Computer mit Kamera und Mikrofon",
    "mail.requirements.2": "ein aktueller Browser: Chrome, Edge, Firefox oder Safari",
    "mail.requirements.3": "eine Internetverbindung (WLAN oder Mobilfunk) mit mindestens 1 Mbit/s",
    "mail.requirements.4": "keine Installation und kein Benutzerkonto nötig",
    "mail.alternative": (
        "Lieber telefonisch oder persönlich? Wenn Sie die Beratung nicht per Video wahrnehmen "
        "möchten, melden Sie sich bitte bei uns ({contact}). Wir vereinbaren dann gern ein "
        "Telefonat oder einen Termin vor Ort."
    ),
    "mail.contact.reply": "antworten Sie einfach auf diese E-Mail",
    "mail.contact.phone": "Telefon {phone}",
    "mail.privacy": (
        "Datenschutz: Die Beratung wird nicht aufgezeichnet. Was wir speichern und wann wir es "
        "löschen, lesen Sie hier:"
    ),
    "mail.calendar": "Einen Kalendereintrag finden Sie im Anhang.",
    "mail.cancelled.next": "Für einen neuen Termin wenden Sie sich bitte an uns ({contact}).",
    "mail.closing": "Mit freundlichen Grüßen",
    "mail.ics.summary": "Video-Beratung: {topic}",
    "mail.ics.description": "Zugangslink (ab {opens} geöffnet): {link}",
    # pages
    "page.lang.switch": "English",
    "page.notice.title": "Datenschutzhinweis zur Video-Beratung",
    "page.consent.appointment": "Ihr Termin: {date}",
    "page.consent.checkbox": (
        "Ich habe den Datenschutzhinweis gelesen und willige in die Verarbeitung meiner Daten "
        "für diese Video-Beratung ein."
    ),
    "page.consent.submit": "Einwilligen und weiter",
    "page.consent.required": "Bitte bestätigen Sie das Kästchen, um fortzufahren.",
    "page.consent.alternative": (
        "Nicht einverstanden? Sie können die Beratung auch telefonisch oder persönlich "
        "wahrnehmen: {contact}."
    ),
    "page.consent.given.title": "Vielen Dank",
    "page.consent.given.text": (
        "Ihre Einwilligung ist gespeichert. Als Nächstes prüfen Sie Kamera, Mikrofon und "
        "Verbindung, dann warten Sie im virtuellen Wartezimmer, bis Ihre Beraterin oder Ihr "
        "Berater Sie hereinholt."
    ),
    "page.withdraw.button": "Einwilligung widerrufen und Sitzung beenden",
    "page.withdrawn.title": "Einwilligung widerrufen",
    "page.withdrawn.text": (
        "Sie haben Ihre Einwilligung widerrufen; Ihre Sitzung ist beendet. Wenn Sie es sich "
        "anders überlegen, öffnen Sie den Link erneut."
    ),
    "page.early.title": "Noch etwas zu früh",
    "page.early.text": (
        "Ihr Termin beginnt am {date}. Der Link öffnet sich am {opens}; bitte kommen Sie dann "
        "wieder, spätestens 5 Minuten vor Beginn."
    ),
    "page.over.title": "Der Termin ist vorbei",
    "page.over.text": (
        "Dieser Termin ist beendet; der Link gilt nicht mehr. Für einen neuen Termin wenden Sie "
        "sich bitte an uns: {contact}."
    ),
    "page.cancelled.title": "Der Termin wurde abgesagt",
    "page.cancelled.text": "Dieser Termin wurde abgesagt. Bitte wenden Sie sich an uns: {contact}.",
    "page.unknown.title": "Dieser Link gilt nicht (mehr)",
    "page.unknown.text": (
        "Wenn Ihr Termin verlegt wurde, haben Sie eine neue E-Mail mit einem neuen Link "
        "erhalten. Bitte verwenden Sie diesen. Bei Fragen: {contact}."
    ),
    "page.contact.fallback": "über die Kontaktdaten in Ihrer Einladung",
    "page.login.title": "Anmeldung für Beraterinnen und Berater",
    "page.login.username": "Benutzername",
    "page.login.password": "Passwort",
    "page.login.submit": "Anmelden",
    "page.login.failed": "Benutzername oder Passwort ist falsch.",
    "page.login.throttled": "Zu viele Fehlversuche. Bitte versuchen Sie es um {time} erneut.",
    "page.login.done": "Sie sind angemeldet als {name}.",
    "page.logout.submit": "Abmelden",
    "page.logout.done": "Sie sind abgemeldet.",
    "page.privacy.title": "Datenschutz",
}

NOTICE: tuple[str, ...] = (
    "Verantwortlich für die Video-Beratung ist {organisation}. Kontakt: {contact}.",
    "Zweck: Wir verarbeiten Ihre Daten nur, um die vereinbarte Video-Beratung durchzuführen.",
    "Welche Daten: Ihren Namen, Ihre E-Mail-Adresse, Termin und Thema (bei der "
    "Terminvereinbarung erfasst) sowie Zeitpunkt und Version dieser Einwilligung. Ihre "
    "IP-Adresse wird für die Verbindung benötigt, aber nicht gespeichert.",
    "Bild und Ton werden verschlüsselt übertragen. Unser Server leitet sie nur weiter; es gibt "
    "keine Aufzeichnung, und nichts davon wird gespeichert.",
    "Speicherdauer: Alle Daten zu Ihrem Termin werden spätestens {days} Tage nach dem Termin "
    "automatisch gelöscht.",
    "Ihre Einwilligung ist freiwillig. Sie können die Beratung auch telefonisch oder persönlich "
    "wahrnehmen. Sie können die Einwilligung jederzeit widerrufen; Ihre Sitzung endet dann "
    "sofort.",
    "Sie haben das Recht auf Auskunft, Berichtigung und Löschung Ihrer Daten sowie auf "
    "Beschwerde bei einer Datenschutz-Aufsichtsbehörde.",
)
