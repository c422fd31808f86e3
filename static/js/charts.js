// Draws every chart on the page from the figure JSON that the server put in a
// <script type="application/json"> element (json_script): no inline script, nothing from a CDN.
//
// One chart per task, those in view first, after the page's text and tables have been painted:
// drawing all of a report's charts in one go blocked the main thread for seconds on a phone
// (issue 15). Every chart is still drawn, so a printed page has them all.
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

  function inView(el) {
    var box = el.getBoundingClientRect();
    return box.bottom > 0 && box.top < window.innerHeight;
  }

  function drawAll() {
    var charts = Array.prototype.slice.call(document.querySelectorAll("[data-figure]"));
    var first = charts.filter(inView);
    var queue = first.concat(charts.filter(function (el) { return first.indexOf(el) < 0; }));
    function next() {
      if (queue.length) {
        draw(queue.shift());
        setTimeout(next, 0);
      }
    }
    // After the next paint: the text and data tables show before any chart is drawn.
    window.requestAnimationFrame(function () { setTimeout(next, 0); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
