/* Rows of the admin's ordered inlines (related films, pull quotes, further reading) are
   moved with "Move up" / "Move down" buttons instead of typed positions: each move writes
   the positions 1, 2, 3… in the order shown, and a row added goes last. Without this
   script the positions can still be typed, and a row left at 0 is saved after the others. */
(function () {
  "use strict";

  function positionInputs(group) {
    return Array.from(group.querySelectorAll("tbody tr.form-row:not(.empty-form) td.field-position input"));
  }

  function renumber(group) {
    positionInputs(group).forEach(function (input, index) {
      input.value = String(index + 1);
    });
  }

  function moveButton(label, direction) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "ordered-inline-move";
    button.textContent = label;
    button.dataset.direction = direction;
    button.setAttribute("aria-label", label);
    return button;
  }

  function equip(row) {
    var cell = row.querySelector("td.field-position");
    if (!cell || cell.querySelector(".ordered-inline-move")) {
      return;
    }
    cell.querySelector("input").classList.add("ordered-inline-position");
    cell.append(moveButton("Move up", "up"), moveButton("Move down", "down"));
  }

  function move(button) {
    var row = button.closest("tr");
    var group = row.closest("fieldset.ordered-inline");
    if (button.dataset.direction === "up") {
      var previous = row.previousElementSibling;
      if (previous && previous.classList.contains("form-row")) {
        row.parentNode.insertBefore(row, previous);
      }
    } else {
      var next = row.nextElementSibling;
      if (next && next.classList.contains("form-row") && !next.classList.contains("empty-form")) {
        row.parentNode.insertBefore(next, row);
      }
    }
    renumber(group);
    button.focus();
  }

  function start() {
    document.querySelectorAll("fieldset.ordered-inline").forEach(function (group) {
      group.querySelectorAll("tbody tr.form-row:not(.empty-form)").forEach(equip);
      group.addEventListener("click", function (event) {
        var button = event.target.closest(".ordered-inline-move");
        if (button) {
          move(button);
        }
      });
    });
    document.addEventListener("formset:added", function (event) {
      var group = event.target.closest("fieldset.ordered-inline");
      if (group) {
        equip(event.target);
        renumber(group);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
