// Variant pages: the list of the collection's variants becomes a select; choosing one opens its page.
// Collection pages: an address of the one-page-per-collection layout (`?variant=NAME`) opens the
// variant's own page. Without JavaScript the list of links does the same job.
(function () {
  "use strict";

  function startSwitcher() {
    var switcher = document.querySelector("[data-variant-switcher]");
    var select = document.querySelector("[data-variant-choice]");
    if (!switcher || !select) {
      return;
    }
    var links = {};
    switcher.querySelectorAll("a[data-variant-link]").forEach(function (link) {
      links[link.getAttribute("data-variant-link")] = link.href;
    });
    var current = select.value;
    select.addEventListener("change", function () {
      var target = links[select.value];
      if (target && select.value !== current) {
        window.location.assign(target);
      }
    });
    select.hidden = false;
    var label = switcher.querySelector("[data-variant-label]");
    if (label) {
      label.hidden = false;
    }
    var list = switcher.querySelector("[data-variant-list]");
    if (list) {
      list.hidden = true;
    }
  }

  function followOldAddress() {
    var table = document.querySelector("[data-variant-links]");
    var asked = new URL(window.location.href).searchParams.get("variant");
    if (!table || !asked) {
      return;
    }
    var keys = JSON.parse(table.getAttribute("data-variant-links"));
    if (!Object.prototype.hasOwnProperty.call(keys, asked)) {
      return;
    }
    var link = table.querySelector('a[data-variant="' + CSS.escape(keys[asked]) + '"]');
    if (link) {
      window.location.replace(link.href);
    }
  }

  function start() {
    startSwitcher();
    followOldAddress();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
