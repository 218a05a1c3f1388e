// Small progressive enhancements; every page works without JavaScript.
"use strict";

document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
    return;
  }
  // A second click while the first request is under way would only be ignored by the server.
  const button = form.querySelector("button[type=submit]");
  if (button) {
    setTimeout(() => { button.disabled = true; }, 0);
  }
});

document.addEventListener("focusin", (event) => {
  if (event.target.classList && event.target.classList.contains("copy")) {
    event.target.select();
  }
});
