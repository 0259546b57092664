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
