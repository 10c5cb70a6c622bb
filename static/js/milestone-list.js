// Inline status updates on the milestone list (htmx). Without JavaScript the "Update status"
// links open the full page, so nothing here is needed for the page to work.
(function () {
  "use strict";

  // After htmx swaps a form or a row in, move focus somewhere sensible, so keyboard and
  // screen reader users are not left on an element that no longer exists.
  document.body.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.elt;
    if (!target || !target.isConnected) {
      var id = event.detail.target && event.detail.target.id;
      target = id ? document.getElementById(id) : null;
    }
    if (!target) return;
    var focus = target.querySelector("[data-app-focus]");
    if (focus) {
      // The "Update status" link is in the last column: bring the form's start into view.
      var container = target.closest(".app-table-container");
      if (container) container.scrollLeft = 0;
      focus.focus();
      return;
    }
    var link = target.querySelector("a[hx-get]");
    if (link) link.focus();
  });

  // The server says what was recorded; a polite live region reads it out.
  document.body.addEventListener("statusRecorded", function (event) {
    var region = document.getElementById("status-announcer");
    if (region && event.detail && event.detail.message) {
      region.textContent = event.detail.message;
    }
  });
})();
