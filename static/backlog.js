// Backlog enhancements; the pages work without JavaScript (use the browser's own Print).
"use strict";

document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
