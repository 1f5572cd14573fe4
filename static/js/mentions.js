/* @mention suggestions for the post text areas: a progressive enhancement.
 *
 * Without this script, typing "@" and a display name works just the same. With it,
 * after "@" and two or more characters, up to 8 matching display names appear as
 * buttons just after the text area (announced politely to screen readers); choosing
 * one completes the name and puts the focus back where the member was typing. Escape
 * closes the list. Same-origin only: the names come from data-endpoint (a JSON list).
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var endpoint = script && script.getAttribute("data-endpoint");
  if (!endpoint || !window.fetch) { return; }
  var TYPED = /(^|[^\w@])@([^\s@][^@\n]{1,39})$/;

  function attach(area) {
    var box = document.createElement("div");
    box.className = "mention-suggestions";
    box.setAttribute("aria-live", "polite");
    area.insertAdjacentElement("afterend", box);
    var timer = null, asked = "";

    function clear() { box.textContent = ""; asked = ""; }

    function typed() {
      var before = area.value.slice(0, area.selectionStart);
      var match = TYPED.exec(before);
      return match ? match[2] : null;
    }

    function choose(name) {
      var caret = area.selectionStart, before = area.value.slice(0, caret);
      var start = before.lastIndexOf("@") + 1;
      area.value = area.value.slice(0, start) + name + " " + area.value.slice(caret);
      var at = start + name.length + 1;
      area.focus();
      area.setSelectionRange(at, at);
      clear();
    }

    function show(query, names) {
      clear();
      if (!names.length) { return; }
      asked = query;
      var label = document.createElement("p");
      label.className = "meta";
      label.textContent = names.length + (names.length === 1 ? " member" : " members") +
        " named like \u201c" + query + "\u201d: choose one to complete the name, or keep typing.";
      var list = document.createElement("ul");
      names.forEach(function (name) {
        var item = document.createElement("li"), button = document.createElement("button");
        button.type = "button";
        button.className = "link-button";
        button.textContent = "@" + name;
        button.addEventListener("click", function () { choose(name); });
        item.appendChild(button);
        list.appendChild(item);
      });
      box.appendChild(label);
      box.appendChild(list);
    }

    function lookUp() {
      var query = typed();
      if (!query || query.trim().length < 2) { clear(); return; }
      if (query === asked) { return; }
      fetch(endpoint + "?q=" + encodeURIComponent(query), {
        credentials: "same-origin", headers: { "Accept": "application/json" }
      }).then(function (response) {
        return response.ok ? response.json() : { names: [] };
      }).then(function (data) {
        if (typed() === query) { show(query, data.names || []); }
      }).catch(clear);
    }

    area.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(lookUp, 250);
    });
    area.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && box.firstChild) { clear(); }
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { clear(); area.focus(); }
    });
  }

  document.querySelectorAll("textarea[name='body']").forEach(attach);
})();
