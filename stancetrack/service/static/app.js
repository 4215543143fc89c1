// stancetrack dashboard: clicking a highlighted quote shows its claims (actor, claim,
// confidence, run). Only textContent and attributes are set: stored text never becomes markup.
"use strict";
(function () {
  function claimItem(id) { return document.getElementById("claim-" + id); }

  function show(mark) {
    var ids = (mark.getAttribute("data-claims") || "").split(" ").filter(Boolean);
    document.querySelectorAll("mark.active").forEach(function (m) { m.classList.remove("active"); });
    document.querySelectorAll("li.claim.active").forEach(function (li) { li.classList.remove("active"); });
    mark.classList.add("active");
    var first = null;
    ids.forEach(function (id) {
      var li = claimItem(id);
      if (li) { li.classList.add("active"); first = first || li; }
    });
    var detail = document.getElementById("detail");
    if (!first || !detail) { return; }
    var stance = first.getAttribute("data-stance");
    var badge = document.getElementById("detail-stance");
    badge.textContent = stance;
    badge.className = "badge st-" + stance;
    var actor = document.getElementById("detail-actor");
    actor.textContent = first.getAttribute("data-actor");
    actor.setAttribute("href", first.getAttribute("data-actor-url"));
    document.getElementById("detail-claim").textContent = first.getAttribute("data-text");
    document.getElementById("detail-confidence").textContent = first.getAttribute("data-confidence");
    var run = document.getElementById("detail-run");
    run.textContent = "run " + first.getAttribute("data-run");
    run.setAttribute("href", "/runs/" + encodeURIComponent(first.getAttribute("data-run")));
    detail.hidden = false;
    first.scrollIntoView({block: "nearest"});
  }

  function markFor(claimId) {
    var marks = document.querySelectorAll("mark[data-claims]");
    for (var i = 0; i < marks.length; i++) {
      if (marks[i].getAttribute("data-claims").split(" ").indexOf(claimId) >= 0) { return marks[i]; }
    }
    return null;
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("mark[data-claims]").forEach(function (mark) {
      mark.addEventListener("click", function () { show(mark); });
      mark.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); show(mark); }
      });
    });
    document.querySelectorAll("li.claim[data-claim]").forEach(function (li) {
      li.addEventListener("click", function (e) {
        if (e.target.closest("a")) { return; }
        var mark = markFor(li.getAttribute("data-claim"));
        if (mark) { show(mark); mark.scrollIntoView({block: "center"}); }
      });
    });
    var m = /^#q-(\d+)$/.exec(window.location.hash);
    if (m) {
      var mark = markFor(m[1]);
      if (mark) { show(mark); mark.scrollIntoView({block: "center"}); }
    }
  });
})();
