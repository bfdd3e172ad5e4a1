// The map shape's editor: the mapping count, and exporting the mappings as they are in the form (not as saved).
(function () {
  "use strict";
  if (window.WeftMapping) return;
  window.WeftMapping = true;

  function count() {
    var badge = document.getElementById("map-rule-count");
    var list = document.querySelector("#map-rules > [data-row-list]");
    if (badge && list) badge.textContent = String(list.querySelectorAll(":scope > [data-rule]").length);
  }
  document.addEventListener("rows-changed", count);
  document.addEventListener("htmx:afterSwap", count);

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  }

  function fileName(response) {
    var header = response.headers.get("Content-Disposition") || "";
    var match = /filename="([^"]+)"/.exec(header);
    return match ? match[1] : "map.weft-map.json";
  }

  // A sample pasted as the map's source is also what "Try this shape" runs on, unless another was pasted there.
  var mirrored = "";
  document.addEventListener("input", function (event) {
    if (event.target.id !== "map-source-json") return;
    var preview = document.getElementById("sample-json");
    var paste = document.getElementById("sample-paste");
    if (!preview || (preview.value.trim() && preview.value !== mirrored)) return;
    preview.value = mirrored = event.target.value;
    if (paste) paste.checked = true;
    if (window.WeftPanel && window.WeftPanel.edited) window.WeftPanel.edited();
  });

  // After auto-map (or its undo) the summary takes the focus, so keyboard and screen-reader users hear what changed.
  document.addEventListener("htmx:afterSettle", function (event) {
    var elt = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!elt || (elt.id !== "map-automap" && elt.id !== "map-automap-undo")) return;
    var result = document.getElementById("map-automap-result");
    if (result && result.children.length) result.focus();
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-export-map]");
    if (!link) return;
    var form = document.getElementById("step-form");
    // Read-only forms are disabled (their fields would not be sent): the link's own GET exports what is saved.
    if (!form || form.querySelector("fieldset[disabled]")) return;
    event.preventDefault();
    var data = new FormData(form);
    data.delete("map_file");
    fetch(link.dataset.exportMap, { method: "POST", body: data, credentials: "same-origin",
                                    headers: { "X-CSRFToken": csrfToken() } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.blob().then(function (blob) { return { blob: blob, name: fileName(response) }; });
      })
      .then(function (file) {
        var a = document.createElement("a");
        a.href = URL.createObjectURL(file.blob);
        a.download = file.name;
        document.body.appendChild(a);
        a.click();
        a.remove();
        setTimeout(function () { URL.revokeObjectURL(a.href); }, 2000);
      })
      .catch(function () { window.location.href = link.href; });
  });
})();
