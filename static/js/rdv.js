/* Booking block, with JavaScript: a small calendar of the days with free slots, then the times.
   Without JavaScript the same block works as plain GET steps; this file only enhances it.
   No inline script anywhere (the site's CSP forbids it). Texts come from Django's JavaScript
   catalog (/jsi18n/, loaded just before this file); without it they stay in French. */
(function () {
  "use strict";

  var gettext = window.gettext || function (text) { return text; };
  var ngettext = window.ngettext || function (one, many, count) { return count === 1 ? one : many; };
  var interpolate = window.interpolate || function (fmt, values) {
    return fmt.replace(/%\((\w+)\)s/g, function (_match, name) { return String(values[name]); });
  };

  function format(text, values) { return interpolate(text, values, true); }

  var LOCALE = document.documentElement.lang || "fr";
  var WEEKDAYS = [
    gettext("lun."), gettext("mar."), gettext("mer."), gettext("jeu."),
    gettext("ven."), gettext("sam."), gettext("dim.")
  ];
  var WEEKDAY_NAMES = [
    gettext("lundi"), gettext("mardi"), gettext("mercredi"), gettext("jeudi"),
    gettext("vendredi"), gettext("samedi"), gettext("dimanche")
  ];

  function fromIso(text) {
    var p = text.split("-");
    return new Date(Number(p[0]), Number(p[1]) - 1, Number(p[2]));
  }

  function dayLabel(key) {
    return fromIso(key).toLocaleDateString(LOCALE, { weekday: "long", day: "numeric", month: "long" });
  }

  function timeLabel(start) {
    var h = Number(start.slice(11, 13));
    var m = start.slice(14, 16);
    return h + "h" + (m === "00" ? "" : m);
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function enhance(section) {
    var form = section.querySelector("[data-rdv-service-form]");
    var calendar = section.querySelector("[data-rdv-calendar]");
    var details = section.querySelector("[data-rdv-details]");
    if (!form || !calendar || !details) { return; }
    var url = section.getAttribute("data-slots-url");

    function chosen() { return form.querySelector("input[name=service]:checked"); }

    function showMessage(text) {
      calendar.replaceChildren(el("p", { "class": "errorlist", role: "alert" }, text));
      calendar.hidden = false;
    }

    function pickSlot(service, slot) {
      details.querySelector("input[name=service]").value = service.value;
      details.querySelector("input[name=start]").value = slot.start;
      var summary = details.querySelector("[data-rdv-summary]");
      if (summary) {
        summary.textContent = format(gettext("%(service)s · %(day)s à %(time)s"), {
          service: service.getAttribute("data-name"),
          day: dayLabel(slot.start.slice(0, 10)),
          time: timeLabel(slot.start)
        });
      }
      details.hidden = false;
      var first = details.querySelector("input[name=first_name]");
      if (first) { first.focus(); }
    }

    function showTimes(service, key, slots, timesBox) {
      timesBox.replaceChildren(el("h3", {}, format(gettext("3. %(day)s : choisissez un horaire"), { day: dayLabel(key) })));
      var list = el("ul", { "class": "rdv-times" });
      slots.forEach(function (slot) {
        var li = el("li");
        var label = timeLabel(slot.start);
        if (slot.remaining > 1) {
          label += " " + format(ngettext("(%(count)s place)", "(%(count)s places)", slot.remaining), { count: slot.remaining });
        }
        var button = el("button", { type: "button", "class": "rdv-time" }, label);
        button.addEventListener("click", function () { pickSlot(service, slot); });
        li.appendChild(button);
        list.appendChild(li);
      });
      timesBox.appendChild(list);
      var firstButton = list.querySelector("button");
      if (firstButton) { firstButton.focus(); }
    }

    function monthLabel(key) {
      var text = fromIso(key).toLocaleDateString(LOCALE, { month: "long", year: "numeric" });
      return text.charAt(0).toUpperCase() + text.slice(1);
    }

    function render(service, body) {
      var byDay = {};
      body.slots.forEach(function (slot) {
        var key = slot.start.slice(0, 10);
        (byDay[key] = byDay[key] || []).push(slot);
      });
      calendar.replaceChildren(el("h3", {}, gettext("2. Choisissez un jour")));
      var timesBox = el("div", { "class": "rdv-times-box", "aria-live": "polite" });
      var months = el("div", { "class": "rdv-calendar-months" });
      var buttons = [];
      var table = null;
      var row = null;
      body.days.forEach(function (info) {
        var key = info.date;
        var d = fromIso(key);
        var weekday = (d.getDay() + 6) % 7;
        if (!table || d.getDate() === 1) {
          table = el("table", { "class": "rdv-month-table" });
          table.appendChild(el("caption", { "class": "rdv-month-name" }, monthLabel(key)));
          var head = el("tr");
          WEEKDAYS.forEach(function (w, i) {
            var th = el("th", { scope: "col" });
            th.appendChild(el("abbr", { title: WEEKDAY_NAMES[i] }, w));
            head.appendChild(th);
          });
          var thead = el("thead");
          thead.appendChild(head);
          table.appendChild(thead);
          table.appendChild(el("tbody"));
          months.appendChild(table);
          row = null;
        }
        if (!row || weekday === 0) {
          row = el("tr");
          for (var i = 0; i < weekday; i++) { row.appendChild(el("td")); }
          table.querySelector("tbody").appendChild(row);
        }
        var cell = el("td");
        var daySlots = byDay[key];
        if (info.state === "open" && daySlots) {
          var button = el("button", {
            type: "button",
            "class": "rdv-cell rdv-cell-open",
            "aria-pressed": "false",
            "aria-label": dayLabel(key) + ", " + info.reason,
            "data-day": key
          }, String(d.getDate()));
          button.addEventListener("click", function () {
            buttons.forEach(function (other) {
              other.setAttribute("aria-pressed", "false");
              other.classList.remove("is-chosen");
            });
            button.setAttribute("aria-pressed", "true");
            button.classList.add("is-chosen");
            showTimes(service, key, daySlots, timesBox);
          });
          buttons.push(button);
          cell.appendChild(button);
        } else if (info.state === "full") {
          var blockInput = form.querySelector("input[name=block]");
          var waitUrl = form.getAttribute("action") + "?block=" + encodeURIComponent(blockInput ? blockInput.value : "") +
            "&service=" + encodeURIComponent(service.value) + "&attente=" + key + "#" + section.id;
          var full = el("a", {
            "class": "rdv-cell rdv-cell-off rdv-cell-full rdv-cell-waitlist",
            href: waitUrl,
            "data-day": key,
            "data-state": "full"
          });
          full.appendChild(el("span", { "aria-hidden": "true" }, String(d.getDate())));
          full.appendChild(el("span", { "class": "rdv-cell-reason", "aria-hidden": "true" }, info.label));
          full.appendChild(el("span", { "class": "visually-hidden" }, dayLabel(key) + " : " + info.reason + ", " + gettext("s'inscrire sur la liste d'attente")));
          cell.appendChild(full);
        } else {
          var off = el("span", { "class": "rdv-cell rdv-cell-off rdv-cell-" + info.state, title: info.reason, "data-day": key, "data-state": info.state });
          off.appendChild(el("span", { "aria-hidden": "true" }, String(d.getDate())));
          off.appendChild(el("span", { "class": "rdv-cell-reason", "aria-hidden": "true" }, info.label));
          off.appendChild(el("span", { "class": "visually-hidden" }, dayLabel(key) + " : " + info.reason));
          cell.appendChild(off);
        }
        row.appendChild(cell);
      });
      calendar.appendChild(months);
      calendar.appendChild(el("p", { "class": "helptext rdv-legend" }, gettext("Les jours grisés ne sont pas réservables : passé, fermé, complet, trop tôt (délai de réservation) ou trop loin.") + " " + gettext("Un jour complet ? Touchez-le pour vous inscrire sur la liste d'attente.")));
      if (!buttons.length) {
        calendar.appendChild(el("p", {}, gettext("Aucun créneau libre dans les prochaines semaines. Appelez la pharmacie.")));
      }
      calendar.appendChild(timesBox);
      calendar.hidden = false;
    }

    form.addEventListener("submit", function (event) {
      var service = chosen();
      if (!service || !url || !window.fetch) { return; }
      event.preventDefault();
      details.hidden = true;
      var query = "?service=" + encodeURIComponent(service.value) + "&calendrier=1";
      calendar.replaceChildren(el("p", {}, gettext("Recherche des créneaux libres…")));
      calendar.hidden = false;
      fetch(url + query, { headers: { Accept: "application/json" }, credentials: "omit" })
        .then(function (response) {
          return response.json().then(function (body) {
            if (!response.ok) { throw new Error(body.error || gettext("Erreur")); }
            return body;
          });
        })
        .then(function (body) { render(service, body); })
        .catch(function (error) { showMessage(error.message || gettext("Impossible de charger les créneaux. Réessayez.")); });
    });
    form.querySelectorAll("input[name=service]").forEach(function (input) {
      input.addEventListener("change", function () { calendar.hidden = true; details.hidden = true; });
    });
  }

  function focusErrors() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }
  }

  document.querySelectorAll("[data-rdv]").forEach(enhance);
  focusErrors();
})();
