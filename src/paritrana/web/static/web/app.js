// Paritrana's own script: the page's behaviour lives here, not in inline handlers, so the Content-Security-Policy
// can refuse every inline script.
"use strict";
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field instanceof HTMLElement && field.hasAttribute("data-autosubmit") && field.form) {
    field.form.requestSubmit();
  }
});
