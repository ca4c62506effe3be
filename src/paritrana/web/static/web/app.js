// Paritrana's own script: the page's behaviour lives here, not in inline handlers, so the Content-Security-Policy
// can refuse every inline script. Everything works without it too (the menu then opens with its "Menu" button).
"use strict";
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field instanceof HTMLElement && field.hasAttribute("data-autosubmit") && field.form) {
    field.form.requestSubmit();
  }
});

// The menu: folded into "Menu" on phones, open in a row from 1,024 px (the width app.css lays it out in a row).
document.documentElement.classList.add("js");
const wide = window.matchMedia("(min-width: 1024px)");
function layMenu() {
  document.querySelectorAll("details[data-menu]").forEach((menu) => {
    menu.open = wide.matches;
  });
}
wide.addEventListener("change", layMenu);
layMenu();

// One drop-down open at a time; Escape closes it and gives the focus back to its button.
document.addEventListener(
  "toggle",
  (event) => {
    const group = event.target;
    if (!(group instanceof HTMLDetailsElement) || !group.hasAttribute("data-nav-group") || !group.open) return;
    document.querySelectorAll("details[data-nav-group][open]").forEach((other) => {
      if (other !== group) other.open = false;
    });
  },
  true,
);
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const open = document.querySelector("details[data-nav-group][open]");
  if (open) {
    open.open = false;
    open.querySelector("summary")?.focus();
  } else if (!wide.matches) {
    const menu = document.querySelector("details[data-menu][open]");
    if (menu) {
      menu.open = false;
      menu.querySelector("summary")?.focus();
    }
  }
});

// Tables scroll inside their own box, never the page: wrap each table of the content (also those HTMX swaps in).
function wrapTables(root) {
  root.querySelectorAll("main table").forEach((table) => {
    if (table.parentElement?.classList.contains("table-wrap")) return;
    const box = document.createElement("div");
    box.className = "table-wrap";
    box.tabIndex = 0; // a keyboard user can scroll it
    box.setAttribute("role", "region");
    const caption = table.querySelector("caption")?.textContent?.trim();
    const heading = caption || table.closest("section")?.querySelector("h2, h3")?.textContent?.trim();
    box.setAttribute("aria-label", heading || document.title);
    table.replaceWith(box);
    box.appendChild(table);
  });
}
wrapTables(document);
// as soon as HTMX has put new content in (afterSwap), and again once it has settled
document.addEventListener("htmx:afterSwap", () => wrapTables(document));
document.addEventListener("htmx:afterSettle", () => wrapTables(document));
