// The pharmacy's dashboard: counts refreshed every 30 seconds without a reload; when a count
// marked "alert" (new prescriptions) goes up, a notice is read out and, if the pharmacist
// switched it on (remembered in this browser), a short tone plays.
(function () {
  "use strict";
  var head = document.querySelector("[data-officine-dashboard]");
  if (!head) return;
  var url = head.getAttribute("data-counts-url");
  var live = head.querySelector("[data-officine-live]");
  var sound = head.querySelector("[data-officine-sound]");
  var KEY = "officine-dashboard-sound";
  var last = {};
  head.querySelectorAll("[data-officine-count]").forEach(function (el) {
    last[el.getAttribute("data-officine-count")] = parseInt(el.textContent, 10) || 0;
  });
  try {
    sound.checked = window.localStorage.getItem(KEY) === "1";
  } catch (e) { /* private browsing: the switch is simply not remembered */ }
  sound.addEventListener("change", function () {
    try { window.localStorage.setItem(KEY, sound.checked ? "1" : "0"); } catch (e) { /* ignored */ }
  });

  function beep() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    var audio = new Context();
    var tone = audio.createOscillator();
    var gain = audio.createGain();
    tone.frequency.value = 880;
    gain.gain.value = 0.1;
    tone.connect(gain);
    gain.connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.25);
  }

  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        var news = [];
        data.items.forEach(function (item) {
          var el = head.querySelector('[data-officine-count="' + item.name + '"]');
          if (el) el.textContent = item.count;
          if (item.alert && item.count > (last[item.name] || 0)) news.push(item.label + " : " + item.count);
          last[item.name] = item.count;
        });
        if (news.length) {
          live.textContent = news.join(" · ");
          if (sound.checked) beep();
        }
      })
      .catch(function () { /* offline for a moment: the next poll tries again */ });
  }
  window.setInterval(refresh, 30000);
  head.addEventListener("officine:refresh", refresh);
})();
