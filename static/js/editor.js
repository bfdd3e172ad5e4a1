// The process flow canvas: drag and drop (SortableJS), the shape drawer, keyboard shortcuts, and keeping the
// draft revision in step between the canvas and the settings panels. The server renders everything; each
// structural change posts the canvas revision and the answer replaces #canvas.
(function () {
  "use strict";

  var editor, selectedId = null, openStepId = null, openPanelUrl = null, panelDirty = false;
  var pendingFrom = null, pendingStep = null, sortables = [];

  function canvas() { return document.getElementById("canvas"); }
  function drawer() { return document.getElementById("drawer"); }
  function revision() { var c = canvas(); return c ? parseInt(c.dataset.revision, 10) : 0; }
  function editable() { var c = canvas(); return c && c.dataset.editable === "1"; }

  function csrfHeaders() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}"); } catch (e) { return {}; }
  }

  // A structural change: POST with the canvas revision, swap the re-rendered canvas in.
  // stepId: the shape whose own settings the change touches (skip, note, paths, delete), "*" for any.
  function post(url, values, stepId) {
    values = values || {};
    values.revision = revision();
    pendingFrom = revision();
    pendingStep = stepId || null;
    editor.classList.add("weft-busy");
    return htmx.ajax("POST", url, { target: "#canvas", swap: "outerHTML", values: values, headers: csrfHeaders() })
      .finally(function () { editor.classList.remove("weft-busy"); });
  }

  function refreshCanvas() {
    var url = editor.dataset.canvasUrl + "?if_revision=" + revision();
    return htmx.ajax("GET", url, { target: "#canvas", swap: "outerHTML" });
  }

  // Where a dropped element sits: the list's path id and its place among the shapes (not hints).
  function placeOf(item, list) {
    var index = 0, node = item.previousElementSibling;
    while (node) {
      if (node.classList.contains("weft-node")) index++;
      node = node.previousElementSibling;
    }
    return { path_id: list.dataset.pathId || "root", index: index };
  }

  function onTrayEnd(evt) {
    if (!evt.to || evt.to === evt.from || !evt.to.classList.contains("weft-list")) return;
    var type = evt.item.dataset.shapeType, place = placeOf(evt.item, evt.to);
    evt.item.remove();
    post(editor.dataset.addUrl, { type: type, path_id: place.path_id, index: place.index });
  }

  function onStepEnd(evt) {
    if (!evt.to || (evt.from === evt.to && evt.oldIndex === evt.newIndex)) return;
    var id = evt.item.dataset.stepId, place = placeOf(evt.item, evt.to);
    post(editor.dataset.moveUrl.replace("__step__", encodeURIComponent(id)), place);
  }

  function initSortables() {
    sortables.forEach(function (s) { s.destroy(); });
    sortables = [];
    if (typeof Sortable === "undefined" || !editable()) return;
    var common = { forceFallback: true, fallbackOnBody: true, fallbackTolerance: 4, animation: 120, swapThreshold: 0.5,
                   filter: "input, textarea, select, .dropdown-menu, .weft-drop-hint", preventOnFilter: false };
    document.querySelectorAll("[data-tray]").forEach(function (list) {
      sortables.push(Sortable.create(list, Object.assign({}, common, {
        group: { name: "flow", pull: "clone", put: false }, sort: false, draggable: ".weft-tray-item", onEnd: onTrayEnd,
      })));
    });
    canvas().querySelectorAll(".weft-list").forEach(function (list) {
      sortables.push(Sortable.create(list, Object.assign({}, common, {
        group: { name: "flow", pull: true, put: true }, draggable: ".weft-node", onEnd: onStepEnd,
      })));
    });
  }

  function nodeOf(id) {
    return id ? canvas().querySelector('.weft-node[data-step-id="' + CSS.escape(id) + '"]') : null;
  }

  function select(id) {
    canvas().querySelectorAll(".weft-selected").forEach(function (el) { el.classList.remove("weft-selected"); });
    selectedId = id;
    var node = nodeOf(id);
    if (node) node.classList.add("weft-selected");
  }

  function openDrawer(title, trigger) {
    var d = drawer();
    d.hidden = false;
    editor.classList.add("weft-drawer-open");
    document.getElementById("drawer-title").textContent = title;
    document.getElementById("drawer-trigger").hidden = !trigger;
    document.getElementById("drawer-body").hidden = !!trigger;
  }

  function closeDrawer() {
    drawer().hidden = true;
    editor.classList.remove("weft-drawer-open");
    openStepId = null;
    document.getElementById("drawer-body").innerHTML = "";
  }

  function openTrigger() {
    select(null);
    openStepId = null;
    openDrawer("Trigger", true);
    var node = document.getElementById("trigger-node");
    if (node) node.scrollIntoView({ block: "center", behavior: "smooth" });
  }

  // After the canvas changed from revision R to R+1 by this page's own action, an open panel still saying R
  // missed only that change. If the change was to another shape (or only moved this one), the panel's form
  // is still right and moves along to R+1. If it touched the open shape's own settings, the panel shows the
  // shape again, or, with unsaved edits in it, keeps R so its save is refused rather than undoing the change.
  function syncPanelRevision() {
    var now = revision(), touched = pendingStep === "*" || (pendingStep && pendingStep === openStepId);
    if (pendingFrom !== null && canvas().dataset.stale !== "1" && now === pendingFrom + 1 && openStepId) {
      if (!touched) {
        drawer().querySelectorAll('input[name="expected_revision"]').forEach(function (input) {
          if (parseInt(input.value, 10) === pendingFrom) input.value = String(now);
        });
      } else if (!panelDirty && openPanelUrl && nodeOf(openStepId)) {
        htmx.ajax("GET", openPanelUrl, { target: "#drawer-body", swap: "innerHTML" });
      }
    }
    pendingFrom = null;
    pendingStep = null;
  }

  function afterCanvas() {
    initSortables();
    if (selectedId && nodeOf(selectedId)) select(selectedId); else selectedId = null;
    if (openStepId && !nodeOf(openStepId)) closeDrawer();
    syncPanelRevision();
    if (window.bootstrap) {
      canvas().querySelectorAll('[data-bs-toggle="tooltip"]').forEach(function (el) { bootstrap.Tooltip.getOrCreateInstance(el); });
    }
  }

  function addFromTray(type) {
    var values = { type: type, path_id: "root", index: 100000 };
    var node = nodeOf(selectedId);
    if (node && node.parentElement && node.parentElement.classList.contains("weft-list")) {
      var place = placeOf(node, node.parentElement);
      values.path_id = place.path_id;
      values.index = place.index + 1;
    }
    post(editor.dataset.addUrl, values);
  }

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  function modalOpen() { return document.querySelector(".modal.show, .offcanvas.show"); }

  function onKey(evt) {
    if (evt.key === "Escape") {
      if (!modalOpen() && !drawer().hidden) { closeDrawer(); evt.preventDefault(); }
      return;
    }
    if (typing(evt.target) || modalOpen() || !editable()) return;
    if (evt.key === "Delete" && selectedId) {
      var node = nodeOf(selectedId);
      if (!node) return;
      var label = node.querySelector(".weft-step-label");
      var t = window.weftText || function (key, fallback) { return fallback; };
      var name = label ? label.textContent : t("thisShape", "this shape");
      if (window.confirm(t("deleteShape", "Delete “{name}”? Undo (Ctrl+Z) brings it back.").replace("{name}", name))) {
        post(node.dataset.deleteUrl, {}, selectedId);
      }
      evt.preventDefault();
    } else if ((evt.ctrlKey || evt.metaKey) && !evt.shiftKey && (evt.key === "z" || evt.key === "Z")) {
      var undo = document.getElementById("undo-button");
      if (undo && !undo.disabled) undo.click();
      evt.preventDefault();
    }
  }

  function onClick(evt) {
    var open = evt.target.closest("[data-step-open]");
    if (open && canvas().contains(open)) {
      var node = open.closest(".weft-node");
      select(node.dataset.stepId);
      openStepId = node.dataset.stepId;
      openPanelUrl = open.getAttribute("hx-get");
      panelDirty = false;
      openDrawer(open.dataset.title || "Shape", false);
      return;
    }
    if (evt.target.closest("[data-trigger-open]") || evt.target.closest("#return-to-trigger")) {
      openTrigger();
      return;
    }
    if (evt.target.closest("#drawer-close")) { closeDrawer(); return; }
    var tray = evt.target.closest(".weft-tray-item");
    if (tray && editable()) addFromTray(tray.dataset.shapeType);
  }

  function init() {
    editor = document.getElementById("flow-editor");
    if (!editor) return;
    document.addEventListener("click", onClick);
    document.addEventListener("keydown", onKey);
    document.body.addEventListener("htmx:afterSwap", function (evt) {
      var target = evt.detail.target;
      if (target && target.id === "canvas") afterCanvas();
      else if (canvas() && evt.detail.elt === canvas()) afterCanvas();
      var body = document.getElementById("drawer-body");
      // An outerHTML swap detaches its target: a button still in the drawer (auto-map) says where it happened.
      var inBody = target && body && (target === body || body.contains(target) || body.contains(evt.detail.elt));
      if (inBody && evt.detail.xhr && evt.detail.xhr.status === 200) {
        panelDirty = false;  // a fresh panel, or one just saved; a 422 keeps the unsaved edits it shows
      }
    });
    var body = document.getElementById("drawer-body");
    if (body) {
      body.addEventListener("input", function () { panelDirty = true; });
      body.addEventListener("change", function () { panelDirty = true; });
    }
    // A panel or a settings form saved something: the canvas shows summaries and marks that may have changed.
    // Marked before the request, because a form that swaps itself is detached by the time it completes.
    var fromPanels = new WeakSet();
    document.body.addEventListener("htmx:beforeRequest", function (evt) {
      var target = evt.detail.target, elt = evt.detail.elt, verb = evt.detail.requestConfig && evt.detail.requestConfig.verb;
      if (target && target.id === "canvas" && verb === "post" && elt && elt !== canvas()) {
        pendingFrom = revision();
        var node = elt.closest(".weft-node");
        pendingStep = elt.id === "undo-button" ? "*" : (node ? node.dataset.stepId : null);
      }
      var panel = document.getElementById("drawer"), settings = document.getElementById("settings-drawer");
      if (verb !== "get" && elt && ((panel && panel.contains(elt)) || (settings && settings.contains(elt)))) {
        fromPanels.add(evt.detail.xhr);
      }
    });
    document.body.addEventListener("htmx:afterRequest", function (evt) {
      var xhr = evt.detail.xhr;
      if (xhr && fromPanels.has(xhr) && xhr.status < 500) refreshCanvas();
    });
    afterCanvas();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
