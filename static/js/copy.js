// Copy buttons: <button data-copy="text">…</button> puts the text on the clipboard and says so briefly.
// Delegated from the document, so buttons swapped in by htmx work too. No inline scripts (CSP).
(function () {
  "use strict";
  if (window.weftCopyReady) return;
  window.weftCopyReady = true;

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    area.remove();
    return ok ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }

  function say(button, text) {
    if (!button.dataset.label) button.dataset.label = button.innerHTML;
    button.textContent = text;
    clearTimeout(button.weftCopyTimer);
    button.weftCopyTimer = setTimeout(function () { button.innerHTML = button.dataset.label; }, 1500);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    event.preventDefault();
    var text = button.getAttribute("data-copy");
    var copy = navigator.clipboard && window.isSecureContext
      ? navigator.clipboard.writeText(text) : fallbackCopy(text);
    var t = window.weftText || function (key, fallback) { return fallback; };
    copy.then(function () { say(button, t("copied", "Copied")); }, function () { say(button, t("pressCtrlC", "Press Ctrl+C")); });
  });
})();
