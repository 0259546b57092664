// Progressive enhancement only: every action also works as a plain form post.
document.addEventListener("DOMContentLoaded", () => {
  // Sign-up: send the browser's time zone so due dates show in local time.
  for (const input of document.querySelectorAll("[data-detect-time-zone]")) {
    input.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  }
});
