/* Forms: show the first error in view, check a file's size before sending it, and lock a
   form's buttons once it is sent so a double click sends it once. */
(function () {
  "use strict";

  function firstInvalid(root) {
    return root.querySelector("input.is-invalid, select.is-invalid, textarea.is-invalid, fieldset.is-invalid input");
  }

  function showError(input, message) {
    input.classList.add("is-invalid");
    var note = input.parentNode.querySelector(".invalid-feedback.js-check");
    if (!note) {
      note = document.createElement("div");
      note.className = "invalid-feedback js-check";
      note.id = input.id + "-check";
      input.insertAdjacentElement("afterend", note);
      input.setAttribute("aria-describedby", ((input.getAttribute("aria-describedby") || "") + " " + note.id).trim());
    }
    note.textContent = message;
    input.setAttribute("aria-invalid", "true");
    input.scrollIntoView({block: "center"});
    input.focus();
  }

  function clearError(input) {
    var note = input.parentNode.querySelector(".invalid-feedback.js-check");
    if (note) { note.remove(); input.classList.remove("is-invalid"); input.removeAttribute("aria-invalid"); }
  }

  function tooLarge(form) {
    var inputs = form.querySelectorAll("input[type=file][data-max-bytes]");
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i], limit = Number(input.dataset.maxBytes);
      if (input.files && input.files[0] && input.files[0].size > limit) {
        showError(input, input.dataset.tooLarge || "This file is too large.");
        return true;
      }
      clearError(input);
    }
    return false;
  }

  function lock(form) {
    form.dataset.sending = "1";
    form.setAttribute("aria-busy", "true");
    /* After this event the browser has already taken the clicked button's value. */
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (button) {
        button.dataset.label = button.dataset.label || button.textContent;
        button.disabled = true;
        button.textContent = button.dataset.sendingLabel || "Sending…";
      });
    }, 0);
  }

  function unlock(form) {
    delete form.dataset.sending;
    form.removeAttribute("aria-busy");
    form.querySelectorAll("button[data-label]").forEach(function (button) {
      button.disabled = false;
      button.textContent = button.dataset.label;
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if ((form.method || "").toLowerCase() !== "post") { return; }
    if (form.dataset.sending || tooLarge(form)) {
      event.preventDefault();
      return;
    }
    lock(form);
  });

  /* Back/forward cache: a page shown again must not keep its buttons locked. */
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { document.querySelectorAll("form[data-sending]").forEach(unlock); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var input = firstInvalid(document);
    if (input) {
      input.scrollIntoView({block: "center"});
      input.focus({preventScroll: true});
    }
  });
})();
