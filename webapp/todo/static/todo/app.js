// Progressive enhancement only: every action also works as a plain form post.
document.addEventListener("DOMContentLoaded", () => {
  // Sign-up: send the browser's time zone so due dates show in local time.
  for (const input of document.querySelectorAll("[data-detect-time-zone]")) {
    input.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  }
});

// Forms marked data-swap-errors show the server's message for a 5xx too (e.g. a service
// that is unavailable answers 503 with what to do); the page's htmx-config swaps only 2xx-4xx.
document.addEventListener("htmx:beforeSwap", (event) => {
  const form = event.detail.elt && event.detail.elt.closest("[data-swap-errors]");
  if (form && event.detail.xhr.status >= 500 && event.detail.serverResponse) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// The create form, once its task is added: empty again, with a fresh idempotency key for the
// next task (a script file, not an hx-on attribute: the Content-Security-Policy allows no
// inline script).
document.addEventListener("htmx:afterRequest", (event) => {
  const form = event.detail.elt;
  if (!(form instanceof HTMLFormElement) || !form.matches("[data-reset-after-create]")) return;
  if (!event.detail.successful) return;
  form.reset();
  form.querySelector("[name=idempotency_key]").value = crypto.randomUUID
    ? crypto.randomUUID().replaceAll("-", "")
    : Date.now().toString(16) + Math.random().toString(16).slice(2);
});
