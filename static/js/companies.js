// Company menu and subscription form glue. No inline scripts (CSP); delegated so htmx swaps keep working.
(function () {
  "use strict";
  if (window.weftCompaniesReady) return;
  window.weftCompaniesReady = true;

  // Opening the company menu puts the cursor in its search box.
  document.addEventListener("shown.bs.dropdown", function (event) {
    var menu = event.target.closest("#company-menu");
    var search = menu && menu.querySelector("#switcher-search");
    if (search) search.focus();
  });

  // The subscription form shows bolt-ons and custom allowances only where the chosen tier uses them.
  function syncSubscription(form) {
    var select = form.querySelector("select[name=tier]");
    if (!select) return;
    var tier = select.value;
    var tiers = JSON.parse(form.getAttribute("data-bolt-on-tiers") || "{}");
    form.querySelectorAll("[data-bolt-on]").forEach(function (box) {
      var applies = (tiers[box.getAttribute("data-bolt-on")] || []).indexOf(tier) !== -1;
      box.classList.toggle("opacity-50", !applies);
      box.querySelectorAll("input").forEach(function (input) { input.disabled = !applies; });
    });
    var custom = form.querySelector("#custom-allowances");
    if (custom) custom.hidden = tier !== "custom";
  }

  function syncAll(root) {
    root.querySelectorAll("form[data-bolt-on-tiers]").forEach(syncSubscription);
  }

  document.addEventListener("change", function (event) {
    var form = event.target.closest("form[data-bolt-on-tiers]");
    if (form && event.target.name === "tier") syncSubscription(form);
  });
  document.addEventListener("DOMContentLoaded", function () { syncAll(document); });
  document.addEventListener("htmx:afterSettle", function (event) { syncAll(event.target); });
})();
