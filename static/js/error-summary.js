// Moves focus to the error summary at the top of a form page after a failed save (GOV.UK
// error summary pattern), so that screen readers announce it and the keyboard starts there.
// A static file: the Content-Security-Policy forbids inline scripts.
(function () {
  "use strict";

  // A link to a field moves focus to the field and scrolls its row's heading (the fieldset's
  // legend: the KPI's code and name), or its label, into view with it, rather than leaving the field at the
  // very top of the window with its name and label above the fold (GOV.UK's pattern).
  function goToField(event) {
    var link = event.target.closest("a");
    if (!link || link.hash.length < 2) {
      return;
    }
    var field = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!field) {
      return;
    }
    event.preventDefault();
    // The row (a fieldset) or the field's paragraph with its label, from the top.
    var row = field.closest("fieldset") || field.closest("p");
    (row || field).scrollIntoView();
    if (field.getBoundingClientRect().bottom > window.innerHeight) {
      field.scrollIntoView({ block: "center" }); // a row taller than the window: the field first
    }
    field.focus({ preventScroll: true });
    history.replaceState(null, "", link.hash);
  }

  function focusSummary() {
    var summary = document.getElementById("error-summary");
    if (summary) {
      summary.addEventListener("click", goToField);
      summary.focus();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusSummary);
  } else {
    focusSummary();
  }
})();
