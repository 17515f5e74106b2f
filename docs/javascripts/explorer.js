// Model explorer at /models/: sort the table by any column, filter it, and keep the charts in step.
// Rows and charts are HTML from the build; without JavaScript the full table is still there.
// Laying out a table costs time in proportion to its visible rows (about a quarter of a millisecond
// each, measured by bench/site.py), so a filter shows the first ROWS_SHOWN matches and answers
// within a frame at any size; "Show more" adds MORE_ROWS at a time.
(function () {
  "use strict";

  var ROWS_SHOWN = 25;
  var MORE_ROWS = 100;
  // Chart points that change per animation frame; a cleared filter at 1,000 variants spreads over a few.
  var POINTS_PER_FRAME = 100;
  // The ranges a reader narrows by: each row's `data-NAME`, each form's `min-NAME` and `max-NAME` fields.
  var RANGES = ["params", "flops", "side", "top1", "latency", "throughput", "gpu"];

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
        // JSON lists: a tag or technique may hold any character.
        tags: JSON.parse(row.getAttribute("data-tags")),
        techniques: JSON.parse(row.getAttribute("data-techniques")),
        text: row.getAttribute("data-text"),
        licence: row.getAttribute("data-licence"),
        // Ranges: an empty attribute (no top-1 or speed known) never meets a bound.
        values: RANGES.map(function (name) { return number(row.getAttribute("data-" + name)); }),
        match: true,
        visible: !row.hidden,
        plotted: true
      };
    });
    var limit = ROWS_SHOWN;
    var points = {};
    document.querySelectorAll("[data-explorer-chart] .chart-point").forEach(function (point) {
      var id = point.getAttribute("data-id");
      (points[id] = points[id] || []).push(point);
    });
    var form = root.querySelector("[data-explorer-filters]");
    var count = root.querySelector("[data-explorer-count]");
    var more = root.querySelector("[data-explorer-more]");
    var controls = {};
    form.querySelectorAll("[data-filter]").forEach(function (control) {
      controls[control.getAttribute("data-filter")] = control;
    });

    // A number from an attribute or a field; null for an empty or unreadable one (no bound, or no value).
    function number(text) {
      var value = text === null || text === "" ? NaN : Number(text);
      return isNaN(value) ? null : value;
    }

    // Each range's bounds, [minimum, maximum], null where a field is empty or the page has no such field.
    function bounds() {
      return RANGES.map(function (name) {
        return ["min-", "max-"].map(function (side) {
          var control = controls[side + name];
          return control ? number(control.value) : null;
        });
      });
    }

    function within(values, limits) {
      for (var k = 0; k < limits.length; k++) {
        var low = limits[k][0], high = limits[k][1], value = values[k];
        if ((low !== null || high !== null) &&
            (value === null || (low !== null && value < low) || (high !== null && value > high))) {
          return false;
        }
      }
      return true;
    }

    function filter() {
      var words = controls.text.value.toLowerCase().split(/\s+/).filter(Boolean);
      var collection = controls.collection.value;
      var tag = controls.tag.value;
      var technique = controls.technique.value;
      var licence = controls.licence.value;
      var limits = bounds();
      for (var i = 0; i < records.length; i++) {
        var r = records[i];
        r.match = (!collection || r.collection === collection) &&
          (!tag || r.tags.indexOf(tag) >= 0) &&
          (!technique || r.techniques.indexOf(technique) >= 0) &&
          (!licence || r.licence === licence) &&
          within(r.values, limits) &&
          words.every(function (word) { return r.text.indexOf(word) >= 0; });
      }
      limit = ROWS_SHOWN;
      render();
      schedulePoints();
    }

    // Shows the first `limit` matching rows in table order; only rows that change are touched.
    function render() {
      var matches = 0;
      for (var i = 0; i < records.length; i++) {
        var r = records[i];
        var visible = r.match && matches < limit;
        matches += r.match ? 1 : 0;
        if (visible !== r.visible) {
          r.visible = visible;
          r.row.hidden = !visible;
        }
      }
      var shown = Math.min(matches, limit);
      count.textContent = (shown < matches ? "showing " + shown + " of " : "") + matches + " of " +
        records.length + " variants";
      more.hidden = shown >= matches;
      more.textContent = "Show " + Math.min(MORE_ROWS, matches - shown) + " more";
    }

    var pending = 0;
    function schedulePoints() {
      if (!pending) {
        pending = window.requestAnimationFrame(updatePoints);
      }
    }

    // Chart points follow the filter in the frames after the table, a bounded number per frame.
    function updatePoints() {
      pending = 0;
      var changed = 0;
      for (var i = 0; i < records.length && changed < POINTS_PER_FRAME; i++) {
        var r = records[i];
        if (r.plotted !== r.match) {
          r.plotted = r.match;
          changed += 1;
          (points[r.id] || []).forEach(function (point) {
            point.classList.toggle("chart-point--filtered", !r.match);
          });
        }
      }
      if (changed >= POINTS_PER_FRAME) {
        schedulePoints();
      }
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
      render();
    }

    // The filters never submit (the sanitizer removes inline handlers, so this is done here).
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.addEventListener("input", filter);
    form.addEventListener("change", filter);
    more.addEventListener("click", function () {
      limit += MORE_ROWS;
      render();
    });
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
