// Variant switcher of collection pages: shows the chosen variant's figures and code, keeps it in the URL.
// Without JavaScript the page shows its first variant, which the HTML already does by itself.
(function () {
  "use strict";

  var PARAMETER = "variant";

  function regions() {
    return document.querySelectorAll(".variant-region[data-variant]");
  }

  function show(variant) {
    regions().forEach(function (region) {
      region.hidden = region.getAttribute("data-variant") !== variant;
    });
  }

  function known(select, variant) {
    return Array.prototype.some.call(select.options, function (option) {
      return option.value === variant;
    });
  }

  function remember(variant, isDefault) {
    var url = new URL(window.location.href);
    if (isDefault) {
      url.searchParams.delete(PARAMETER);
    } else {
      url.searchParams.set(PARAMETER, variant);
    }
    window.history.replaceState(window.history.state, "", url.toString());
  }

  function start() {
    var switcher = document.querySelector("[data-variant-switcher]");
    var select = document.querySelector("[data-variant-choice]");
    if (!switcher || !select) {
      return;
    }
    var first = select.options[0].value;
    var asked = new URL(window.location.href).searchParams.get(PARAMETER);
    var chosen = asked && known(select, asked) ? asked : first;
    select.value = chosen;
    show(chosen);
    switcher.hidden = false;
    var note = document.querySelector("[data-variant-default-note]");
    if (note) {
      note.hidden = true;
    }
    select.addEventListener("change", function () {
      show(select.value);
      remember(select.value, select.value === first);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
