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

  // Photo: drag over the photo to draw a box round an object the detector missed. The drag
  // fills the form's corner fields (upright photo pixels, the overlay's viewBox); typing in
  // them moves the sketch, so the form works with or without a mouse.
  function drawTool() {
    var form = document.getElementById("draw-form");
    var svg = document.querySelector("svg.overlay");
    if (!form || !svg) { return null; }
    var toggle = form.querySelector("[data-draw-toggle]");
    var sketch = svg.querySelector("rect.sketch");
    var view = svg.viewBox.baseVal;
    var corners = ["x0", "y0", "x1", "y1"].map(function (name) { return form.elements[name]; });
    var start = null;
    var MIN_SIDE = 4;  // photo pixels, as the server asks (review/drawn_boxes.py)

    function clamp(v, hi) { return Math.max(0, Math.min(hi, v)); }
    function point(event) {
      var p = svg.createSVGPoint();
      p.x = event.clientX; p.y = event.clientY;
      var q = p.matrixTransform(svg.getScreenCTM().inverse());
      return { x: clamp(q.x, view.width), y: clamp(q.y, view.height) };
    }
    function show() {
      var v = corners.map(function (input) { return parseFloat(input.value); });
      if (v.some(isNaN)) { sketch.setAttribute("hidden", ""); return; }
      sketch.setAttribute("x", Math.min(v[0], v[2])); sketch.setAttribute("y", Math.min(v[1], v[3]));
      sketch.setAttribute("width", Math.abs(v[2] - v[0])); sketch.setAttribute("height", Math.abs(v[3] - v[1]));
      sketch.removeAttribute("hidden");
    }
    function fill(a, b) {
      var v = [Math.min(a.x, b.x), Math.min(a.y, b.y), Math.max(a.x, b.x), Math.max(a.y, b.y)];
      corners.forEach(function (input, i) { input.value = Math.round(v[i]); });
      show();
    }
    function drawing(on) {
      svg.classList.toggle("drawing", on);
      if (on) { svg.classList.remove("hidden"); }
      toggle.setAttribute("aria-pressed", on ? "true" : "false");
    }
    toggle.addEventListener("click", function () { drawing(!svg.classList.contains("drawing")); });
    corners.forEach(function (input) { input.addEventListener("input", show); });
    svg.addEventListener("pointerdown", function (event) {
      if (!svg.classList.contains("drawing")) { return; }
      event.preventDefault();
      start = point(event);
      svg.setPointerCapture(event.pointerId);
      fill(start, start);
    });
    svg.addEventListener("pointermove", function (event) { if (start) { fill(start, point(event)); } });
    svg.addEventListener("pointerup", function (event) {
      if (!start) { return; }
      var end = point(event);
      if (Math.abs(end.x - start.x) < MIN_SIDE || Math.abs(end.y - start.y) < MIN_SIDE) {
        // A click, not a drag: keep drawing, and leave no box to save.
        corners.forEach(function (input) { input.value = ""; });
        start = null;
        show();
        return;
      }
      fill(start, end);
      start = null;
      drawing(false);
      form.elements.class_name.focus();
    });
    // Class names as the export writes them: "Beer Crate" is beer_crate.
    form.elements.class_name.addEventListener("change", function () {
      var input = form.elements.class_name;
      input.value = input.value.trim().toLowerCase().replace(/\s+/g, "_");
    });
    form.addEventListener("submit", function (event) {
      var v = corners.map(function (input) { return parseFloat(input.value); });
      var small = Math.abs(v[2] - v[0]) < MIN_SIDE || Math.abs(v[3] - v[1]) < MIN_SIDE;
      corners[2].setCustomValidity(small ? "Drag round the object: a box is at least " + MIN_SIDE + " pixels on each side." : "");
      if (small) { event.preventDefault(); corners[2].reportValidity(); }
    });
    corners.forEach(function (input) { input.addEventListener("input", function () { corners[2].setCustomValidity(""); }); });
    show();
    return {
      toggle: function () { drawing(!svg.classList.contains("drawing")); },
      stop: function () { drawing(false); start = null; }
    };
  }

  // Photo: a approves, r goes to the rejection reason, j/k next/previous, b toggles boxes,
  // d starts or stops drawing a box.
  function photoKeys() {
    var draw = drawTool();
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
        if (draw && overlay && overlay.classList.contains("hidden")) { draw.stop(); }
      } else if (event.key === "d" && draw) { draw.toggle(); }
      else { return false; }
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
