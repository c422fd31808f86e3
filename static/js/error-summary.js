// Moves focus to the error summary at the top of a form page after a failed save (GOV.UK
// error summary pattern), so that screen readers announce it and the keyboard starts there.
// A static file: the Content-Security-Policy forbids inline scripts.
(function () {
  "use strict";

  function focusSummary() {
    var summary = document.getElementById("error-summary");
    if (summary) {
      summary.focus();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusSummary);
  } else {
    focusSummary();
  }
})();
