// What the office's pages do in the browser, served from the app's origin so the Content-Security-Policy
// needs no 'unsafe-inline' for scripts. Each behaviour is switched on by a data attribute in a template.
(function () {
  "use strict";

  // Copy buttons: <button data-copies="ID"> copies the value of the field ID; a read-only link field
  // with data-select-all is selected whole when clicked.
  document.querySelectorAll("[data-copies]").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = document.getElementById(button.dataset.copies);
      if (field && navigator.clipboard) navigator.clipboard.writeText(field.value);
    });
  });
  document.querySelectorAll("input[data-select-all]").forEach(function (field) {
    field.addEventListener("click", function () { field.select(); });
  });

  // A form whose address names the chosen activity: data-action-for="/campaigns/ID/activities/{no}/VERB".
  document.querySelectorAll("form[data-action-for]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.action = form.dataset.actionFor.replace("{no}", encodeURIComponent(form.elements.no.value));
    });
  });

  // A unit list follows the chosen activity: "in" lists its units, "out" the units not yet in it.
  document.querySelectorAll("select[data-chooses]").forEach(function (pick) {
    function follow() {
      pick.form.querySelectorAll("select[data-follows]").forEach(function (list) {
        list.querySelectorAll("option[data-in]").forEach(function (option) {
          var inside = option.dataset.in.split(" ").indexOf(pick.value) >= 0;
          var shown = list.dataset.follows === "in" ? inside : !inside;
          option.hidden = option.disabled = !shown;
          if (!shown) option.selected = false;
        });
        if (!list.multiple && list.selectedOptions.length && list.selectedOptions[0].disabled) {
          var first = Array.prototype.find.call(list.options, function (o) { return !o.disabled; });
          if (first) list.value = first.value;
        }
      });
    }
    pick.addEventListener("change", follow);
    follow();
  });

  // The campaign's grid is read again every 15 s: <div data-refresh="/campaigns/ID/grid">.
  document.querySelectorAll("[data-refresh]").forEach(function (box) {
    setInterval(function () {
      fetch(box.dataset.refresh + window.location.search, { credentials: "same-origin" }).then(function (response) {
        if (response.ok) return response.text().then(function (html) { box.innerHTML = html; });
      });
    }, 15000);
  });

  // The schedule editor: a button with data-confirm asks first; a unit typed without diacritics finds
  // its name (the list shows folded names beside codes).
  var editor = document.getElementById("editor");
  if (editor) {
    editor.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) event.preventDefault();
    });
    var fold = function (text) {
      return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
    };
    editor.querySelectorAll("input.unit-search").forEach(function (input) {
      input.addEventListener("input", function () {
        var query = fold(input.value.split(";").pop().trim());
        if (!query) return;
        var options = document.querySelectorAll("#unit-names option");
        var found = Array.prototype.filter.call(options, function (o) { return fold(o.value + " " + o.label).indexOf(query) >= 0; });
        input.setAttribute("aria-description", found.length + " đơn vị khớp");
      });
    });
  }
})();
