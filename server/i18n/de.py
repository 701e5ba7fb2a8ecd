"""Alle deutschen Texte des Servers (E-Mails, Seiten, Web-Client, Konsole) an einem Ort."""

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
    # web client (server/web/static/js): the citizen's pages, the device test, the console
    "web.skip": "Zum Inhalt springen",
    "web.client.page_title": "Ihre Video-Beratung",
    "web.consent_ok": "Vielen Dank – Ihre Einwilligung ist gespeichert.",
    "web.steps.check": "Technik prüfen",
    "web.steps.waiting": "Warteraum",
    "web.steps.call": "Beratung",
    "web.badge.ok": "In Ordnung",
    "web.badge.warn": "Achtung",
    "web.badge.fail": "Problem",
    "web.badge.busy": "Wird geprüft",
    "web.badge.idle": "Bitte testen",
    "web.compat.title": "Ihr Browser kann diese Video-Beratung leider nicht öffnen",
    "web.compat.text": "Ihrem Browser fehlt etwas, das für Videogespräche nötig ist:",
    "web.compat.missing.modules": "Er ist zu alt für diese Seite (keine modernen Skripte).",
    "web.compat.missing.websocket": "Er kann keine dauerhafte Verbindung zum Server halten "
    "(WebSocket).",
    "web.compat.missing.webrtc": "Er kann keine Videogespräche führen (WebRTC fehlt).",
    "web.compat.missing.media": "Er kann nicht auf Kamera und Mikrofon zugreifen.",
    "web.compat.missing.start": "Die Seite konnte nicht gestartet werden.",
    "web.compat.advice": (
        "Bitte öffnen Sie den Link in einem aktuellen Browser: Chrome, Edge, Firefox oder "
        "Safari. Auf dem Smartphone hilft oft ein Update des Browsers oder des Betriebssystems."
    ),
    "web.compat.alternative": (
        "Sie können die Beratung auch telefonisch oder persönlich wahrnehmen: {contact}."
    ),
    "web.compat.noscript": (
        "Für die Video-Beratung muss JavaScript eingeschaltet sein. Bitte schalten Sie es ein "
        "oder verwenden Sie einen anderen Browser."
    ),
    # device check
    "web.check.title": "Kamera, Mikrofon und Verbindung prüfen",
    "web.check.intro": (
        "Wir prüfen jetzt, ob alles für die Video-Beratung bereit ist. Wenn Ihr Browser fragt, "
        "erlauben Sie bitte den Zugriff auf Kamera und Mikrofon. Das dauert etwa 15 Sekunden."
    ),
    "web.check.browser.title": "Browser",
    "web.check.browser.checking": "Ihr Browser wird geprüft …",
    "web.check.browser.ok": "Ihr Browser unterstützt Video-Beratungen.",
    "web.check.browser.codecs": (
        "Ihr Browser kann Videogespräche führen, aber nicht alle nötigen Formate. Bild oder Ton "
        "können fehlen. Ein aktueller Browser hilft."
    ),
    "web.check.browser.old": (
        "Ihr Browser ist zu alt für Video-Beratungen. Bitte verwenden Sie einen aktuellen "
        "Browser: Chrome, Edge, Firefox oder Safari."
    ),
    "web.check.browser.webrtc.ok": "Videogespräche (WebRTC)",
    "web.check.browser.webrtc.missing": "Videogespräche (WebRTC) fehlen",
    "web.check.browser.media.ok": "Zugriff auf Kamera und Mikrofon",
    "web.check.browser.media.missing": "Kein Zugriff auf Kamera und Mikrofon möglich",
    "web.check.browser.websocket.ok": "Verbindung zum Server",
    "web.check.browser.websocket.missing": "Keine dauerhafte Verbindung zum Server möglich",
    "web.check.browser.audio_codec.ok": "Tonformat (Opus)",
    "web.check.browser.audio_codec.missing": "Das Tonformat Opus fehlt",
    "web.check.browser.video_codec.ok": "Bildformat (VP8 oder H.264)",
    "web.check.browser.video_codec.missing": "Die Bildformate VP8 und H.264 fehlen",
    "web.check.camera.title": "Kamera",
    "web.check.camera.asking": (
        "Bitte erlauben Sie den Zugriff auf Kamera und Mikrofon, wenn Ihr Browser danach fragt."
    ),
    "web.check.camera.ok": "Ihre Kamera funktioniert. So sieht Ihr Bild aus.",
    "web.check.camera.denied": (
        "Der Zugriff auf die Kamera wurde nicht erlaubt. Tippen Sie auf das Schloss- oder "
        "Kamera-Symbol neben der Adresse, erlauben Sie die Kamera und laden Sie die Seite neu. "
        "Sie können auch ohne Bild teilnehmen."
    ),
    "web.check.camera.missing": (
        "Wir haben keine Kamera gefunden, oder sie wird gerade von einem anderen Programm "
        "benutzt. Sie können auch ohne Bild teilnehmen."
    ),
    "web.check.camera.no_picture": "Kein Kamerabild",
    "web.check.camera.pick": "Kamera auswählen",
    "web.check.camera.preview": "Vorschau Ihrer Kamera",
    "web.check.mic.title": "Mikrofon",
    "web.check.mic.pick": "Mikrofon auswählen",
    "web.check.mic.level": "Lautstärke",
    "web.check.mic.speak": "Sagen Sie etwas – der Balken sollte sich bewegen.",
    "web.check.mic.ok": "Ihr Mikrofon funktioniert.",
    "web.check.mic.denied": (
        "Der Zugriff auf das Mikrofon wurde nicht erlaubt. Erlauben Sie ihn über das Symbol "
        "neben der Adresse und laden Sie die Seite neu – ohne Mikrofon kann man Sie nicht hören."
    ),
    "web.check.mic.missing": (
        "Wir haben kein Mikrofon gefunden. Schließen Sie ein Headset an oder verwenden Sie ein "
        "anderes Gerät – ohne Mikrofon kann man Sie nicht hören."
    ),
    "web.check.speaker.title": "Lautsprecher",
    "web.check.speaker.pick": "Lautsprecher auswählen",
    "web.check.speaker.play": "Testton abspielen",
    "web.check.speaker.hint": "Spielen Sie den Testton ab: Sie sollten drei Töne hören.",
    "web.check.speaker.playing": "Der Testton läuft …",
    "web.check.speaker.heard": (
        "Haben Sie drei Töne gehört? Dann ist alles gut. Wenn nicht: Lautstärke erhöhen oder "
        "einen anderen Lautsprecher wählen."
    ),
    "web.check.speaker.failed": (
        "Der Testton konnte nicht abgespielt werden. Prüfen Sie die Lautstärke und versuchen Sie "
        "es noch einmal."
    ),
    "web.check.net.title": "Verbindung",
    "web.check.net.waiting_for_devices": "Die Verbindung wird getestet, sobald Kamera und "
    "Mikrofon bereit sind.",
    "web.check.net.running": (
        "Ihre Verbindung wird getestet: Wir senden Bild und Ton zu unserem Server und zurück. "
        "Bitte warten Sie etwa 10 Sekunden."
    ),
    "web.check.net.done": "Der Verbindungstest ist fertig.",
    "web.check.net.rtt": "Antwortzeit",
    "web.check.net.loss": "Verluste",
    "web.check.net.rate": "Datenrate",
    "web.check.net.rtt_value": "{value} ms",
    "web.check.net.loss_value": "{value} %",
    "web.check.net.kbit_value": "{value} kbit/s",
    "web.check.net.mbit_value": "{value} Mbit/s",
    "web.check.net.none": "nicht gemessen",
    "web.check.net.again": "Verbindung erneut testen",
    "web.verdict.good": "Ihre Verbindung reicht gut für Video.",
    "web.verdict.good.advice": "Alles bereit.",
    "web.verdict.audio-only": "Ihre Verbindung ist schwach. Wir empfehlen: nur mit Ton.",
    "web.verdict.audio-only.advice": (
        "Ihre Kamera bleibt deshalb zunächst aus; Sie können sie im Gespräch einschalten. Besser "
        "wird es oft näher am WLAN-Router oder wenn andere Videos und Downloads pausieren."
    ),
    "web.verdict.poor": "Ihre Verbindung ist zu schwach für eine Video-Beratung.",
    "web.verdict.poor.advice": (
        "Versuchen Sie ein anderes WLAN oder mobile Daten, gehen Sie näher an den Router und "
        "testen Sie erneut. Oder vereinbaren Sie stattdessen ein Telefonat: {contact}."
    ),
    "web.verdict.unknown": "Die Verbindung konnte nicht getestet werden.",
    "web.verdict.unknown.advice": (
        "Prüfen Sie Ihre Internetverbindung und testen Sie erneut. Sie können trotzdem "
        "weitergehen."
    ),
    "web.verdict.limit": "Gerade wurden von Ihrem Anschluss zu viele Tests gestartet.",
    "web.verdict.limit.advice": "Bitte warten Sie eine Minute und testen Sie dann erneut.",
    "web.check.continue": "Weiter zum Warteraum",
    "web.check.continue.wait": "Der Test läuft noch – gleich geht es weiter.",
    "web.check.continue.good": "Alles bereit. Sie können jetzt in den Warteraum gehen.",
    "web.check.continue.other": (
        "Sie können trotzdem in den Warteraum gehen; Ihre Beraterin oder Ihr Berater sieht das "
        "Testergebnis."
    ),
    # waiting room
    "web.waiting.title": "Sie sind im Warteraum",
    "web.waiting.when": "Ihr Termin: {date}",
    "web.waiting.self": "Ihr eigenes Bild",
    "web.waiting.connecting": "Verbindung zum Warteraum wird aufgebaut …",
    "web.waiting.told": (
        "Ihre Beraterin oder Ihr Berater wurde benachrichtigt, dass Sie warten, und holt Sie "
        "gleich herein."
    ),
    "web.waiting.advisor_left": (
        "Ihre Beraterin oder Ihr Berater hat das Gespräch kurz verlassen. Sie sind wieder im "
        "Warteraum und werden gleich wieder hereingeholt."
    ),
    "web.waiting.resume_expired": (
        "Die Verbindung war länger unterbrochen. Sie sind wieder im Warteraum."
    ),
    "web.waiting.hint": "Bitte lassen Sie diese Seite geöffnet. Sie müssen nichts weiter tun.",
    "web.waiting.privacy": (
        "Solange Sie warten, sieht und hört Sie niemand. Es wird nichts aufgezeichnet."
    ),
    "web.waiting.leave": "Warteraum verlassen",
    # consultation
    "web.call.title": "Video-Beratung",
    "web.call.controls": "Steuerung des Gesprächs",
    "web.call.starting": "Sie werden verbunden …",
    "web.call.resuming": "Sie werden wieder verbunden …",
    "web.call.with": "Sie sind im Gespräch mit {name}.",
    "web.call.advisor_away": (
        "Die Verbindung Ihrer Beraterin oder Ihres Beraters ist unterbrochen. Bitte warten Sie "
        "einen Moment."
    ),
    "web.call.media_trouble": "Bild und Ton werden neu verbunden …",
    "web.call.you": "Sie",
    "web.call.your_camera_off": "Ihre Kamera ist aus",
    "web.call.nobody": "",
    "web.call.camera_of": "{name}",
    "web.call.screen_of": "Bildschirm von {name}",
    "web.call.no_video": "Noch kein Bild – das Gespräch beginnt gleich.",
    "web.call.camera_off_by": "{name} hat die Kamera ausgeschaltet.",
    "web.call.loading": "Das Bild wird geladen …",
    "web.call.paused": (
        "Video pausiert wegen schwacher Verbindung. Sie hören {name} weiterhin; das Bild kommt "
        "zurück, sobald die Verbindung besser ist."
    ),
    "web.call.stalled": "Im Moment kommt kein Bild von {name} an (Kamera aus oder Verbindung "
    "schwach). Der Ton läuft weiter.",
    "web.call.mute": "Stummschalten",
    "web.call.unmute": "Mikrofon einschalten",
    "web.call.camera_off": "Kamera aus",
    "web.call.camera_on": "Kamera ein",
    "web.call.switch": "Kamera wechseln",
    "web.call.leave": "Beratung verlassen",
    "web.call.sound": "Ton einschalten",
    "web.call.self.on": "Mikrofon und Kamera sind an.",
    "web.call.self.muted": "Ihr Mikrofon ist stummgeschaltet.",
    "web.call.self.camera_off": "Ihre Kamera ist aus.",
    "web.call.self.both_off": "Ihr Mikrofon ist stummgeschaltet und Ihre Kamera ist aus.",
    "web.quality.none": "Verbindung",
    "web.quality.waiting": "wird gemessen …",
    "web.quality.good": "Verbindung: gut",
    "web.quality.fair": "Verbindung: mittel",
    "web.quality.poor": "Verbindung: schwach",
    "web.quality.details": "{loss} % Verlust, {rtt} ms",
    "web.reconnecting": (
        "Die Verbindung ist unterbrochen. Wir verbinden Sie automatisch wieder – bitte lassen "
        "Sie die Seite geöffnet."
    ),
    # end
    "web.end.left.title": "Sie haben die Beratung verlassen",
    "web.end.left.text": "Vielen Dank für Ihre Teilnahme.",
    "web.end.ended.title": "Die Beratung ist beendet",
    "web.end.ended.text": "Ihre Beraterin oder Ihr Berater hat die Beratung beendet. Vielen Dank.",
    "web.end.denied.title": "Sie können gerade nicht hereingeholt werden",
    "web.end.denied.text": (
        "Ihre Beraterin oder Ihr Berater kann die Beratung jetzt nicht mit Ihnen führen."
    ),
    "web.end.removed.title": "Ihre Wartezeit wurde beendet",
    "web.end.removed.text": "Ihre Beraterin oder Ihr Berater hat Ihre Wartezeit beendet.",
    "web.end.replaced.title": "Die Beratung läuft in einem anderen Fenster weiter",
    "web.end.replaced.text": (
        "Sie haben den Link in einem anderen Fenster oder auf einem anderen Gerät geöffnet. "
        "Dieses Fenster können Sie schließen."
    ),
    "web.end.withdrawn.title": "Einwilligung widerrufen",
    "web.end.withdrawn.text": "Sie haben Ihre Einwilligung widerrufen; Ihre Sitzung ist beendet.",
    "web.end.over.title": "Der Termin ist vorbei",
    "web.end.over.text": "Dieser Termin ist beendet; der Link gilt nicht mehr.",
    "web.end.cancelled.title": "Der Termin wurde abgesagt",
    "web.end.cancelled.text": "Dieser Termin wurde abgesagt.",
    "web.end.invalid.title": "Dieser Zugang gilt nicht mehr",
    "web.end.invalid.text": (
        "Bitte öffnen Sie den Link aus Ihrer E-Mail erneut. Wenn Ihr Termin verlegt wurde, "
        "verwenden Sie den Link aus der neuesten E-Mail."
    ),
    "web.end.early.title": "Noch etwas zu früh",
    "web.end.early.text": (
        "Der Link öffnet sich 30 Minuten vor Beginn. Bitte kommen Sie dann wieder."
    ),
    "web.end.full.title": "Dieser Link ist schon auf mehreren Geräten offen",
    "web.end.full.text": "Bitte schließen Sie die Beratung auf den anderen Geräten.",
    "web.end.failed.title": "Die Verbindung ist abgebrochen",
    "web.end.failed.text": (
        "Wir konnten Sie nicht mit dem Server verbinden. Bitte prüfen Sie Ihre Internetverbindung "
        "und öffnen Sie den Link aus Ihrer E-Mail erneut."
    ),
    "web.end.message": "Nachricht Ihrer Beraterin oder Ihres Beraters: „{message}“",
    "web.end.nothing_recorded": "Es wurde nichts aufgezeichnet.",
    "web.end.contact": "Bei Fragen oder für einen neuen Termin erreichen Sie uns so: {contact}.",
    "web.end.rejoin": "Zurück in den Warteraum",
    "web.withdraw.hint": "Sie möchten nicht mehr teilnehmen?",
    # public device test
    "web.test.title": "Technik-Test für die Video-Beratung",
    "web.test.intro": (
        "Hier prüfen Sie jederzeit und ohne Termin, ob Kamera, Mikrofon, Lautsprecher und "
        "Verbindung für eine Video-Beratung reichen."
    ),
    "web.test.summary.good": (
        "Alles bereit. Zu Ihrem Termin öffnen Sie einfach den Link aus Ihrer E-Mail."
    ),
    "web.test.summary.other": (
        "Beachten Sie die Hinweise oben. Sie können den Test jederzeit wiederholen."
    ),
    "web.test.privacy": (
        "Bild und Ton gehen nur zu unserem Server und sofort zurück zu Ihnen; nichts wird "
        "gespeichert oder aufgezeichnet."
    ),
    # advisor console
    "web.console.page_title": "Beratungskonsole",
    "web.console.title": "Ihre Termine",
    "web.console.whoami": "Angemeldet als {name}",
    "web.console.login.busy": "Sie werden angemeldet …",
    "web.console.login.failed": "Benutzername oder Passwort ist falsch.",
    "web.console.login.throttled": (
        "Zu viele Fehlversuche. Bitte warten Sie einige Minuten und versuchen Sie es erneut."
    ),
    "web.console.load_failed": "Die Termine konnten nicht geladen werden. Bitte neu laden.",
    "web.console.today": "Heute",
    "web.console.today_empty": "Heute stehen keine Termine an.",
    "web.console.upcoming": "Demnächst",
    "web.console.upcoming_empty": "Keine weiteren Termine.",
    "web.console.open": "Beratungsraum öffnen",
    "web.console.reschedule": "Verschieben",
    "web.console.reschedule_submit": "Neuen Zeitpunkt speichern",
    "web.console.cancel": "Absagen",
    "web.console.cancel_question": (
        "Termin wirklich absagen? Die Person erhält eine E-Mail, der Link gilt dann nicht mehr."
    ),
    "web.console.cancel_yes": "Ja, absagen",
    "web.console.abort": "Abbrechen",
    "web.console.cancelled": "Der Termin „{topic}“ wurde abgesagt; die Absage wird per E-Mail "
    "versendet.",
    "web.console.rescheduled": "Der Termin „{topic}“ wurde verschoben; ein neuer Link wird per "
    "E-Mail versendet.",
    "web.console.change_failed": "Das hat nicht geklappt. Bitte versuchen Sie es erneut.",
    "web.console.state.cancelled": "Abgesagt",
    "web.console.mail.pending": "E-Mail wird versendet …",
    "web.console.mail.sent": "E-Mail versendet",
    "web.console.mail.failed": "E-Mail konnte nicht zugestellt werden",
    "web.console.mail.superseded": "E-Mail durch eine neuere ersetzt",
    "web.console.create": "Neuen Termin anlegen",
    "web.console.create_submit": "Termin anlegen und Einladung senden",
    "web.console.creating": "Der Termin wird angelegt …",
    "web.console.created": "Termin angelegt. Die Einladung an {email} wird versendet.",
    "web.console.check_fields": "Bitte prüfen Sie die markierten Felder.",
    "web.console.f.topic": "Thema",
    "web.console.f.date": "Datum",
    "web.console.f.time": "Uhrzeit",
    "web.console.f.duration": "Dauer (Minuten)",
    "web.console.f.client_name": "Name der Bürgerin oder des Bürgers",
    "web.console.f.client_email": "E-Mail-Adresse",
    "web.console.f.language": "Sprache der Einladung",
    "web.console.error.topic": "Bitte geben Sie ein Thema an (höchstens 200 Zeichen).",
    "web.console.error.start": (
        "Bitte wählen Sie einen Zeitpunkt in der Zukunft (höchstens ein Jahr voraus)."
    ),
    "web.console.error.duration_minutes": "Bitte wählen Sie eine Dauer zwischen 5 und 480 "
    "Minuten.",
    "web.console.error.client_name": "Bitte geben Sie einen Namen an (höchstens 100 Zeichen).",
    "web.console.error.client_email": "Bitte geben Sie eine gültige E-Mail-Adresse an.",
    "web.console.error.language": "Bitte wählen Sie Deutsch oder Englisch.",
    "web.console.time_range": "{start}–{end} Uhr",
    "web.console.room.no_video": (
        "Noch niemand im Gespräch. Wartende Personen stehen unter „Warteraum“; mit "
        "„Hereinholen“ beginnt die Beratung."
    ),
    "web.console.back": "Zurück zu den Terminen",
    "web.console.room.title": "{topic} – {name}, {time}",
    "web.console.room.devices": "Kamera und Mikrofon werden eingeschaltet …",
    "web.console.room.connecting": "Der Beratungsraum wird geöffnet …",
    "web.console.room.open": (
        "Der Beratungsraum ist offen. Wartende erscheinen unter „Warteraum“."
    ),
    "web.console.room.join_failed": "Der Beratungsraum konnte nicht geöffnet werden ({code}).",
    "web.console.room.error": "Das hat nicht geklappt ({code}).",
    "web.console.room.replaced": "Der Beratungsraum wurde in einem anderen Fenster geöffnet.",
    "web.console.room.waiting": "Warteraum",
    "web.console.room.waiting_count": "({count})",
    "web.console.room.nobody_waiting": "Noch wartet niemand.",
    "web.console.room.in_call": "Im Gespräch",
    "web.console.room.nobody_in_call": "Noch niemand im Gespräch.",
    "web.console.room.arrived": "{name} wartet im Warteraum.",
    "web.console.room.since": "wartet seit {time}",
    "web.console.room.since_away": "wartet seit {time}, Verbindung unterbrochen",
    "web.console.room.online": "verbunden",
    "web.console.room.offline": "Verbindung unterbrochen – kann zurückkehren",
    "web.console.room.admitting": "{name} wird hereingeholt …",
    "web.console.room.denied": "{name} wurde abgewiesen.",
    "web.console.room.removed": "{name} wurde entfernt.",
    "web.console.room.talking": "Sie sind im Gespräch mit {name}.",
    "web.console.room.partner_weak": (
        "{name} hat gerade eine schwache Verbindung und sieht Ihr Video oder Ihren geteilten "
        "Bildschirm im Moment nicht, hört Sie aber weiterhin. Das Bild kommt von selbst zurück."
    ),
    "web.console.room.sharing": "Sie teilen Ihren Bildschirm.",
    "web.console.room.share_refused": "Die Bildschirmfreigabe wurde nicht gestartet.",
    "web.console.room.client_left": "Die Bürgerin oder der Bürger hat die Beratung verlassen.",
    "web.console.room.ended": "Sie haben die Beratung beendet.",
    "web.console.room.ended_title": "Die Beratung ist beendet",
    "web.console.dc.none": "Noch kein Technik-Test",
    "web.console.dc.yes": "ja",
    "web.console.dc.no": "nein",
    "web.console.dc.devices": "Kamera: {camera}, Mikrofon: {microphone}",
    "web.console.dc.verdict.good": "Verbindung gut",
    "web.console.dc.verdict.audio-only": "Verbindung schwach – nur Ton empfohlen",
    "web.console.dc.verdict.poor": "Verbindung zu schwach",
    "web.console.dc.verdict.unknown": "Verbindung nicht getestet",
    "web.console.dc.measured": "{rtt} ms, {loss} % Verlust, {rate} kbit/s",
    "web.console.admit": "Hereinholen",
    "web.console.deny": "Abweisen …",
    "web.console.deny_message": "Nachricht an die Person (freiwillig)",
    "web.console.deny_submit": "Abweisen",
    "web.console.remove": "Entfernen …",
    "web.console.remove_message": "Nachricht an die Person (freiwillig)",
    "web.console.remove_submit": "Entfernen",
    "web.console.share_start": "Bildschirm teilen",
    "web.console.share_stop": "Teilen beenden",
    "web.console.leave_room": "Raum verlassen",
    "web.console.end": "Beratung beenden",
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
