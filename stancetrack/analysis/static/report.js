// The report's script (inlined by analysis/report.py): tooltips for highlighted evidence and
// the stance toggles. It only sets textContent and attributes: stored text never becomes markup.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("claims-data").textContent);
  var tip = document.getElementById("tip");
  var marks = document.querySelectorAll("mark.ev");
  function related(mark) {
    var out = [];
    mark.dataset.claims.split(" ").forEach(function (id) {
      document.querySelectorAll('mark.ev[data-claims~="' + id + '"]').forEach(function (m) {
        out.push(m);
      });
    });
    return out;
  }
  function show(event) {
    var mark = event.currentTarget;
    tip.replaceChildren();
    mark.dataset.claims.split(" ").forEach(function (id) {
      var c = data[id];
      if (!c) { return; }
      var box = document.createElement("div");
      box.className = "tip-claim";
      var head = document.createElement("strong");
      head.textContent = c.actor + " \u00b7 " + c.stance + " \u00b7 confidence " +
        Number(c.confidence).toFixed(2);
      var body = document.createElement("p");
      body.textContent = c.claim;
      var who = document.createElement("p");
      who.className = "muted";
      who.textContent = "speaker: " + c.speaker;
      box.append(head, body, who);
      tip.append(box);
    });
    related(mark).forEach(function (m) { m.classList.add("hot"); });
    var r = mark.getBoundingClientRect();
    tip.hidden = false;
    tip.style.left = Math.max(4, Math.min(r.left, window.innerWidth - tip.offsetWidth - 4)) + "px";
    var below = r.bottom + 6;
    tip.style.top = (below + tip.offsetHeight > window.innerHeight ?
      Math.max(4, r.top - tip.offsetHeight - 6) : below) + "px";
  }
  function hide() {
    tip.hidden = true;
    document.querySelectorAll("mark.hot").forEach(function (m) { m.classList.remove("hot"); });
  }
  marks.forEach(function (m) {
    m.dataset.title = m.title;
    m.removeAttribute("title");
    m.addEventListener("mouseenter", show);
    m.addEventListener("mouseleave", hide);
    m.addEventListener("focus", show);
    m.addEventListener("blur", hide);
  });
  document.querySelectorAll("input[data-toggle]").forEach(function (box) {
    box.addEventListener("change", function () {
      document.body.classList.toggle("hide-" + box.dataset.toggle, !box.checked);
    });
  });
  document.body.dataset.ready = "1";
  document.body.dataset.evidence = String(marks.length);
  document.getElementById("js-status").textContent =
    marks.length + " evidence span(s) highlighted; hover one for its claim";
})();
