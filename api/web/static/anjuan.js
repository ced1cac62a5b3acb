// Small helpers the pages share; htmx does the rest.
// A table field: "添加一行" clones the last row with the next index and empty inputs.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-add-row]");
  if (!button) return;
  event.preventDefault();
  var body = document.getElementById(button.getAttribute("data-add-row"));
  var last = body.lastElementChild;
  var next = body.children.length;
  var row = last.cloneNode(true);
  row.querySelectorAll("input, select, textarea").forEach(function (input) {
    input.name = input.name.replace(/\.(\d+)\./, "." + next + ".");
    input.value = "";
  });
  body.appendChild(row);
});
// A finding's page link opens that page in the case-file viewer beside it.
document.addEventListener("click", function (event) {
  var link = event.target.closest("a[data-page]");
  if (!link) return;
  var frame = document.getElementById(link.getAttribute("data-frame") || "casefile");
  if (!frame) return;
  event.preventDefault();
  var base = frame.getAttribute("data-src");
  // A new query string makes the viewer load again and honour #page (a bare hash change may not).
  var page = link.getAttribute("data-page");
  frame.src = base + (base.indexOf("?") < 0 ? "?" : "&") + "at=" + page + "#page=" + page;
  document.querySelectorAll("a[data-page].on").forEach(function (a) { a.classList.remove("on"); });
  link.classList.add("on");
});
// A form, or one submit button of it, that asks first (data-confirm, saying what the step freezes):
// no inline onsubmit, which the page's CSP forbids. Dismissing the dialog sends nothing.
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  var form = event.target.closest("form[data-confirm]");
  var ask = button && button.hasAttribute("data-confirm") ? button.getAttribute("data-confirm")
    : form ? form.getAttribute("data-confirm") : null;
  if (ask && !window.confirm(ask)) event.preventDefault();
});
// "返回上一页" goes back in the history (the link's own href is the fallback without one).
document.addEventListener("click", function (event) {
  var link = event.target.closest("a[data-back]");
  if (!link || window.history.length < 2) return;
  event.preventDefault();
  window.history.back();
});
// 菜单 on a phone: the button opens and closes the folded menu (anjuan.css shows it when open).
document.addEventListener("click", function (event) {
  var button = event.target.closest("button.menu-toggle");
  if (!button) return;
  var header = button.closest("header.top");
  var open = !header.classList.contains("open");
  header.classList.toggle("open", open);
  button.setAttribute("aria-expanded", open ? "true" : "false");
});
// A PDF frame gets a 在新窗口打开 PDF link (shown on phones by anjuan.css): phone browsers often show a
// PDF inside a frame blank or as its first page only. Not where the page already links that file.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("iframe.pdf[src]").forEach(function (frame) {
    var src = frame.getAttribute("src");
    if (document.querySelector('a[href="' + src.replace(/"/g, '\\"') + '"]')) return;
    var link = document.createElement("a");
    link.href = src;
    link.target = "_blank";
    link.rel = "noopener";
    link.className = "btn secondary pdf-open";
    link.textContent = "在新窗口打开 PDF";
    frame.parentNode.insertBefore(link, frame);
  });
});
