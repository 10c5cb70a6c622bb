// Report pages: the "Print" buttons are hidden until this script can make them work.
(function () {
  "use strict";

  document.querySelectorAll(".app-print-button").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();
