// The prescription form checks in the browser before the (slow, on a phone) upload: required
// fields, phone, e-mail, number and size of files. The messages are the server's own, handed
// over in data-msg-* attributes; without JavaScript the server checks the same things.
(function () {
  "use strict";

  function clearClientErrors(form) {
    form.querySelectorAll(".errorlist[data-client]").forEach(function (list) {
      var input = document.getElementById(list.id.replace(/_client_error$/, ""));
      if (input) {
        input.removeAttribute("aria-invalid");
        var ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
          return id && id !== list.id;
        });
        if (ids.length) input.setAttribute("aria-describedby", ids.join(" "));
        else input.removeAttribute("aria-describedby");
      }
      list.remove();
    });
  }

  function showError(input, message) {
    var list = document.createElement("ul");
    list.className = "errorlist";
    list.id = input.id + "_client_error";
    list.setAttribute("data-client", "");
    var item = document.createElement("li");
    item.textContent = message;
    list.appendChild(item);
    var anchor = input.type === "checkbox" ? input.closest("label") || input : input;
    anchor.parentNode.insertBefore(list, anchor);
    input.setAttribute("aria-invalid", "true");
    var ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    ids.push(list.id);
    input.setAttribute("aria-describedby", ids.join(" "));
  }

  function digits(value) {
    return value.replace(/[\s.\-()]/g, "");
  }

  function phoneProblem(value) {
    var number = digits(value);
    if (/^\+33/.test(number)) number = "0" + number.slice(3);
    if (/^0\d{9}$/.test(number)) return "";
    if (/^\+\d{8,15}$/.test(number)) return "";
    return "invalid";
  }

  function isMobile(value) {
    var number = digits(value);
    if (/^\+33/.test(number)) number = "0" + number.slice(3);
    return /^0[67]\d{8}$/.test(number) || (/^\+/.test(number) && !/^\+33/.test(number));
  }

  function notifyBy(form) {
    var checked = form.querySelector('input[name="notify_by"]:checked');
    if (checked) return checked.value;
    var hidden = form.querySelector('input[type="hidden"][name="notify_by"]');
    return hidden ? hidden.value : "";
  }

  function check(form) {
    var problems = [];
    function fail(input, message) { if (input && message) problems.push([input, message]); }

    ["first_name", "last_name"].forEach(function (name) {
      var input = form.elements[name];
      if (input && !input.value.trim()) fail(input, input.dataset.msgRequired);
    });
    var phone = form.elements.phone;
    var email = form.elements.email;
    var how = notifyBy(form);
    if (phone) {
      if (phone.value.trim() && phoneProblem(phone.value)) fail(phone, phone.dataset.msgInvalid);
      else if ((how === "sms" || how === "both") && !(phone.value.trim() && isMobile(phone.value))) {
        fail(phone, phone.dataset.msgSms);
      }
    }
    if (email) {
      var value = email.value.trim();
      if (value && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) fail(email, email.dataset.msgInvalid);
      else if ((how === "email" || how === "both") && !value) fail(email, email.dataset.msgNeeded);
    }
    var files = form.elements.files;
    if (files) {
      var count = files.files ? files.files.length : 0;
      if (files.hasAttribute("required") && !count) fail(files, files.dataset.msgRequired);
      else if (count > parseInt(files.dataset.maxFiles || "99", 10)) fail(files, files.dataset.msgMaxFiles);
    }
    ["files", "carte_vitale", "mutuelle"].forEach(function (name) {
      var input = form.elements[name];
      if (!input || !input.files) return;
      var limit = parseInt(input.dataset.maxBytes || "0", 10);
      Array.prototype.forEach.call(input.files, function (file) {
        if (limit && file.size > limit) fail(input, input.dataset.msgTooBig.replace("{name}", file.name));
      });
    });
    var consent = form.elements.consent;
    if (consent && !consent.checked) fail(consent, consent.dataset.msgRequired);
    return problems;
  }

  document.querySelectorAll("form.prescription-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      clearClientErrors(form);
      var problems = check(form);
      if (!problems.length) return;
      event.preventDefault();
      var seen = [];
      problems.forEach(function (problem) {
        if (seen.indexOf(problem[0]) === -1) { seen.push(problem[0]); showError(problem[0], problem[1]); }
      });
      problems[0][0].focus();
    });
  });
})();
