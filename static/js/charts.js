// Draws every chart on the page from the figure JSON that the server put in a
// <script type="application/json"> element (json_script): no inline script, nothing from a CDN.
//
// plotly.js (1.2 MB) is fetched and parsed only once the reader does something on the page
// (moves the pointer, scrolls, touches, presses a key, prints) or 5 seconds after it has
// loaded, whichever comes first: parsing it while the page loaded blocked a phone's main thread
// for over a second (issue 15). Until then each chart's data table, beside it, shows the same
// numbers. Charts are then drawn one per task, those in view first, so that every chart is drawn
// (a printed page has them all) without one long task.
(function () {
  "use strict";

  var PLOTLY = document.currentScript && document.currentScript.dataset.plotly;
  var READER_EVENTS = ["pointerdown", "pointermove", "touchstart", "keydown", "scroll", "wheel", "focusin"];
  var started = false;

  function draw(el) {
    var source = document.getElementById(el.dataset.figure);
    if (!source || typeof Plotly === "undefined" || el.dataset.drawnTraces) {
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
    next();
  }

  function start() {
    if (started) {
      return;
    }
    started = true;
    READER_EVENTS.forEach(function (name) {
      window.removeEventListener(name, start, true);
    });
    if (typeof Plotly !== "undefined" || !PLOTLY) {
      drawAll();
      return;
    }
    var script = document.createElement("script");
    script.src = PLOTLY;
    script.onload = drawAll;
    document.head.appendChild(script);
  }

  if (!document.querySelector("[data-figure]")) {
    return;
  }
  READER_EVENTS.forEach(function (name) {
    window.addEventListener(name, start, { capture: true, passive: true });
  });
  // Printing draws what it can at once (plotly.js already parsed), and starts the rest.
  window.addEventListener("beforeprint", function () {
    if (typeof Plotly !== "undefined") {
      document.querySelectorAll("[data-figure]").forEach(draw);
    }
    start();
  });
  function later() {
    setTimeout(start, 5000);
  }
  if (document.readyState === "complete") {
    later();
  } else {
    window.addEventListener("load", later);
  }
})();
