// hubcensus serve: the little script the pages allow themselves. Every page works without it:
// filter forms are plain GET forms (so the filter state is in the URL), charts are SVG with
// <title> tooltips. With it: a filter form submits itself when a field changes (blank fields
// are left out of the URL), and a table sorts by a column when its header is clicked.
"use strict";

function submitFilters(form) {
  var params = new URLSearchParams();
  Array.prototype.forEach.call(form.elements, function (field) {
    if (!field.name || field.disabled) return;
    if (field.type === "checkbox") {
      if (field.checked) params.append(field.name, "true");
    } else if (field.value.trim() !== "") {
      params.append(field.name, field.value.trim());
    }
  });
  var query = params.toString();
  window.location.assign(form.getAttribute("action") + (query ? "?" + query : ""));
}

function sortTable(table, column, numeric) {
  var body = table.tBodies[0];
  if (!body) return;
  var rows = Array.prototype.slice.call(body.rows);
  var descending = table.getAttribute("data-sorted") === String(column) + "a";
  rows.sort(function (a, b) {
    var x = a.cells[column] ? a.cells[column].getAttribute("data-value") || a.cells[column].textContent : "";
    var y = b.cells[column] ? b.cells[column].getAttribute("data-value") || b.cells[column].textContent : "";
    var order = numeric ? (parseFloat(x) || 0) - (parseFloat(y) || 0) : x.localeCompare(y);
    return descending ? -order : order;
  });
  rows.forEach(function (row) { body.appendChild(row); });
  table.setAttribute("data-sorted", String(column) + (descending ? "d" : "a"));
}

document.addEventListener("DOMContentLoaded", function () {
  Array.prototype.forEach.call(document.querySelectorAll("form.filters"), function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      submitFilters(form);
    });
    Array.prototype.forEach.call(form.querySelectorAll("select,input[type=checkbox]"), function (field) {
      field.addEventListener("change", function () { submitFilters(form); });
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    Array.prototype.forEach.call(table.querySelectorAll("th"), function (header, column) {
      header.classList.add("sortable");
      header.addEventListener("click", function () {
        sortTable(table, column, header.classList.contains("num"));
      });
    });
  });
});
