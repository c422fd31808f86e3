// Draws every chart on the page from the figure JSON that the server put in a
// <script type="application/json"> element (json_script): no inline script, nothing from a CDN.
(function () {
  "use strict";

  function draw(el) {
    var source = document.getElementById(el.dataset.figure);
    if (!source || typeof Plotly === "undefined") {
      return;
    }
    var figure = JSON.parse(source.textContent);
    var config = { displayModeBar: false, displaylogo: false, responsive: true };
    Plotly.newPlot(el, figure.data, figure.layout, config).then(function (gd) {
      // Read by the browser tests, and harmless otherwise.
      el.dataset.drawnTraces = String(gd.data.length);
    });
  }

  function drawAll() {
    document.querySelectorAll("[data-figure]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
