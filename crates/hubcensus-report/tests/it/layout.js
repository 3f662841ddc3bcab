// The layout check run by tests/it/chromium.rs inside headless Chromium. The report is loaded in
// an iframe of the width under test (the report itself holds no script); when it has loaded,
// `runLayoutCheck` opens every <details>, measures the page and writes one line per finding into
// the page's result element (id layout-result), which `--dump-dom` prints. The first line counts what was measured.
//
// A problem is any of:
// - the page is wider than the viewport (wide tables must scroll inside their own wrapper);
// - a text box extends beyond the element that holds it (a table cell, list item, caption...);
// - a line of text breaks inside a word ("nonprofi|t") or a date ("2026-|08-23"): a break is
//   allowed only after a space or one of - / _ . , (not after the hyphen of a date or a range),
//   and between two text nodes (the ids' <wbr> split them);
// - text outside a table cell leaves the viewport (a table's caption cut by its scrolling
//   wrapper); inside a cell, a wide table may scroll sideways;
// - two text boxes overlap, ordered-list markers included (they sit outside their item);
// - a chart's text is cut by the edge of its SVG, or overlaps another text of the page.
"use strict";

var CELLS = "td,th,li,dt,dd,p,h1,h2,h3,h4,h5,caption,figcaption,summary,.label,.value,.population";
var TOLERANCE = 1;

function describe(node) {
  var text = (node.textContent || "").replace(/\s+/g, " ").trim();
  var element = node.nodeType === 1 ? node : node.parentElement;
  return element.tagName.toLowerCase() + (element.className && element.className.baseVal === undefined
    ? "." + element.className.split(" ").join(".") : "") + " \"" + text.slice(0, 60) + "\"";
}

function rectText(rect) {
  return "[" + Math.round(rect.left) + "," + Math.round(rect.top) + " " +
    Math.round(rect.right - rect.left) + "x" + Math.round(rect.bottom - rect.top) + "]";
}

function outside(inner, outer) {
  return inner.left < outer.left - TOLERANCE || inner.right > outer.right + TOLERANCE ||
    inner.top < outer.top - 2 * TOLERANCE || inner.bottom > outer.bottom + 2 * TOLERANCE;
}

// Where the line of text changes inside a text node, the character before the break.
function midWordBreaks(doc, node) {
  var text = node.data;
  var range = doc.createRange();
  var found = [];
  var lastTop = null;
  for (var i = 0; i < text.length; i++) {
    range.setStart(node, i);
    range.setEnd(node, i + 1);
    var rects = range.getClientRects();
    if (rects.length === 0) continue;
    var top = rects[rects.length - 1].top;
    if (lastTop !== null && Math.abs(top - lastTop) > 2 && i > 0) {
      var before = text[i - 1];
      var after = text[i];
      var dateHyphen = before === "-" && /\d/.test(after) && i > 1 && /\d/.test(text[i - 2]);
      if ((!/[\s\-\/_.,]/.test(before) || dateHyphen) && !/\s/.test(after)) {
        found.push(text.slice(Math.max(0, i - 12), i) + "|" + text.slice(i, i + 12));
      }
    }
    lastTop = top;
  }
  return found;
}

