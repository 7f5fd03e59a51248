/* The moderation queue from the keyboard: j / k move to the next / previous comment,
   a approves it, r rejects it, s marks it as spam, o opens it on the site in context and
   Enter opens its page in the admin. A decision runs the queue's own action on that one
   row (the page reloads, as with the mouse), and the same place in the queue is current
   again afterwards. Keys typed into a field are left alone. */
(function () {
  "use strict";

  var ACTIONS = { a: "approve", r: "reject", s: "mark_spam" };
  var REMEMBERED = "moderation-queue-row";

  function rows() {
    return Array.from(document.querySelectorAll("#result_list tbody tr"));
  }

  function current() {
    return document.querySelector("#result_list tbody tr.is-current");
  }

  function select(index) {
    var all = rows();
    if (!all.length) {
      return;
    }
    index = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (row) {
      row.classList.remove("is-current");
      row.removeAttribute("aria-current");
    });
    var row = all[index];
    row.classList.add("is-current");
    row.setAttribute("aria-current", "true");
    row.tabIndex = -1;
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
    sessionStorage.setItem(REMEMBERED, String(index));
  }

  function decide(action) {
    var row = current();
    var form = document.getElementById("changelist-form");
    var chooser = form && form.querySelector("select[name=action]");
    if (!row || !chooser || !chooser.querySelector('option[value="' + action + '"]')) {
      return;
    }
    form.querySelectorAll("input.action-select").forEach(function (box) {
      box.checked = false;
    });
    row.querySelector("input.action-select").checked = true;
    chooser.value = action;
    form.requestSubmit(form.querySelector("button[name=index]"));
  }

  function follow(selector) {
    var row = current();
    var link = row && row.querySelector(selector);
    if (link) {
      window.location.assign(link.href);
    }
  }

  function typing(target) {
    return target.closest("input, select, textarea, [contenteditable]") !== null;
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) {
      return;
    }
    var index = rows().indexOf(current());
    if (event.key === "j") {
      select(index + 1);
    } else if (event.key === "k") {
      select(index - 1);
    } else if (ACTIONS[event.key]) {
      decide(ACTIONS[event.key]);
    } else if (event.key === "o") {
      follow("td.field-where a[title]");
    } else if (event.key === "Enter" && current()) {
      follow("th.field-excerpt a");
    } else {
      return;
    }
    event.preventDefault();
  });

  function start() {
    if (rows().length) {
      select(Number(sessionStorage.getItem(REMEMBERED) || 0));
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
