// The script editor: a plain <textarea> (so forms, htmx and assistive tech see an ordinary field) laid over
// a Prism-highlighted copy of its text. Tab indents, Shift+Tab outdents, Escape then Tab leaves the field,
// Ctrl/Cmd+S saves. Works on every [data-code-editor] present at load and added later by htmx.
(function () {
  "use strict";

  function indentUnit(root) { return root.dataset.language === "python" ? "    " : "  "; }

  function paint(root) {
    var input = root.querySelector("textarea");
    var code = root.querySelector("pre code");
    if (!input || !code) return;
    // A trailing newline needs a character after it, or the highlighted copy is one line short.
    var text = input.value + (input.value.endsWith("\n") ? " " : "");
    var grammar = window.Prism && Prism.languages[root.dataset.language];
    if (grammar) {
      code.innerHTML = Prism.highlight(text, grammar, root.dataset.language);
    } else {
      code.textContent = text;
    }
    var gutter = root.querySelector(".weft-code-gutter");
    if (gutter) {
      var lines = input.value.split("\n").length;
      if (gutter.childElementCount !== lines) {
        var out = [];
        for (var i = 1; i <= lines; i++) out.push("<span>" + i + "</span>");
        gutter.innerHTML = out.join("");
      }
    }
    sync(root);
  }

  function sync(root) {
    var input = root.querySelector("textarea");
    var pre = root.querySelector("pre");
    var gutter = root.querySelector(".weft-code-gutter");
    pre.scrollTop = input.scrollTop;
    pre.scrollLeft = input.scrollLeft;
    if (gutter) gutter.scrollTop = input.scrollTop;
  }

  function replaceSelection(input, text, selectStart, selectEnd) {
    input.setRangeText(text, input.selectionStart, input.selectionEnd, "end");
    if (selectStart !== undefined) input.setSelectionRange(selectStart, selectEnd);
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function onKey(root, event) {
    var input = event.target;
    if (event.key === "Escape") { root.dataset.tabLeaves = "1"; return; }
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
      var save = document.querySelector(root.dataset.saveButton || "#script-save");
      if (save && !save.disabled) { event.preventDefault(); save.click(); }
      return;
    }
    if (event.key !== "Tab" || root.dataset.tabLeaves === "1" || input.readOnly) {
      delete root.dataset.tabLeaves;
      return;
    }
    event.preventDefault();
    var unit = indentUnit(root);
    var value = input.value, start = input.selectionStart, end = input.selectionEnd;
    var lineStart = value.lastIndexOf("\n", start - 1) + 1;
    if (start === end && !event.shiftKey) { replaceSelection(input, unit); return; }
    var block = value.slice(lineStart, end);
    var changed = event.shiftKey
      ? block.replace(new RegExp("^ {1," + unit.length + "}", "gm"), "")
      : block.replace(/^/gm, unit);
    input.setSelectionRange(lineStart, end);
    replaceSelection(input, changed, lineStart, lineStart + changed.length);
  }

  function setUp(root) {
    if (root.dataset.ready) return;
    root.dataset.ready = "1";
    var input = root.querySelector("textarea");
    input.addEventListener("input", function () { paint(root); root.dispatchEvent(new CustomEvent("code:changed", { bubbles: true })); });
    input.addEventListener("scroll", function () { sync(root); });
    input.addEventListener("keydown", function (event) { onKey(root, event); });
    paint(root);
  }

  function setUpAll(scope) {
    (scope || document).querySelectorAll("[data-code-editor]").forEach(setUp);
  }

  // "Unsaved changes" marker next to the save button, cleared when the draft is saved.
  document.addEventListener("code:changed", function (event) {
    var marker = document.getElementById(event.target.dataset.dirtyMarker || "script-dirty");
    if (marker) marker.classList.remove("d-none");
  });

  document.addEventListener("DOMContentLoaded", function () { setUpAll(document); });
  document.addEventListener("htmx:afterSettle", function (event) { setUpAll(event.target); });
})();
