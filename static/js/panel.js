// Shape settings panels: repeatable rows, reordering, the field picker, the live preview and 404/409 swaps.
// The panel may be loaded many times into the canvas drawer, so everything is delegated from document once.
(function () {
  "use strict";
  if (window.WeftPanel) return;
  window.WeftPanel = { version: 1 };

  var previewTimer = null;

  function inPanel(el) {
    return el && el.closest && (el.closest("#step-form") || el.closest("#preview-sample"));
  }

  // Any edit in the form (or the sample) asks the preview to run again, once typing pauses.
  function edited() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(function () {
      if (document.getElementById("preview-result") && window.htmx) htmx.trigger(document.body, "panel-edited");
    }, 450);
  }
  window.WeftPanel.edited = edited;

  ["input", "change"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      if (event.target.type === "file") return;
      if (inPanel(event.target)) edited();
    });
  });

  function child(box, selector) {
    return Array.prototype.find.call(box.children, function (c) { return c.matches(selector); });
  }

  function addRow(box) {
    var template = child(box, "template[data-row-template]");
    var list = child(box, "[data-row-list]");
    if (!template || !list) return;
    var next = parseInt(box.dataset.next || "0", 10);
    box.dataset.next = String(next + 1);
    var holder = document.createElement("div");
    holder.innerHTML = template.innerHTML.split(box.dataset.placeholder || "__i__").join(String(next));
    var row = holder.firstElementChild;
    if (!row) return;
    list.appendChild(row);
    if (window.htmx) htmx.process(row);
    var first = row.querySelector("input:not([type=hidden]), select, textarea");
    if (first) first.focus();
    changed(box);
  }

  function changed(box) {
    box.dispatchEvent(new CustomEvent("rows-changed", { bubbles: true }));
    edited();
  }

  function sibling(row, up) {
    var el = up ? row.previousElementSibling : row.nextElementSibling;
    while (el && !el.matches("[data-row]")) el = up ? el.previousElementSibling : el.nextElementSibling;
    return el;
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target.closest) return;
    if (picker && !picker.hidden && !target.closest(".weft-picker") && !target.closest("[data-pick]")) closePicker(false);
    var add = target.closest("[data-add-row]");
    if (add && inPanel(add)) {
      addRow(add.closest("[data-rows]"));
      return;
    }
    var remove = target.closest("[data-remove-row]");
    if (remove && inPanel(remove)) {
      if (remove.dataset.confirm && !window.confirm(remove.dataset.confirm)) return;
      var row = remove.closest("[data-row]");
      var box = row.closest("[data-rows]");
      var focusAfter = sibling(row, false) || sibling(row, true);
      row.remove();
      var next = focusAfter && focusAfter.querySelector("input:not([type=hidden]), select");
      (next || child(box, "[data-add-row]")).focus();
      changed(box);
      return;
    }
    var move = target.closest("[data-move]");
    if (move && inPanel(move)) {
      var moving = move.closest("[data-row]");
      var up = move.dataset.move === "up";
      var other = sibling(moving, up);
      if (!other) return;
      moving.parentNode.insertBefore(up ? moving : other, up ? other : moving);
      move.focus();
      changed(moving.closest("[data-rows]"));
      return;
    }
    var pick = target.closest("[data-pick]");
    if (pick && inPanel(pick)) {
      openPicker(pick);
    }
  });

  // --- the field picker: the paths of the sample (a <datalist>), searchable, with example values ----------
  var picker = null;
  var pickerInput = null;

  // The picker lives inside the panel, so it scrolls with the drawer and goes away when the panel is replaced.
  function buildPicker(host) {
    picker = document.createElement("div");
    picker.className = "weft-picker card shadow";
    picker.hidden = true;
    picker.setAttribute("role", "dialog");
    var t = window.weftText || function (key, fallback) { return fallback; };
    picker.setAttribute("aria-label", t("pickField", "Pick a field"));
    picker.innerHTML = '<div class="card-body p-2">' +
      '<input type="search" class="form-control form-control-sm mb-2">' +
      '<div class="weft-picker-list list-group list-group-flush" role="listbox"></div>' +
      '<p class="small text-body-secondary mb-0 mt-1 weft-picker-empty"></p></div>';
    var search = picker.querySelector("input");
    search.placeholder = t("searchFields", "Search fields");
    search.setAttribute("aria-label", t("searchFields", "Search fields"));
    host.appendChild(picker);
    search.addEventListener("input", fillPicker);
    picker.addEventListener("keydown", pickerKeys);
    picker.addEventListener("click", function (event) {
      var item = event.target.closest("[data-path]");
      if (item) choose(item.dataset.path);
    });
  }

  function options() {
    var list = pickerInput && document.getElementById(pickerInput.getAttribute("list"));
    if (!list) return [];
    return Array.prototype.map.call(list.options, function (o) { return { path: o.value, label: o.label || "" }; });
  }

  function fillPicker() {
    var query = picker.querySelector("input").value.trim().toLowerCase();
    var box = picker.querySelector(".weft-picker-list");
    var all = options();
    var shown = all.filter(function (o) { return !query || o.path.toLowerCase().indexOf(query) !== -1; }).slice(0, 200);
    box.innerHTML = "";
    shown.forEach(function (o) {
      var item = document.createElement("button");
      item.type = "button";
      item.className = "list-group-item list-group-item-action py-1 px-2 d-flex justify-content-between gap-2";
      item.setAttribute("role", "option");
      item.dataset.path = o.path;
      var path = document.createElement("span");
      path.className = "font-monospace small text-break";
      path.textContent = o.path;
      var example = document.createElement("span");
      example.className = "small text-body-secondary text-truncate";
      example.textContent = o.label;
      item.appendChild(path);
      item.appendChild(example);
      box.appendChild(item);
    });
    var t = window.weftText || function (key, fallback) { return fallback; };
    picker.querySelector(".weft-picker-empty").textContent = all.length === 0
      ? t("noFields", "No fields are known yet: run the flow once, or paste sample JSON under \u201cTry this shape\u201d. You can always type a path.")
      : (shown.length === 0 ? t("noFieldMatch", "No field matches; you can type the path in the box.") : "");
  }

  function openPicker(button) {
    var host = button.closest(".weft-step-panel") || document.body;
    if (!picker || !host.contains(picker)) {
      if (picker) picker.remove();
      buildPicker(host);
    }
    pickerInput = button.closest(".input-group").querySelector("input");
    var rect = button.closest(".input-group").getBoundingClientRect();
    var box = host.getBoundingClientRect();
    picker.style.top = (rect.bottom - box.top + 2) + "px";
    picker.style.left = Math.max(0, Math.min(rect.left - box.left, box.width - 352)) + "px";
    picker.querySelector("input").value = "";
    fillPicker();
    picker.hidden = false;
    picker.querySelector("input").focus();
  }

  function closePicker(refocus) {
    if (!picker || picker.hidden) return;
    picker.hidden = true;
    if (refocus && pickerInput) pickerInput.focus();
  }

  function choose(path) {
    if (!pickerInput) return;
    var current = pickerInput.value.trim();
    if (pickerInput.hasAttribute("data-multi") && current) {
      pickerInput.value = current.replace(/[\s,]+$/, "") + ", " + path;
    } else {
      pickerInput.value = path;
    }
    pickerInput.dispatchEvent(new Event("input", { bubbles: true }));
    pickerInput.dispatchEvent(new Event("change", { bubbles: true }));
    closePicker(true);
  }

  function pickerKeys(event) {
    var items = Array.prototype.slice.call(picker.querySelectorAll("[data-path]"));
    var index = items.indexOf(document.activeElement);
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation(); // the picker closes, not the drawer around it
      closePicker(true);
    } else if (event.key === "ArrowDown" && items.length) {
      event.preventDefault();
      items[Math.min(index + 1, items.length - 1)].focus();
    } else if (event.key === "ArrowUp" && items.length) {
      event.preventDefault();
      if (index <= 0) picker.querySelector("input").focus(); else items[index - 1].focus();
    } else if (event.key === "Enter" && event.target.matches("input") && items.length) {
      event.preventDefault();
      choose(items[0].dataset.path);
    }
  }

  window.addEventListener("resize", function () { closePicker(false); });

  // A stale draft (409) and a vanished shape (404) come back as panel content meant to be shown, not as errors.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && (xhr.status === 409 || xhr.status === 404) && xhr.getResponseHeader("Weft-Panel")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target && event.target.id === "step-form") closePicker(false);
  });
})();
