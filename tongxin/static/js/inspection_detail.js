/* inspections/inspection_detail.html (was inline; the CSP runs no inline script). */
// After an htmx save, bring the next unanswered item into view (a plain POST does this with #item-… in the redirect).
document.body.addEventListener("htmx:afterSettle", function () {
  var card = document.querySelector("[data-next-anchor]");
  if (!card) { return; }
  var next = document.getElementById(card.getAttribute("data-next-anchor"));
  card.removeAttribute("data-next-anchor");
  if (next && next !== card) { next.scrollIntoView({behavior: "smooth", block: "start"}); }
});
