/* Click & Collect: the patient's selection, kept in this browser's localStorage (no cookie).
   Without JavaScript the selection travels in the address ("p=<offer>:<quantity>") from page to
   page; with it, "Ajouter à ma sélection" stays on the page and the selection survives closing
   the tab. No inline script anywhere (the site's CSP forbids it). */
(function () {
  "use strict";

  var KEY = "officine-collect-selection";
  var MAX_QUANTITY = 10;
  var gettext = window.gettext || function (text) { return text; };

  function read() {
    try {
      var data = JSON.parse(window.localStorage.getItem(KEY) || "{}");
      return data && typeof data === "object" ? data : {};
    } catch (e) {
      return {};
    }
  }

  function write(selection) {
    try {
      window.localStorage.setItem(KEY, JSON.stringify(selection));
    } catch (e) { /* private browsing: the address still carries the selection */ }
  }

  function fromPairs(pairs) {
    var selection = {};
    pairs.forEach(function (pair) {
      var parts = String(pair).split(":");
      var id = parseInt(parts[0], 10);
      var quantity = parseInt(parts[1] || "1", 10);
      if (id > 0 && quantity > 0) {
        selection[id] = Math.min((selection[id] || 0) + quantity, MAX_QUANTITY);
      }
    });
    return selection;
  }

  function query(selection) {
    return Object.keys(selection).map(function (id) {
      return "p=" + encodeURIComponent(id + ":" + selection[id]);
    }).join("&");
  }

  function count(selection) {
    return Object.keys(selection).reduce(function (n, id) { return n + selection[id]; }, 0);
  }

  function refreshLinks(selection) {
    document.querySelectorAll("[data-collect-selection]").forEach(function (link) {
      var q = query(selection);
      link.href = link.getAttribute("data-collect-selection") + (q ? "?" + q : "");
    });
    document.querySelectorAll("[data-collect-count]").forEach(function (node) {
      node.textContent = String(count(selection));
    });
  }

  function announce(text) {
    var region = document.getElementById("collect-live");
    if (!region) {
      region = document.createElement("p");
      region.id = "collect-live";
      region.className = "collect-live";
      region.setAttribute("role", "status");
      var main = document.getElementById("contenu") || document.body;
      main.insertBefore(region, main.firstChild);
    }
    region.textContent = text;
  }

  if (document.querySelector("[data-collect-clear]")) {
    write({});
    return;
  }

  var params = new URLSearchParams(window.location.search);
  var inAddress = params.getAll("p");
  var selectionPage = document.querySelector("[data-collect-selection-page]");
  var selection = read();

  if (selectionPage) {
    if (!inAddress.length && count(selection) > 0 && !document.querySelector(".error-summary")) {
      window.location.replace(window.location.pathname + "?" + query(selection));
      return;
    }
    // The page shows what the address holds: that is the selection from now on.
    write(fromPairs(selectionPage.getAttribute("data-collect-selection-page").split(",").filter(Boolean)));
  } else if (inAddress.length) {
    write(fromPairs(inAddress));
  }
  selection = read();
  refreshLinks(selection);

  document.querySelectorAll("form.collect-add").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var current = read();
      var id = form.getAttribute("data-offer");
      current[id] = Math.min((current[id] || 0) + 1, MAX_QUANTITY);
      write(current);
      refreshLinks(current);
      announce(gettext("Ajouté à votre sélection :") + " " + form.getAttribute("data-name"));
    });
  });
})();
