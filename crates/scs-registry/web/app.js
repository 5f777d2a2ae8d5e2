// SCS ★ registry pages: small improvements over pages that work without script.
// - the 法人番号 field checks its check digit as the user types (the server checks again);
// - [data-print] buttons print the page (the certificate's print CSS does the rest);
// - after a submission, focus moves to the result so that screen readers announce it.
"use strict";

(function () {
  // 9 − (Σ P_n × Q_n mod 9): P_n the n-th of the last twelve digits from the right, Q_n 1 for odd
  // n and 2 for even n (SPEC §3).
  function checkDigit(twelve) {
    var sum = 0;
    for (var n = 1; n <= 12; n++) {
      var p = twelve.charCodeAt(12 - n) - 48;
      sum += p * (n % 2 === 1 ? 1 : 2);
    }
    return 9 - (sum % 9);
  }

  // The digits typed, half-width, without the spaces and hyphens that may group them (as the
  // server reads a typed 法人番号: CorporateNumber::parse_typed).
  function digitsTyped(text) {
    return text.replace(/[０-９]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xfee0);
    }).replace(/[\s\-\u2010-\u2015\u2212\ufe63\uff0d\u30fc\uff70]/g, "");
  }

  function setMessage(out, kind, text) {
    out.textContent = "";
    if (!text) return;
    var span = document.createElement("span");
    span.className = kind;
    span.textContent = text;
    out.appendChild(span);
  }

  function watchNumber(input) {
    var out = document.getElementById("number-msg");
    if (!out) return;
    function check(final) {
      var value = digitsTyped(input.value);
      if (value === "") {
        input.removeAttribute("aria-invalid");
        setMessage(out, "", "");
        return;
      }
      if (!/^[0-9]*$/.test(value) || value.length > 13 || (final && value.length !== 13)) {
        input.setAttribute("aria-invalid", "true");
        setMessage(out, "bad", input.dataset.msgDigits);
        return;
      }
      if (value.length < 13) {
        input.removeAttribute("aria-invalid");
        setMessage(out, "", "");
        return;
      }
      if (Number(value[0]) !== checkDigit(value.slice(1))) {
        input.setAttribute("aria-invalid", "true");
        setMessage(out, "bad", input.dataset.msgCheck);
      } else {
        input.removeAttribute("aria-invalid");
        setMessage(out, "ok", input.dataset.msgOk);
      }
    }
    input.addEventListener("input", function () { check(false); });
    input.addEventListener("blur", function () { check(true); });
    if (input.form && input.form.method.toLowerCase() === "get") {
      input.form.addEventListener("submit", function (event) {
        check(true);
        if (input.getAttribute("aria-invalid") === "true") {
          event.preventDefault();
          input.focus();
        }
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var number = document.getElementById("number");
    if (number) watchNumber(number);
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
    var result = document.getElementById("result");
    if (result) result.focus();
  });
})();
