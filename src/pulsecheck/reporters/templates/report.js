(function () {
  "use strict";
  var form = document.getElementById("filters");
  if (!form) { return; }
  var table = document.getElementById("findings-table");
  var rows = Array.prototype.slice.call(table.querySelectorAll("tr.finding"));
  var groups = Array.prototype.slice.call(table.querySelectorAll("tbody[data-rule]"));
  var heads = Array.prototype.slice.call(table.querySelectorAll("tbody.stage-head"));
  var shown = document.getElementById("shown");
  var texts = null;
  function apply() {
    var sevs = {};
    Array.prototype.forEach.call(form.querySelectorAll("input[name=sev]"), function (box) {
      sevs[box.value] = box.checked;
    });
    var stage = form.elements.stage.value;
    var rule = form.elements.rule.value;
    var q = form.elements.q.value.toLowerCase();
    if (q && texts === null) {
      texts = rows.map(function (row) { return row.textContent.toLowerCase(); });
    }
    var n = 0;
    var perStage = {};
    groups.forEach(function (g) {
      var gs = g.dataset.stage, gr = g.dataset.rule;
      var inScope = (!stage || gs === stage) && (!rule || gr === rule);
      var visible = 0;
      Array.prototype.forEach.call(g.querySelectorAll("tr.finding"), function (row) {
        var i = +row.dataset.i;
        var ok = inScope && sevs[row.dataset.severity] !== false &&
          (!q || texts[i].indexOf(q) !== -1 || gr.toLowerCase().indexOf(q) !== -1);
        row.classList.toggle("hidden", !ok);
        if (ok) { visible += 1; }
      });
      g.classList.toggle("hidden", visible === 0);
      perStage[gs] = (perStage[gs] || 0) + visible;
      n += visible;
    });
    heads.forEach(function (h) { h.classList.toggle("hidden", !perStage[h.dataset.stage]); });
    shown.textContent = n + " of " + rows.length + " shown";
    shown.dataset.count = String(n);
  }
  rows.forEach(function (row, i) { row.dataset.i = String(i); });
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  apply();
})();
