// Type-ahead for inputs marked data-picker="nations" or "technologies": suggestions come from this
// server's search API (GET /api/v1/search), never from elsewhere. In a list ("USA, GBR") only the
// last item is completed.
(function () {
  function attach(input) {
    var kind = input.dataset.picker, list = document.createElement("datalist"), timer = null;
    list.id = input.id ? input.id + "-options" : "picker-" + Math.random().toString(36).slice(2);
    input.setAttribute("list", list.id);
    input.setAttribute("autocomplete", "off");
    input.after(list);
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { suggest(input, kind, list); }, 150);
    });
  }
  function suggest(input, kind, list) {
    var parts = input.value.split(/([,;]\s*)/), last = parts.pop().trim(), head = parts.join("");
    if (last.length < 2) { return; }
    fetch("/api/v1/search?limit=8&q=" + encodeURIComponent(last), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : {groups: {}}; })
      .then(function (found) {
        var group = found.groups[kind] || {items: []};
        list.replaceChildren.apply(list, group.items.map(function (hit) {
          var option = document.createElement("option");
          option.value = head + hit.key;
          option.label = hit.label;
          return option;
        }));
        document.body.dataset.pickerReady = String(group.items.length);
      });
  }
  document.querySelectorAll("input[data-picker]").forEach(attach);
})();
