// Prescription detail: one page at a time, zoom, rotation, print. Without JavaScript every page
// is shown one below the other, each with its link.
(function () {
  "use strict";
  var root = document.querySelector("[data-prescription-viewer]");
  var stage = root && root.querySelector("[data-viewer-stage]");
  var note = document.getElementById("status-note");

  document.querySelectorAll("button[data-needs-note]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (note && !note.value.trim()) {
        event.preventDefault();
        note.setAttribute("aria-invalid", "true");
        note.focus();
      }
    });
  });

  if (!stage) return;
  var pages = Array.prototype.slice.call(stage.querySelectorAll("[data-viewer-page]"));
  if (!pages.length) return;
  var toolbar = root.querySelector("[data-viewer-toolbar]");
  var position = root.querySelector("[data-viewer-position]");
  var zoomLabel = root.querySelector("[data-viewer-zoom]");
  var links = root.querySelectorAll("[data-viewer-goto]");
  var state = pages.map(function () { return { zoom: 1, angle: 0 }; });
  var current = 0;

  function apply() {
    var page = pages[current];
    var s = state[current];
    var transform = "rotate(" + s.angle + "deg) scale(" + s.zoom + ")";
    var img = page.querySelector(".viewer-image");
    var frame = page.querySelector(".viewer-frame");
    if (img) {
      img.style.transform = transform;
      frame.classList.toggle("is-zoomed", s.zoom > 1);
    }
    var pdf = page.querySelector(".viewer-pdf");
    if (pdf) pdf.style.transform = "rotate(" + s.angle + "deg)";
    zoomLabel.textContent = Math.round(s.zoom * 100) + " %";
  }

  function show(index) {
    current = Math.max(0, Math.min(pages.length - 1, index));
    pages.forEach(function (page, i) { page.hidden = i !== current; });
    position.textContent = (current + 1) + " / " + pages.length;
    links.forEach(function (link, i) {
      if (i === current) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    });
    toolbar.querySelector('[data-viewer="prev"]').disabled = current === 0;
    toolbar.querySelector('[data-viewer="next"]').disabled = current === pages.length - 1;
    apply();
  }

  var actions = {
    prev: function () { show(current - 1); },
    next: function () { show(current + 1); },
    "zoom-in": function () { state[current].zoom = Math.min(4, state[current].zoom + 0.25); apply(); },
    "zoom-out": function () { state[current].zoom = Math.max(0.5, state[current].zoom - 0.25); apply(); },
    fit: function () { state[current].zoom = 1; state[current].angle = 0; apply(); },
    "rotate-left": function () { state[current].angle = (state[current].angle + 270) % 360; apply(); },
    "rotate-right": function () { state[current].angle = (state[current].angle + 90) % 360; apply(); },
    print: function () {
      var pdf = pages[current].querySelector(".viewer-pdf");
      if (pdf) {
        try { pdf.contentWindow.focus(); pdf.contentWindow.print(); return; }
        catch (e) { window.open(pages[current].dataset.url, "_blank", "noopener"); return; }
      }
      window.print();
    }
  };

  toolbar.addEventListener("click", function (event) {
    var button = event.target.closest("[data-viewer]");
    if (button && actions[button.dataset.viewer]) actions[button.dataset.viewer]();
  });
  links.forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      show(parseInt(link.dataset.viewerGoto, 10));
    });
  });
  stage.addEventListener("keydown", function (event) {
    if (event.key === "ArrowRight" || event.key === "PageDown") { show(current + 1); event.preventDefault(); }
    if (event.key === "ArrowLeft" || event.key === "PageUp") { show(current - 1); event.preventDefault(); }
  });
  stage.tabIndex = 0;
  toolbar.hidden = false;
  show(0);
})();
