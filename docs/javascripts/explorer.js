// Model explorer at /models/: sort the table by any column, filter it, and keep the charts in step.
// Rows and charts are HTML from the build; without JavaScript the full table is still there.
(function () {
  "use strict";

  function start() {
    var root = document.querySelector("[data-explorer]");
    if (!root) {
      return;
    }
    var table = root.querySelector("[data-explorer-table]");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    // Read each row's filter keys once, so that a filter touches no layout until it writes.
    var records = rows.map(function (row) {
      return {
        row: row,
        id: row.getAttribute("data-id"),
        collection: row.getAttribute("data-collection"),
        tags: row.getAttribute("data-tags"),
        techniques: row.getAttribute("data-techniques"),
        text: row.getAttribute("data-text"),
        shown: true
      };
    });
    var points = {};
    document.querySelectorAll("[data-explorer-chart] .chart-point").forEach(function (point) {
      var id = point.getAttribute("data-id");
      (points[id] = points[id] || []).push(point);
    });
    var form = root.querySelector("[data-explorer-filters]");
    var count = root.querySelector("[data-explorer-count]");
    var controls = {};
    form.querySelectorAll("[data-filter]").forEach(function (control) {
      controls[control.getAttribute("data-filter")] = control;
    });

    function filter() {
      var words = controls.text.value.toLowerCase().split(/\s+/).filter(Boolean);
      var collection = controls.collection.value;
      var tag = controls.tag.value ? "|" + controls.tag.value + "|" : "";
      var technique = controls.technique.value ? "|" + controls.technique.value + "|" : "";
      var shown = 0;
      for (var i = 0; i < records.length; i++) {
        var r = records[i];
        var keep = (!collection || r.collection === collection) &&
          (!tag || r.tags.indexOf(tag) >= 0) &&
          (!technique || r.techniques.indexOf(technique) >= 0) &&
          words.every(function (word) { return r.text.indexOf(word) >= 0; });
        if (keep !== r.shown) {
          r.shown = keep;
          r.row.hidden = !keep;
          (points[r.id] || []).forEach(function (point) {
            point.classList.toggle("chart-point--filtered", !keep);
          });
        }
        shown += keep ? 1 : 0;
      }
      count.textContent = shown + " of " + records.length + " variants";
    }

    function sortBy(header) {
      var headers = Array.prototype.slice.call(header.parentNode.children);
      var column = headers.indexOf(header);
      var ascending = header.getAttribute("aria-sort") !== "ascending";
      var numeric = header.getAttribute("data-sort") === "number";
      headers.forEach(function (other) { other.setAttribute("aria-sort", "none"); });
      header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var keyed = records.map(function (r, position) {
        var cell = r.row.cells[column];
        var raw = numeric ? cell.getAttribute("data-value") : cell.textContent.trim();
        // Empty figures sort last in either direction.
        var value = numeric ? (raw === "" ? null : parseFloat(raw)) : raw.toLowerCase();
        return { record: r, value: value, position: position };
      });
      keyed.sort(function (a, b) {
        if (a.value === null || b.value === null) {
          return (a.value === null) - (b.value === null) || a.position - b.position;
        }
        var order = a.value < b.value ? -1 : a.value > b.value ? 1 : a.position - b.position;
        return ascending ? order : -order;
      });
      var fragment = document.createDocumentFragment();
      records = keyed.map(function (k) { fragment.appendChild(k.record.row); return k.record; });
      body.appendChild(fragment);
    }

    form.addEventListener("input", filter);
    form.addEventListener("change", filter);
    table.tHead.querySelectorAll("th button").forEach(function (button) {
      button.addEventListener("click", function () { sortBy(button.parentNode); });
    });
    form.hidden = false;
    filter();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