function check(doc) {
  var win = doc.defaultView;
  var problems = [];
  var boxes = [];
  var counts = { texts: 0, svgTexts: 0, markers: 0, cells: 0 };
  var root = doc.documentElement;
  if (root.scrollWidth > root.clientWidth + TOLERANCE) {
    problems.push("page is " + root.scrollWidth + " px wide in a " + root.clientWidth + " px viewport");
  }

  // HTML text: every text node outside the charts.
  var walker = doc.createTreeWalker(doc.body, win.NodeFilter.SHOW_TEXT);
  var range = doc.createRange();
  for (var node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.data.trim() || node.parentElement.closest("svg")) continue;
    range.selectNodeContents(node);
    var rects = Array.prototype.filter.call(range.getClientRects(), function (r) {
      return r.width > 0 && r.height > 0;
    });
    if (rects.length === 0) continue;
    counts.texts += 1;
    var cell = node.parentElement.closest(CELLS) || node.parentElement;
    var cellRect = cell.getBoundingClientRect();
    var inTable = node.parentElement.closest("td,th") !== null;
    rects.forEach(function (rect) {
      if (!inTable && (rect.left < -TOLERANCE || rect.right > root.clientWidth + TOLERANCE)) {
        problems.push("off screen: " + describe(node) + " " + rectText(rect) + " in a " +
          root.clientWidth + " px viewport");
      }
      if (outside(rect, cellRect)) {
        problems.push("overflow: " + describe(node) + " " + rectText(rect) + " leaves its " +
          cell.tagName.toLowerCase() + " " + rectText(cellRect));
      }
      boxes.push({ left: rect.left, right: rect.right, top: rect.top, bottom: rect.bottom, node: node });
    });
    var tops = {};
    rects.forEach(function (r) { tops[Math.round(r.top)] = true; });
    if (Object.keys(tops).length > 1) {
      midWordBreaks(doc, node).forEach(function (where) {
        problems.push("word broken: " + describe(node) + " at \"" + where + "\"");
      });
    }
  }
  doc.querySelectorAll("td,th").forEach(function (cell) {
    counts.cells += 1;
    if (cell.scrollWidth > cell.clientWidth + TOLERANCE) {
      problems.push("overflow: " + describe(cell) + " scrolls (" + cell.scrollWidth + " > " + cell.clientWidth + ")");
    }
  });

  // Ordered-list markers sit left of their item's content box: measure them with the item's font.
  var canvas = doc.createElement("canvas").getContext("2d");
  doc.querySelectorAll("ol > li").forEach(function (item, index) {
    var list = item.parentElement;
    var style = win.getComputedStyle(item);
    if (style.display !== "list-item" || style.listStyleType === "none" ||
        style.listStylePosition !== "outside") return;
    var position = Array.prototype.indexOf.call(list.children, item) + (list.start || 1);
    canvas.font = style.font;
    var width = canvas.measureText(position + ". ").width;
    var box = item.getBoundingClientRect();
    var left = box.left + parseFloat(style.borderLeftWidth) + parseFloat(style.paddingLeft);
    var lineHeight = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.2;
    var marker = { left: left - width, right: left, top: box.top, bottom: box.top + lineHeight, node: item };
    counts.markers += 1;
    boxes.push(marker);
  });

  // Chart text: inside its SVG, and part of the overlap check.
  doc.querySelectorAll("svg").forEach(function (svg) {
    var frame = svg.getBoundingClientRect();
    if (frame.width === 0 || frame.height === 0) return;
    svg.querySelectorAll("text").forEach(function (text) {
      if (!text.textContent.trim()) return;
      var rect = text.getBoundingClientRect();
      if (rect.width === 0) return;
      counts.svgTexts += 1;
      if (outside(rect, frame)) {
        problems.push("cut: chart text " + describe(text) + " " + rectText(rect) + " leaves its chart " +
          rectText(frame));
      }
      boxes.push({ left: rect.left, right: rect.right, top: rect.top, bottom: rect.bottom, node: text });
    });
  });

  // Overlaps, by a sweep over the boxes sorted by their top.
  boxes.sort(function (a, b) { return a.top - b.top; });
  for (var i = 0; i < boxes.length; i++) {
    var a = boxes[i];
    for (var j = i + 1; j < boxes.length && boxes[j].top < a.bottom - TOLERANCE; j++) {
      var b = boxes[j];
      if (a.node === b.node) continue;
      var width = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      var height = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (width > TOLERANCE && height > TOLERANCE) {
        problems.push("overlap: " + describe(a.node) + " " + rectText(a) + " and " + describe(b.node) +
          " " + rectText(b));
      }
    }
  }
  return ["checked texts=" + counts.texts + " svg_texts=" + counts.svgTexts + " markers=" +
    counts.markers + " cells=" + counts.cells + " viewport=" + root.clientWidth]
    .concat(problems.map(function (p) { return "problem " + p; }));
}

function runLayoutCheck(frame) {
  var out = document.getElementById("layout-result");
  try {
    var doc = frame.contentDocument;
    doc.querySelectorAll("details").forEach(function (details) { details.open = true; });
    // Tall enough for the whole report: no scrollbar takes width from the page.
    for (var pass = 0; pass < 2; pass++) {
      frame.style.height = (doc.documentElement.scrollHeight + 20) + "px";
    }
    out.textContent = check(doc).join("\n");
  } catch (error) {
    out.textContent = "error " + error + "\n" + (error.stack || "");
  }
}
