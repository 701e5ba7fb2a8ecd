// The public device-test page: the same checks as before a consultation, without an
// appointment. The server limits how often one address may run the connection test.

import {DeviceCheck} from "./devicecheck.js";
import {initLanguage, setText} from "./i18n.js";
import {$} from "./ui.js";

function start() {
  initLanguage();
  const check = new DeviceCheck({onDone: (result) => {
    const verdict = result ? result.verdict : "unknown";
    setText($("test-summary"), verdict === "good" ? "web.test.summary.good"
      : "web.test.summary.other");
  }});
  $("dc-retest").addEventListener("click", () => check.retest());
  window.videotermin = {check};
  check.run();
}

if (!window.vtUnsupported) start();
