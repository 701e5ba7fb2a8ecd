/* Runs first, in every browser (ES5, no modules): says what is missing instead of failing
 * silently. The page's module sees `window.vtUnsupported` and stops; a browser too old for
 * modules never runs the module, and this script still explains why. */
(function () {
  "use strict";
  var missing = [];
  var script = document.createElement("script");
  if (!("noModule" in script) || typeof Promise === "undefined") missing.push("modules");
  if (typeof WebSocket === "undefined") missing.push("websocket");
  if (typeof RTCPeerConnection === "undefined") missing.push("webrtc");
  if (!navigator.mediaDevices || typeof navigator.mediaDevices.getUserMedia !== "function") {
    missing.push("media");
  }
  var configNode = document.getElementById("vt-config");
  var config = null;
  try {
    config = JSON.parse(configNode.textContent);
  } catch (e) {
    config = null;
  }
  if (!config) return;
  var texts = config.texts[config.lang] || {};

  function say(key) {
    var value = texts[key] || "";
    var vars = (config.vars && config.vars[config.lang]) || {};
    return value.replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(vars, name) ? vars[name] : whole;
    });
  }

  function show(reasons) {
    var box = document.getElementById("unsupported");
    var app = document.getElementById("app");
    if (!box) return;
    var html = "<h1>" + escape(say("web.compat.title")) + "</h1>";
    html += "<p>" + escape(say("web.compat.text")) + "</p><ul>";
    for (var i = 0; i < reasons.length; i++) {
      html += "<li>" + escape(say("web.compat.missing." + reasons[i])) + "</li>";
    }
    html += "</ul><p>" + escape(say("web.compat.advice")) + "</p>";
    html += "<p>" + escape(say("web.compat.alternative")) + "</p>";
    box.innerHTML = html;
    box.hidden = false;
    box.removeAttribute("hidden");
    if (app) {
      app.hidden = true;
      app.setAttribute("hidden", "");
    }
  }

  function escape(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  if (missing.length) {
    window.vtUnsupported = missing;
    show(missing);
    return;
  }
  // A browser that understands modules but fails to start them (a syntax it lacks): the
  // module marks the page as started; without that mark after a while, explain.
  window.setTimeout(function () {
    if (!document.documentElement.getAttribute("data-started")) show(["start"]);
  }, 8000);
})();
