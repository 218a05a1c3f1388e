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

// While a customer types a new wish, show similar existing wishes and invite a vote there.
(() => {
  const form = document.getElementById("wish-form");
  const box = document.getElementById("similar");
  if (!form || !box || form.dataset.similar !== "on") {
    return;
  }
  const title = form.querySelector("#title");
  const body = form.querySelector("#body");
  let timer = null;
  let last = "";
  let controller = null;

  function render(items) {
    box.replaceChildren();
    if (!items.length) {
      box.hidden = true;
      return;
    }
    const heading = document.createElement("strong");
    heading.textContent = "Already asked? Vote there instead of posting a duplicate:";
    const list = document.createElement("ul");
    for (const item of items) {
      const li = document.createElement("li");
      const link = document.createElement("a");
      link.href = item.url;
      link.textContent = item.title; // textContent: titles are never parsed as HTML
      const meta = document.createElement("span");
      meta.className = "muted";
      meta.textContent = ` · ${item.votes} vote${item.votes === 1 ? "" : "s"} · ${item.status_label}`;
      li.append(link, meta);
      list.append(li);
    }
    box.append(heading, list);
    box.hidden = false;
  }

  async function lookUp() {
    const text = title.value.trim();
    const query = `${text}\n${body ? body.value.trim().slice(0, 500) : ""}`;
    if (text.length < 4 || query === last) {
      if (text.length < 4) render([]);
      return;
    }
    last = query;
    if (controller) controller.abort();
    controller = new AbortController();
    const params = new URLSearchParams({ title: text, body: body ? body.value.slice(0, 2000) : "", limit: "5" });
    try {
      const response = await fetch(`/api/v1/wishes/similar?${params}`, {
        signal: controller.signal,
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (response.ok) {
        render((await response.json()).items);
      }
    } catch (error) {
      if (error.name !== "AbortError") render([]);
    }
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(lookUp, 300); // debounce: one request after typing pauses
  }
  title.addEventListener("input", schedule);
  if (body) body.addEventListener("input", schedule);
})();
