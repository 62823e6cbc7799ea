// Draws the overview's charts from the JSON the page carries; the tables beside them hold
// the same numbers for keyboard and screen-reader users.
(function () {
  "use strict";
  var dataNode = document.getElementById("chart-data");
  if (!dataNode || typeof Chart === "undefined") { return; }
  var data = JSON.parse(dataNode.textContent);
  var labels = JSON.parse(document.getElementById("chart-labels").textContent);
  var palette = ["#1f5fa8", "#e07b24", "#2a9d6f", "#c23b5a", "#7a5cc2", "#8c6d31", "#3b8ea5",
                 "#888888"];
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var spec = data[canvas.dataset.chart];
    if (!spec || !spec.labels.length) { return; }
    var kind = canvas.dataset.kind;
    var stacked = kind === "bar" && canvas.dataset.stacked !== "false";
    new Chart(canvas, {
      type: kind,
      data: {
        labels: spec.labels.map(function (l) { return labels[l] || l; }),
        datasets: spec.series.map(function (s, i) {
          return {
            label: labels[s.name] || s.name,
            data: s.values,
            backgroundColor: palette[i % palette.length],
            borderColor: palette[i % palette.length],
            borderWidth: kind === "line" ? 2 : 0,
            pointRadius: 0,
            spanGaps: true,
          };
        }),
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: stacked ? { x: { stacked: true }, y: { stacked: true } } : {},
        plugins: { legend: { position: "bottom" } },
      },
    });
  });
})();
