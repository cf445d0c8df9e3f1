(function () {
  "use strict";
  var form = document.getElementById("filters");
  if (!form) { return; }
  var rows = Array.prototype.slice.call(document.querySelectorAll("#findings-table tr.finding"));
  var shown = document.getElementById("shown");
  function apply() {
    var sevs = {};
    Array.prototype.forEach.call(form.querySelectorAll("input[name=sev]"), function (box) {
      sevs[box.value] = box.checked;
    });
    var stage = form.elements.stage.value;
    var q = form.elements.q.value.toLowerCase();
    var n = 0;
    rows.forEach(function (row) {
      var ok = sevs[row.dataset.severity] !== false &&
        (!stage || row.parentNode.dataset.stage === stage) &&
        (!q || row.textContent.toLowerCase().indexOf(q) !== -1);
      row.classList.toggle("hidden", !ok);
      if (ok) { n += 1; }
    });
    shown.textContent = n + " of " + rows.length + " shown";
  }
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  apply();
})();
