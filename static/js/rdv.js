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
  var WINDOW_DAYS = 42;

  function isoDate(d) {
    var m = String(d.getMonth() + 1).padStart(2, "0");
    var day = String(d.getDate()).padStart(2, "0");
    return d.getFullYear() + "-" + m + "-" + day;
  }

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

    function render(service, slots, first, last) {
      var byDay = {};
      slots.forEach(function (slot) {
        var key = slot.start.slice(0, 10);
        (byDay[key] = byDay[key] || []).push(slot);
      });
      calendar.replaceChildren(el("h3", {}, gettext("2. Choisissez un jour")));
      if (!slots.length) {
        calendar.appendChild(el("p", {}, gettext("Aucun créneau libre dans les prochaines semaines. Appelez la pharmacie.")));
        calendar.hidden = false;
        return;
      }
      var grid = el("div", { "class": "rdv-month", role: "group", "aria-label": gettext("Jours disponibles") });
      WEEKDAYS.forEach(function (w) { grid.appendChild(el("span", { "class": "rdv-weekday", "aria-hidden": "true" }, w)); });
      var cursor = new Date(first.getTime());
      cursor.setDate(cursor.getDate() - ((cursor.getDay() + 6) % 7));
      var timesBox = el("div", { "class": "rdv-times-box", "aria-live": "polite" });
      while (cursor <= last) {
        var key = isoDate(cursor);
        var daySlots = byDay[key];
        if (cursor < first || !daySlots) {
          grid.appendChild(el("span", { "class": "rdv-cell rdv-cell-off", "aria-hidden": "true" }, String(cursor.getDate())));
        } else {
          var button = el("button", {
            type: "button",
            "class": "rdv-cell",
            "aria-label": format(
              ngettext("%(day)s, %(count)s créneau", "%(day)s, %(count)s créneaux", daySlots.length),
              { day: dayLabel(key), count: daySlots.length }
            )
          }, String(cursor.getDate()));
          button.addEventListener("click", showTimes.bind(null, service, key, daySlots, timesBox));
          grid.appendChild(button);
        }
        cursor.setDate(cursor.getDate() + 1);
      }
      calendar.appendChild(grid);
      calendar.appendChild(timesBox);
      calendar.hidden = false;
    }

    form.addEventListener("submit", function (event) {
      var service = chosen();
      if (!service || !url || !window.fetch) { return; }
      event.preventDefault();
      details.hidden = true;
      var first = new Date();
      first.setHours(0, 0, 0, 0);
      var last = new Date(first.getTime());
      last.setDate(last.getDate() + WINDOW_DAYS);
      var query = "?service=" + encodeURIComponent(service.value) + "&from=" + isoDate(first) + "&to=" + isoDate(last);
      calendar.replaceChildren(el("p", {}, gettext("Recherche des créneaux libres…")));
      calendar.hidden = false;
      fetch(url + query, { headers: { Accept: "application/json" }, credentials: "omit" })
        .then(function (response) {
          return response.json().then(function (body) {
            if (!response.ok) { throw new Error(body.error || gettext("Erreur")); }
            return body;
          });
        })
        .then(function (slots) { render(service, slots, first, last); })
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
