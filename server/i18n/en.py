"""All English texts of the server (e-mails, pages, web client, console) in one place."""

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
    # web client (server/web/static/js): the citizen's pages, the device test, the console
    "web.skip": "Skip to content",
    "web.client.page_title": "Your video consultation",
    "web.consent_ok": "Thank you – your consent has been recorded.",
    "web.steps.check": "Check equipment",
    "web.steps.waiting": "Waiting room",
    "web.steps.call": "Consultation",
    "web.badge.ok": "OK",
    "web.badge.warn": "Note",
    "web.badge.fail": "Problem",
    "web.badge.busy": "Checking",
    "web.badge.idle": "Please test",
    "web.compat.title": "Sorry, your browser cannot open this video consultation",
    "web.compat.text": "Your browser lacks something that video calls need:",
    "web.compat.missing.modules": "It is too old for this page (no modern scripts).",
    "web.compat.missing.websocket": "It cannot keep a connection to the server open "
    "(WebSocket).",
    "web.compat.missing.webrtc": "It cannot make video calls (WebRTC is missing).",
    "web.compat.missing.media": "It cannot use the camera and microphone.",
    "web.compat.missing.start": "The page could not be started.",
    "web.compat.advice": (
        "Please open the link in a current browser: Chrome, Edge, Firefox or Safari. On a "
        "smartphone, updating the browser or the operating system often helps."
    ),
    "web.compat.alternative": (
        "You can also have the consultation by telephone or in person: {contact}."
    ),
    "web.compat.noscript": (
        "The video consultation needs JavaScript. Please switch it on or use another browser."
    ),
    # device check
    "web.check.title": "Check camera, microphone and connection",
    "web.check.intro": (
        "We are now checking that everything is ready for the video consultation. If your "
        "browser asks, please allow access to the camera and microphone. This takes about 15 "
        "seconds."
    ),
    "web.check.browser.title": "Browser",
    "web.check.browser.checking": "Checking your browser …",
    "web.check.browser.ok": "Your browser supports video consultations.",
    "web.check.browser.codecs": (
        "Your browser can make video calls but lacks some formats we need. Picture or sound may "
        "be missing. A current browser helps."
    ),
    "web.check.browser.old": (
        "Your browser is too old for video consultations. Please use a current browser: Chrome, "
        "Edge, Firefox or Safari."
    ),
    "web.check.browser.webrtc.ok": "Video calls (WebRTC)",
    "web.check.browser.webrtc.missing": "Video calls (WebRTC) are missing",
    "web.check.browser.media.ok": "Access to camera and microphone",
    "web.check.browser.media.missing": "No access to camera and microphone possible",
    "web.check.browser.websocket.ok": "Connection to the server",
    "web.check.browser.websocket.missing": "No lasting connection to the server possible",
    "web.check.browser.audio_codec.ok": "Sound format (Opus)",
    "web.check.browser.audio_codec.missing": "The sound format Opus is missing",
    "web.check.browser.video_codec.ok": "Picture format (VP8 or H.264)",
    "web.check.browser.video_codec.missing": "The picture formats VP8 and H.264 are missing",
    "web.check.camera.title": "Camera",
    "web.check.camera.asking": (
        "Please allow access to the camera and microphone when your browser asks."
    ),
    "web.check.camera.ok": "Your camera works. This is how you look.",
    "web.check.camera.denied": (
        "Access to the camera was not allowed. Tap the lock or camera symbol next to the "
        "address, allow the camera and reload the page. You can also take part without a "
        "picture."
    ),
    "web.check.camera.missing": (
        "We found no camera, or another program is using it. You can also take part without a "
        "picture."
    ),
    "web.check.camera.no_picture": "No camera picture",
    "web.check.camera.pick": "Choose camera",
    "web.check.camera.preview": "Preview of your camera",
    "web.check.mic.title": "Microphone",
    "web.check.mic.pick": "Choose microphone",
    "web.check.mic.level": "Volume",
    "web.check.mic.speak": "Say something – the bar should move.",
    "web.check.mic.ok": "Your microphone works.",
    "web.check.mic.denied": (
        "Access to the microphone was not allowed. Allow it using the symbol next to the address "
        "and reload the page – without a microphone nobody can hear you."
    ),
    "web.check.mic.missing": (
        "We found no microphone. Plug in a headset or use another device – without a microphone "
        "nobody can hear you."
    ),
    "web.check.speaker.title": "Speaker",
    "web.check.speaker.pick": "Choose speaker",
    "web.check.speaker.play": "Play test sound",
    "web.check.speaker.hint": "Play the test sound: you should hear three tones.",
    "web.check.speaker.playing": "Playing the test sound …",
    "web.check.speaker.heard": (
        "Did you hear three tones? Then all is well. If not: turn up the volume or choose another "
        "speaker."
    ),
    "web.check.speaker.failed": (
        "The test sound could not be played. Check the volume and try again."
    ),
    "web.check.net.title": "Connection",
    "web.check.net.waiting_for_devices": "The connection is tested as soon as camera and "
    "microphone are ready.",
    "web.check.net.running": (
        "Testing your connection: we send picture and sound to our server and back. Please wait "
        "about 10 seconds."
    ),
    "web.check.net.done": "The connection test is finished.",
    "web.check.net.rtt": "Response time",
    "web.check.net.loss": "Losses",
    "web.check.net.rate": "Data rate",
    "web.check.net.rtt_value": "{value} ms",
    "web.check.net.loss_value": "{value} %",
    "web.check.net.kbit_value": "{value} kbit/s",
    "web.check.net.mbit_value": "{value} Mbit/s",
    "web.check.net.none": "not measured",
    "web.check.net.again": "Test the connection again",
    "web.verdict.good": "Your connection is good enough for video.",
    "web.verdict.good.advice": "All set.",
    "web.verdict.audio-only": "Your connection is weak. We recommend: sound only.",
    "web.verdict.audio-only.advice": (
        "Your camera therefore stays off at first; you can switch it on during the "
        "consultation. It often gets better closer to the Wi-Fi router or when other videos and "
        "downloads are paused."
    ),
    "web.verdict.poor": "Your connection is too weak for a video consultation.",
    "web.verdict.poor.advice": (
        "Try another Wi-Fi or mobile data, move closer to the router and test again. Or arrange "
        "a phone call instead: {contact}."
    ),
    "web.verdict.unknown": "The connection could not be tested.",
    "web.verdict.unknown.advice": (
        "Check your internet connection and test again. You can continue anyway."
    ),
    "web.verdict.limit": "Too many tests were started from your connection just now.",
    "web.verdict.limit.advice": "Please wait a minute, then test again.",
    "web.check.continue": "Continue to the waiting room",
    "web.check.continue.wait": "The test is still running – it will be ready in a moment.",
    "web.check.continue.good": "All set. You can go to the waiting room now.",
    "web.check.continue.other": (
        "You can go to the waiting room anyway; your advisor will see the test result."
    ),
    # waiting room
    "web.waiting.title": "You are in the waiting room",
    "web.waiting.when": "Your appointment: {date}",
    "web.waiting.self": "Your own picture",
    "web.waiting.connecting": "Connecting to the waiting room …",
    "web.waiting.told": (
        "Your advisor has been told that you are waiting and will let you in shortly."
    ),
    "web.waiting.advisor_left": (
        "Your advisor has left the call for a moment. You are back in the waiting room and will "
        "be let in again shortly."
    ),
    "web.waiting.resume_expired": (
        "The connection was interrupted for a while. You are back in the waiting room."
    ),
    "web.waiting.hint": "Please keep this page open. You do not need to do anything else.",
    "web.waiting.privacy": (
        "While you wait, nobody can see or hear you. Nothing is recorded."
    ),
    "web.waiting.leave": "Leave the waiting room",
    # consultation
    "web.call.title": "Video consultation",
    "web.call.controls": "Call controls",
    "web.call.starting": "Connecting you …",
    "web.call.resuming": "Reconnecting you …",
    "web.call.with": "You are talking with {name}.",
    "web.call.advisor_away": (
        "Your advisor's connection is interrupted. Please wait a moment."
    ),
    "web.call.media_trouble": "Reconnecting picture and sound …",
    "web.call.you": "You",
    "web.call.your_camera_off": "Your camera is off",
    "web.call.nobody": "",
    "web.call.camera_of": "{name}",
    "web.call.screen_of": "Screen of {name}",
    "web.call.no_video": "No picture yet – the consultation is about to start.",
    "web.call.camera_off_by": "{name} has switched off the camera.",
    "web.call.loading": "Loading the picture …",
    "web.call.paused": (
        "Video paused because of a weak connection. You can still hear {name}; the picture comes "
        "back as soon as the connection improves."
    ),
    "web.call.stalled": "No picture from {name} is arriving at the moment (camera off or weak "
    "connection). The sound continues.",
    "web.call.mute": "Mute",
    "web.call.unmute": "Unmute",
    "web.call.camera_off": "Camera off",
    "web.call.camera_on": "Camera on",
    "web.call.switch": "Switch camera",
    "web.call.leave": "Leave the consultation",
    "web.call.sound": "Turn on sound",
    "web.call.self.on": "Microphone and camera are on.",
    "web.call.self.muted": "Your microphone is muted.",
    "web.call.self.camera_off": "Your camera is off.",
    "web.call.self.both_off": "Your microphone is muted and your camera is off.",
    "web.quality.none": "Connection",
    "web.quality.waiting": "measuring …",
    "web.quality.good": "Connection: good",
    "web.quality.fair": "Connection: fair",
    "web.quality.poor": "Connection: weak",
    "web.quality.details": "{loss} % loss, {rtt} ms",
    "web.reconnecting": (
        "The connection was interrupted. We are reconnecting you automatically – please keep "
        "the page open."
    ),
    # end
    "web.end.left.title": "You have left the consultation",
    "web.end.left.text": "Thank you for taking part.",
    "web.end.ended.title": "The consultation has ended",
    "web.end.ended.text": "Your advisor has ended the consultation. Thank you.",
    "web.end.denied.title": "You cannot be let in right now",
    "web.end.denied.text": "Your advisor cannot hold the consultation with you now.",
    "web.end.removed.title": "Your wait has been ended",
    "web.end.removed.text": "Your advisor has ended your wait.",
    "web.end.replaced.title": "The consultation continues in another window",
    "web.end.replaced.text": (
        "You opened the link in another window or on another device. You can close this window."
    ),
    "web.end.withdrawn.title": "Consent withdrawn",
    "web.end.withdrawn.text": "You have withdrawn your consent; your session has ended.",
    "web.end.over.title": "The appointment is over",
    "web.end.over.text": "This appointment has ended; the link no longer works.",
    "web.end.cancelled.title": "The appointment was cancelled",
    "web.end.cancelled.text": "This appointment was cancelled.",
    "web.end.invalid.title": "This access no longer works",
    "web.end.invalid.text": (
        "Please open the link from your e-mail again. If your appointment was moved, use the "
        "link from the newest e-mail."
    ),
    "web.end.early.title": "A little too early",
    "web.end.early.text": "The link opens 30 minutes before the start. Please come back then.",
    "web.end.full.title": "This link is already open on several devices",
    "web.end.full.text": "Please close the consultation on the other devices.",
    "web.end.failed.title": "The connection broke off",
    "web.end.failed.text": (
        "We could not connect you to the server. Please check your internet connection and open "
        "the link from your e-mail again."
    ),
    "web.end.message": "Message from your advisor: “{message}”",
    "web.end.nothing_recorded": "Nothing was recorded.",
    "web.end.contact": "For questions or a new appointment, you can reach us: {contact}.",
    "web.end.rejoin": "Back to the waiting room",
    "web.withdraw.hint": "You no longer want to take part?",
    # public device test
    "web.test.title": "Equipment test for the video consultation",
    "web.test.intro": (
        "Check here at any time, without an appointment, whether your camera, microphone, "
        "speaker and connection are good enough for a video consultation."
    ),
    "web.test.summary.good": (
        "All set. For your appointment, simply open the link from your e-mail."
    ),
    "web.test.summary.other": (
        "Please see the notes above. You can repeat the test at any time."
    ),
    "web.test.privacy": (
        "Picture and sound only go to our server and straight back to you; nothing is stored or "
        "recorded."
    ),
    # advisor console
    "web.console.page_title": "Consultation console",
    "web.console.title": "Your appointments",
    "web.console.whoami": "Signed in as {name}",
    "web.console.login.busy": "Signing you in …",
    "web.console.login.failed": "Wrong username or password.",
    "web.console.login.throttled": (
        "Too many failed attempts. Please wait a few minutes and try again."
    ),
    "web.console.load_failed": "The appointments could not be loaded. Please reload.",
    "web.console.today": "Today",
    "web.console.today_empty": "No appointments today.",
    "web.console.upcoming": "Upcoming",
    "web.console.upcoming_empty": "No further appointments.",
    "web.console.open": "Open consultation room",
    "web.console.reschedule": "Reschedule",
    "web.console.reschedule_submit": "Save new time",
    "web.console.cancel": "Cancel",
    "web.console.cancel_question": (
        "Really cancel this appointment? The person gets an e-mail and the link stops working."
    ),
    "web.console.cancel_yes": "Yes, cancel",
    "web.console.abort": "Never mind",
    "web.console.cancelled": "The appointment “{topic}” was cancelled; the cancellation is sent "
    "by e-mail.",
    "web.console.rescheduled": "The appointment “{topic}” was moved; a new link is sent by "
    "e-mail.",
    "web.console.change_failed": "That did not work. Please try again.",
    "web.console.state.cancelled": "Cancelled",
    "web.console.mail.pending": "Sending e-mail …",
    "web.console.mail.sent": "E-mail sent",
    "web.console.mail.failed": "E-mail could not be delivered",
    "web.console.mail.superseded": "E-mail replaced by a newer one",
    "web.console.create": "New appointment",
    "web.console.create_submit": "Create appointment and send invitation",
    "web.console.creating": "Creating the appointment …",
    "web.console.created": "Appointment created. The invitation to {email} is being sent.",
    "web.console.check_fields": "Please check the marked fields.",
    "web.console.f.topic": "Topic",
    "web.console.f.date": "Date",
    "web.console.f.time": "Time",
    "web.console.f.duration": "Duration (minutes)",
    "web.console.f.client_name": "Citizen's name",
    "web.console.f.client_email": "E-mail address",
    "web.console.f.language": "Language of the invitation",
    "web.console.error.topic": "Please give a topic (at most 200 characters).",
    "web.console.error.start": "Please choose a time in the future (at most one year ahead).",
    "web.console.error.duration_minutes": "Please choose a duration between 5 and 480 minutes.",
    "web.console.error.client_name": "Please give a name (at most 100 characters).",
    "web.console.error.client_email": "Please give a valid e-mail address.",
    "web.console.error.language": "Please choose German or English.",
    "web.console.time_range": "{start}–{end}",
    "web.console.room.no_video": (
        "Nobody in the consultation yet. People waiting are listed under “Waiting room”; "
        "“Let in” starts the consultation."
    ),
    "web.console.back": "Back to the appointments",
    "web.console.room.title": "{topic} – {name}, {time}",
    "web.console.room.devices": "Switching on camera and microphone …",
    "web.console.room.connecting": "Opening the consultation room …",
    "web.console.room.open": (
        "The consultation room is open. People waiting appear under “Waiting room”."
    ),
    "web.console.room.join_failed": "The consultation room could not be opened ({code}).",
    "web.console.room.error": "That did not work ({code}).",
    "web.console.room.replaced": "The consultation room was opened in another window.",
    "web.console.room.waiting": "Waiting room",
    "web.console.room.waiting_count": "({count})",
    "web.console.room.nobody_waiting": "Nobody is waiting yet.",
    "web.console.room.in_call": "In the consultation",
    "web.console.room.nobody_in_call": "Nobody in the consultation yet.",
    "web.console.room.arrived": "{name} is waiting in the waiting room.",
    "web.console.room.since": "waiting since {time}",
    "web.console.room.since_away": "waiting since {time}, connection interrupted",
    "web.console.room.online": "connected",
    "web.console.room.offline": "connection interrupted – may come back",
    "web.console.room.admitting": "Letting {name} in …",
    "web.console.room.denied": "{name} was turned away.",
    "web.console.room.removed": "{name} was removed.",
    "web.console.room.talking": "You are talking with {name}.",
    "web.console.room.partner_weak": (
        "{name} has a weak connection and does not see your video or shared screen at the "
        "moment, but still hears you. The picture comes back by itself."
    ),
    "web.console.room.sharing": "You are sharing your screen.",
    "web.console.room.share_refused": "Screen sharing was not started.",
    "web.console.room.client_left": "The citizen has left the consultation.",
    "web.console.room.ended": "You have ended the consultation.",
    "web.console.room.ended_title": "The consultation has ended",
    "web.console.dc.none": "No equipment test yet",
    "web.console.dc.yes": "yes",
    "web.console.dc.no": "no",
    "web.console.dc.devices": "Camera: {camera}, microphone: {microphone}",
    "web.console.dc.verdict.good": "connection good",
    "web.console.dc.verdict.audio-only": "connection weak – sound only recommended",
    "web.console.dc.verdict.poor": "connection too weak",
    "web.console.dc.verdict.unknown": "connection not tested",
    "web.console.dc.measured": "{rtt} ms, {loss} % loss, {rate} kbit/s",
    "web.console.admit": "Let in",
    "web.console.deny": "Turn away …",
    "web.console.deny_message": "Message to the person (optional)",
    "web.console.deny_submit": "Turn away",
    "web.console.remove": "Remove …",
    "web.console.remove_message": "Message to the person (optional)",
    "web.console.remove_submit": "Remove",
    "web.console.share_start": "Share screen",
    "web.console.share_stop": "Stop sharing",
    "web.console.leave_room": "Leave room",
    "web.console.end": "End consultation",
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
