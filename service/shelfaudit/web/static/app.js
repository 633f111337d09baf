// ShelfAudit review UI: keyboard shortcuts and overlay toggles. No framework, no build step.
(function () {
  "use strict";

  var NOT_TYPING = ["checkbox", "radio", "button", "submit", "reset"];

  function typing(event) {
    var t = event.target;
    if (!t) { return false; }
    if (t.tagName === "INPUT") { return NOT_TYPING.indexOf(t.type) < 0; }
    return t.tagName === "SELECT" || t.tagName === "TEXTAREA";
  }

  function follow(rel) {
    var link = document.querySelector('a[rel="' + rel + '"]');
    if (link) { window.location.href = link.href; }
  }

  // Queue: j/k move the highlight, o or Enter opens, x selects a clean item.
  function queueKeys() {
    var rows = Array.prototype.slice.call(document.querySelectorAll("table.queue tbody tr[data-href]"));
    var current = rows.length ? 0 : -1;
    function show() {
      rows.forEach(function (row, i) { row.classList.toggle("current", i === current); });
      if (current >= 0) { rows[current].scrollIntoView({ block: "nearest" }); }
    }
    show();
    rows.forEach(function (row, i) {
      // Tabbing onto a row's link moves the highlight with it, so j/k/x carry on from there.
      row.addEventListener("focusin", function () { current = i; show(); });
      row.addEventListener("click", function (event) {
        if (event.target.closest("a, input, button")) { return; }
        current = i; show();
        window.location.href = row.dataset.href;
      });
    });
    var all = document.querySelector("[data-select-all]");
    if (all) {
      all.addEventListener("change", function () {
        document.querySelectorAll('input[name="photo_ids"]').forEach(function (box) { box.checked = all.checked; });
      });
    }
    return function (event) {
      if (event.key === "j" && current < rows.length - 1) { current += 1; show(); }
      else if (event.key === "j") { follow("next"); }
      else if (event.key === "k" && current > 0) { current -= 1; show(); }
      else if (event.key === "k") { follow("prev"); }
      else if ((event.key === "o" || event.key === "Enter") && current >= 0) { window.location.href = rows[current].dataset.href; }
      else if (event.key === "x" && current >= 0) {
        var box = rows[current].querySelector('input[name="photo_ids"]');
        if (box) { box.checked = !box.checked; }
      } else { return false; }
      return true;
    };
  }

  // Photo: a approves, r goes to the rejection reason, j/k next/previous, b toggles boxes.
  function photoKeys() {
    document.querySelectorAll("[data-toggle-class]").forEach(function (input) {
      input.addEventListener("change", function () {
        document.querySelectorAll("svg.overlay g.box").forEach(function (g) {
          if (g.dataset.class === input.dataset.toggleClass) { g.classList.toggle("hidden", !input.checked); }
        });
      });
    });
    return function (event) {
      var approve = document.getElementById("approve-form");
      var reject = document.getElementById("reject-form");
      if (event.key === "a" && approve) { approve.requestSubmit(); }
      else if (event.key === "r" && reject) { reject.querySelector("select").focus(); }
      else if (event.key === "j") { follow("next"); }
      else if (event.key === "k") { follow("prev"); }
      else if (event.key === "b") {
        var overlay = document.querySelector("svg.overlay");
        if (overlay) { overlay.classList.toggle("hidden"); }
      } else { return false; }
      return true;
    };
  }

  // A form that asks first (approving a photo judged fraud): the button and the key alike.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });

  var handler = null;
  if (document.querySelector('[data-keyboard="queue"]')) { handler = queueKeys(); }
  else if (document.querySelector('[data-keyboard="photo"]')) { handler = photoKeys(); }

  // Enter and Space on a focused link or button belong to it (bulk approve, filter, log out).
  function pressing(event) {
    var t = event.target;
    if (!t || (event.key !== "Enter" && event.key !== " ")) { return false; }
    return t.tagName === "A" || t.tagName === "BUTTON" || (t.tagName === "INPUT" && t.type !== "checkbox");
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && typing(event)) { event.target.blur(); return; }
    if (!handler || typing(event) || pressing(event) || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (handler(event)) { event.preventDefault(); }
  });
})();
