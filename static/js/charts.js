/*
 * Draws every chart on the page: each [data-chart] element names the json_script element
 * holding its Plotly figure ({data, layout, config} from metrics/charts.py).
 * plotly.js is loaded before this file as its own cached static file; if it failed to load,
 * nothing happens and the tables beside the charts still carry every figure.
 */
(function () {
  "use strict";

  function draw() {
    var Plotly = window.Plotly;
    if (!Plotly || typeof Plotly.newPlot !== "function") {
      return;
    }
    var elements = document.querySelectorAll("[data-chart]");
    Array.prototype.forEach.call(elements, function (element) {
      var source = document.getElementById(element.getAttribute("data-chart"));
      if (!source) {
        return;
      }
      var figure;
      try {
        figure = JSON.parse(source.textContent);
      } catch (error) {
        return;
      }
      var config = figure.config || {};
      config.responsive = true;
      Plotly.newPlot(element, figure.data || [], figure.layout || {}, config);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
