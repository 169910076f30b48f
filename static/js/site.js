/* Small enhancements; every page works without this file. No inline scripts: the CSP forbids them. */
(function () {
  "use strict";
  // The filter drawer on /jobs is sent open, which is what a browser without scripts shows.
  // Below the large breakpoint it starts closed so the results come first; on a wide screen the
  // filters are a sidebar and always open.
  var narrow = window.matchMedia("(max-width: 991.98px)");
  var drawers = document.querySelectorAll("details.filter-drawer");
  function fit(initial) {
    drawers.forEach(function (drawer) {
      if (!narrow.matches) {
        drawer.open = true;
      } else if (initial) {
        drawer.open = false;
      }
    });
  }
  fit(true);
  narrow.addEventListener("change", function () { fit(false); });
})();
