/* cxm survey widget: shows a survey's public page in a dialog on any website.
 *
 *   <script src="https://cx.example/widget.js" data-survey="demo/post-purchase" async></script>
 *
 * data-survey   "<organization>/<survey code>" (required)
 * data-lang     uk, ru or en (default: the page's <html lang>, else the survey's own choice)
 * data-label    the button's text (default: "Оцініть нас" / "Оцените нас" / "Give feedback")
 * data-open     "button" (default: a button in the corner), "auto" (open at once) or
 *               "manual" (no button; call window.cxmSurvey.open("demo/post-purchase"))
 * data-channel  the response's channel (default "web")
 * data-store, data-order-id, data-campaign ...: hidden fields carried into the response
 *
 * Everything comes from the cxm server that serves this script; nothing from third parties.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var survey = script.getAttribute("data-survey") || "";
  if (!/^[a-z0-9][a-z0-9_-]*\/[a-z0-9][a-z0-9_-]*$/i.test(survey)) {
    if (window.console) console.warn("cxm widget: data-survey must be <organization>/<survey code>");
    return;
  }
  var LABELS = { uk: "Оцініть нас", ru: "Оцените нас", en: "Give feedback" };
  var CLOSE = { uk: "Закрити", ru: "Закрыть", en: "Close" };
  var origin = new URL(script.src, window.location.href).origin;
  var lang = (script.getAttribute("data-lang") || document.documentElement.lang || "").slice(0, 2).toLowerCase();
  var label = script.getAttribute("data-label") || LABELS[lang] || LABELS.uk;
  var params = new URLSearchParams({ via: "widget", channel: script.getAttribute("data-channel") || "web" });
  if (LABELS[lang]) params.set("lang", lang);
  var reserved = { survey: 1, lang: 1, label: 1, open: 1, channel: 1 };
  for (var i = 0; i < script.attributes.length; i++) {
    var name = script.attributes[i].name;
    if (name.indexOf("data-") === 0 && !reserved[name.slice(5)]) {
      params.set(name.slice(5).replace(/-/g, "_"), script.attributes[i].value);
    }
  }
  var url = origin + "/s/" + survey + "?" + params.toString();
  var dialog = null;

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "cxm-survey-dialog";
    dialog.setAttribute("aria-label", label);
    dialog.style.cssText = "padding:0;border:0;border-radius:12px;width:min(32rem,calc(100vw - 1rem));" +
      "height:min(44rem,calc(100vh - 2rem));max-width:100vw;max-height:100vh;overflow:hidden;" +
      "box-shadow:0 10px 40px rgba(0,0,0,.35);background:#fff";
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "\u00d7";
    close.setAttribute("aria-label", CLOSE[lang] || CLOSE.uk);
    close.style.cssText = "position:absolute;top:.25rem;right:.25rem;width:2.75rem;height:2.75rem;" +
      "font-size:1.5rem;border:0;border-radius:50%;background:rgba(255,255,255,.9);cursor:pointer";
    close.addEventListener("click", function () { dialog.close(); });
    var frame = document.createElement("iframe");
    frame.src = url;
    frame.title = label;
    frame.style.cssText = "border:0;width:100%;height:100%;display:block";
    dialog.appendChild(frame);
    dialog.appendChild(close);
    document.body.appendChild(dialog);
  }

  function open() {
    if (!dialog) build();
    if (!dialog.open) dialog.showModal();
  }

  function start() {
    var mode = script.getAttribute("data-open") || "button";
    if (mode === "button") {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "cxm-survey-button";
      button.textContent = label;
      button.style.cssText = "position:fixed;right:1rem;bottom:1rem;z-index:2147483000;" +
        "padding:.75rem 1.1rem;border:0;border-radius:999px;background:#1b4d89;color:#fff;" +
        "font:600 1rem/1.2 system-ui,sans-serif;box-shadow:0 4px 14px rgba(0,0,0,.25);cursor:pointer";
      button.addEventListener("click", open);
      document.body.appendChild(button);
    } else if (mode === "auto") {
      open();
    }
  }

  window.cxmSurvey = window.cxmSurvey || { surveys: {} };
  window.cxmSurvey.surveys[survey] = { open: open, close: function () { if (dialog) dialog.close(); } };
  window.cxmSurvey.open = function (which) { (window.cxmSurvey.surveys[which || survey] || {}).open(); };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
