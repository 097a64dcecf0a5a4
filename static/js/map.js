/* Click-to-load map: no request to the map provider until the visitor asks for the map. */
(function () {
  document.querySelectorAll(".map[data-map-src]").forEach(function (box) {
    var button = box.querySelector(".map-load");
    if (!button) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var frame = document.createElement("iframe");
      frame.src = box.getAttribute("data-map-src");
      frame.title = box.getAttribute("data-map-title") || "";
      frame.loading = "lazy";
      frame.referrerPolicy = "no-referrer";
      box.replaceChild(frame, button);
      frame.focus();
    });
  });
})();
