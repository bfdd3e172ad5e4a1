// Weft's small browser glue: htmx settings, error toasts, live-log de-duplication and charts.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    // Swap 422 (a form with errors) like a success; every other 4xx/5xx raises a toast instead.
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "422", swap: true },
      { code: "[45]..", swap: false, error: true },
    ];
    drawCharts(document);
  });

  // Translated texts for every script: the layout's #weft-texts JSON; the English fallback otherwise.
  var texts = null;
  window.weftText = function (key, fallback) {
    if (texts === null) {
      var node = document.getElementById("weft-texts");
      try { texts = node ? JSON.parse(node.textContent) : {}; } catch (e) { texts = {}; }
    }
    return texts[key] || fallback;
  };

  // The toasts' texts come translated from the layout (data-* on #toasts); the English ones are the fallback.
  function text(key, fallback) {
    var box = document.getElementById("toasts");
    return (box && box.dataset[key]) || fallback;
  }

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : "";
    toast(status ? text("failedStatus", "The request failed ({status}). Please try again.").replace("{status}", status)
                 : text("failed", "The request failed. Please try again."));
  });
  document.addEventListener("htmx:sendError", function () {
    toast(text("offline", "Weft could not be reached. Check your connection and try again."));
  });

  // A reconnecting stream may resend rows the page already has: skip those by id. A step row the page
  // has (runs/_step_row.html, id "step-<n>") is replaced in place instead; a new one is appended by htmx.
  document.addEventListener("htmx:sseBeforeMessage", function (event) {
    var id = event.detail && event.detail.lastEventId;
    if (event.detail.type === "log" && id && document.getElementById("log-" + id)) {
      event.preventDefault();
    }
    if (event.detail.type === "step") {
      var empty = document.getElementById("steps-empty");
      if (empty) empty.remove();
      var parsed = document.createElement("template");
      parsed.innerHTML = String(event.detail.data).trim();
      var row = parsed.content.firstElementChild;
      var shown = row && row.id ? document.getElementById(row.id) : null;
      if (shown) {
        shown.replaceWith(row);
        event.preventDefault();
      }
    }
  });

  // Chromium allows 6 HTTP/1.1 connections per host, so a 7th open run page with a live stream would
  // stall every page of the app: a hidden run page closes its stream, and reopens it when shown again,
  // from the last log row it has (`after=`, what Last-Event-ID says; the server takes either).
  document.addEventListener("visibilitychange", function () {
    var live = document.getElementById("run-live");
    var source = liveSource(live);
    if (!source || live.dataset.streamDone) return;
    if (document.hidden) { source.close(); return; }
    if (source.readyState !== EventSource.CLOSED) return;
    live.setAttribute("sse-connect", resumeUrl(live));
    // The sse extension's own reconnect (its error handler on a closed source) builds a new source from
    // sse-connect and re-attaches every sse-swap and sse:* listener of the page; nothing public does that.
    source.onerror(new Event("error"));
  });
  document.addEventListener("htmx:sseOpen", function (event) {
    if (document.hidden && event.target.id === "run-live") event.detail.source.close();  // a retry opened it
  });
  document.addEventListener("htmx:sseClose", function (event) {
    if (event.detail.type === "message") event.target.dataset.streamDone = "1";  // sse-close: the run ended
  });

  function liveSource(live) {
    var data = live && live["htmx-internal-data"];
    return data && data.sseEventSource;
  }

  function resumeUrl(live) {
    var url = new URL(live.getAttribute("sse-connect"), window.location.href);
    var last = parseInt(url.searchParams.get("after") || "0", 10) || 0;
    document.querySelectorAll("#log-rows [data-log-id]").forEach(function (row) {
      last = Math.max(last, parseInt(row.dataset.logId, 10) || 0);
    });
    url.searchParams.set("after", String(last));
    return url.pathname + url.search;
  }

  document.addEventListener("htmx:afterSettle", function (event) { drawCharts(event.target); });

  function toast(message) {
    var box = document.getElementById("toasts");
    if (!box) return;
    var el = document.createElement("div");
    el.className = "toast align-items-center text-bg-danger border-0 show";
    el.setAttribute("role", "alert");
    el.innerHTML = '<div class="d-flex"><div class="toast-body"></div>' +
      '<button type="button" class="btn-close btn-close-white me-2 m-auto" data-bs-dismiss="toast"></button></div>';
    el.querySelector(".toast-body").textContent = message;
    box.appendChild(el);
    setTimeout(function () { el.remove(); }, 8000);
  }

  var STATUS_COLOURS = { success: "#198754", failure: "#dc3545", partial: "#ffc107", stopped: "#212529",
                         running: "#0d6efd", queued: "#6c757d" };

  var PALETTE = ["#0d6efd", "#6f42c1", "#20c997", "#fd7e14", "#d63384", "#0dcaf0", "#6c757d", "#198754"];

  function drawCharts(root) {
    if (typeof Chart === "undefined") return;
    root.querySelectorAll("canvas.weft-chart:not([data-drawn])").forEach(function (canvas) {
      var spec = JSON.parse(canvas.dataset.chart);
      canvas.dataset.drawn = "1";
      if (spec.type === "runs-per-day") {
        var datasets = Object.keys(spec.series).map(function (status, i) {
          // Series other than run statuses (the usage page's sources) take a colour by their place.
          return { label: status, data: spec.series[status],
                   backgroundColor: STATUS_COLOURS[status] || PALETTE[i % PALETTE.length] };
        });
        new Chart(canvas, {
          type: "bar",
          data: { labels: spec.labels.map(function (d) { return d.slice(5); }), datasets: datasets },
          options: { responsive: true, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true,
                     ticks: { precision: 0 } } } },
        });
      }
    });
  }
})();
