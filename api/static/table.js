// Tables on entity pages hold all their rows: sort them by any column and filter them in the browser.
// (Lists and analysis tables page on the server and sort there instead.)
(function () {
  var FILTER_OVER = 10;  // rows a table needs before it gets a filter box
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }
  function key(cell) {
    var text = cell ? cell.textContent.trim() : "";
    var number = Number(text);
    return text !== "" && !isNaN(number) ? [0, number] : [1, fold(text)];
  }
  function compare(a, b) {
    return a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);
  }
  function sortBy(table, index, th) {
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    table.tHead.querySelectorAll("th").forEach(function (h) { h.setAttribute("aria-sort", "none"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (r, s) {
      var order = compare(key(r.cells[index]), key(s.cells[index]));
      return ascending ? order : -order;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  function sortable(table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      if (!th.textContent.trim()) { return; }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.textContent = th.textContent;
      th.replaceChildren(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () { sortBy(table, index, th); });
    });
  }
  function filterable(table, n) {
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    if (rows.length <= FILTER_OVER) { return; }
    var box = document.createElement("p"), id = "table-filter-" + n;
    box.className = "table-filter noprint";
    box.innerHTML = '<label for="' + id + '">Filter these rows </label><input type="search" id="' + id + '">' +
                    ' <span class="table-count" aria-live="polite"></span>';
    table.before(box);
    var input = box.querySelector("input"), count = box.querySelector(".table-count");
    input.addEventListener("input", function () {
      var words = fold(input.value).split(/\s+/).filter(Boolean), shown = 0;
      rows.forEach(function (r) {
        var text = fold(r.textContent), keep = words.every(function (w) { return text.indexOf(w) >= 0; });
        r.hidden = !keep;
        shown += keep ? 1 : 0;
      });
      count.textContent = words.length ? shown + " of " + rows.length + " rows" : "";
    });
  }
  document.querySelectorAll("table.local").forEach(function (table, n) {
    if (!table.tHead || !table.tBodies.length) { return; }
    sortable(table);
    filterable(table, n);
  });
})();
