// Live sync of the task page (browser side of sync_worker's WebSocket protocol).
//
// The htmx ws extension receives HTML messages and swaps each top-level element out of band
// by id. This file keeps that safe when messages are late, repeated or out of order:
// - every event carries a sequence number (#sync-seq); events at or below the last one applied
//   are dropped, a gap asks the server to resend ({"type": "resync"}), and every (re)opened
//   socket says where it stands ({"type": "hello"});
// - a task is never replaced by an older or equal version, tasks created elsewhere are inserted
//   in position order, deletes of unknown tasks are no-ops, and a task being edited keeps the
//   user's typing (a notice says it changed elsewhere; saving then answers 409);
// - counts, order and the connection indicator follow every change;
// - a lost socket is reopened after a full-jitter delay capped at RECONNECT_CAP_MS, and at once
//   when the browser comes back online or the tab becomes visible.
// Without JavaScript none of this runs and every action is a plain form post.
(function () {
  "use strict";
  if (!window.htmx) return;

  // Reconnects are scheduled here, not by the ws extension: its timer (full jitter up to 64 s)
  // cannot be cancelled, so a tab reconnected early by "online" or "visibilitychange" would
  // be reconnected again by it. Its delay is therefore setTimeout's longest (about 24 days).
  const NEVER_MS = 2 ** 31 - 1;
  htmx.config.wsReconnectDelay = () => NEVER_MS;
  // Close codes after which the socket is reopened (those the ws extension retries).
  const RETRIED_CLOSE_CODES = [1006, 1011, 1012, 1013];
  const RECONNECT_BASE_MS = 500;
  // An outage of 20 s leaves a tab offline for at most about 10 s more (it was up to 64 s).
  const RECONNECT_CAP_MS = 10000;
  // A socket closed sooner than this after opening (a server that accepts and then closes,
  // e.g. 1013 while webapp is unreachable) does not reset the back-off.
  const STABLE_MS = 5000;
  const OFFLINE_CLOSE_CODE = 4000;
  const RESYNC_RETRY_MS = 5000;
  // Close codes the server ends a socket with for good, and what the tab says then.
  const CLOSE_NOT_SIGNED_IN = 4401; // signed out (here or in another tab), or never signed in
  const CLOSE_TOO_MANY_SOCKETS = 4429; // this user has too many live tabs open already
  const LABELS = {
    live: "Live",
    reconnecting: "Reconnecting…",
    offline: "Offline",
    "signed-out": "Signed out: sign in again for live updates",
    "too-many": "Not live: too many open tabs; close some and reload",
  };

  const sync = {
    lastSeq: 0,
    message: null, // the event being applied: {seq, refresh, tasks: Map(id -> {version, deleted})}
    refresh: null, // an in-flight list refresh: {touched: Set(id)}
    resync: null, // the last resync request: {after, at}
    socket: null, // the socket the ws extension created last
    wrapper: null, // the ws extension's socket wrapper (send, reconnect)
    opened: false,
    openedAt: 0, // when the current socket opened (0: not open)
    attempts: 0, // reconnects since the last socket that stayed open
    retry: null, // the scheduled reconnect: {timer, at}
    ended: false, // the server closed for good (4401, 4429): never reconnect
    sent: [], // the last frames sent, newest last (for debugging and the browser tests)
  };
  const tombstones = new Set(); // ids of deleted tasks: a late update must not bring them back
  const latest = new Map(); // id -> newest known <li> of a task being edited (null: deleted)
  let internal = null; // htmx's internal API, as extensions get it

  htmx.defineExtension("live-sync", {
    init(api) {
      internal = api;
    },
  });

  // Track the socket the ws extension is using now, so events of a discarded one are ignored.
  const createWebSocket = htmx.createWebSocket;
  if (createWebSocket) {
    htmx.createWebSocket = function (url) {
      sync.socket = createWebSocket(url);
      return sync.socket;
    };
  }

  const taskList = () => document.getElementById("task-list");
  const isTask = (el) => el instanceof Element && el.matches("li.task") && el.id.startsWith("task-");
  const isEditing = (el) => el.classList.contains("editing");
  const version = (el) => Number(el.dataset.version || 0);
  const position = (el) => Number(el.dataset.position || 0);
  // A task being edited keeps the version it was opened at (its form posts that one).
  const shownVersion = (el) => Math.max(version(el), Number(el.dataset.seenVersion || 0));
  const tasksIn = (parent) => Array.from(parent.children).filter(isTask);

  function parseMessage(html) {
    const template = document.createElement("template");
    template.innerHTML = html;
    const top = Array.from(template.content.children);
    const marker = top.find((el) => el.id === "sync-seq");
    if (!marker) return null;
    const tasks = new Map();
    for (const el of top) {
      if (!el.id.startsWith("task-")) continue;
      const deleted = el.getAttribute("hx-swap-oob") === "delete";
      tasks.set(el.id, { version: version(el), deleted });
    }
    const seq = Number(marker.dataset.seq);
    return { seq, refresh: marker.dataset.refresh === "true", tasks };
  }

  function send(frame) {
    sync.sent.push(frame);
    if (sync.sent.length > 20) sync.sent.shift();
    if (sync.wrapper && sync.socket && sync.socket.readyState === WebSocket.OPEN) {
      sync.wrapper.send(JSON.stringify(frame));
    }
  }

  function requestResync() {
    const now = Date.now();
    const asked = sync.resync;
    if (asked && asked.after === sync.lastSeq && now - asked.at < RESYNC_RETRY_MS) return;
    sync.resync = { after: sync.lastSeq, at: now };
    send({ type: "resync", after: sync.lastSeq });
  }

  function touched(id) {
    if (sync.refresh) sync.refresh.touched.add(id);
  }

  // --- Applying one event -------------------------------------------------------------------

  function onBeforeMessage(evt) {
    rememberWrapper(evt.detail.socketWrapper);
    const msg = parseMessage(evt.detail.message);
    if (!msg || !Number.isFinite(msg.seq)) return; // not a sync message: htmx swaps it as is
    if (msg.refresh) {
      // Always honoured, even at a lower seq: the server may have started over.
      evt.preventDefault();
      refreshList(msg.seq);
      return;
    }
    if (msg.seq <= sync.lastSeq) {
      evt.preventDefault(); // already applied
      return;
    }
    if (msg.seq > sync.lastSeq + 1) {
      evt.preventDefault(); // missed one: the server resends everything after lastSeq
      requestResync();
      return;
    }
    sync.message = msg;
  }

  function onAfterMessage() {
    if (sync.message) {
      sync.lastSeq = sync.message.seq;
      sync.resync = null;
      sync.message = null;
    }
    settle();
  }

  function incomingElement(fragment) {
    if (fragment instanceof DocumentFragment) return fragment.firstElementChild;
    return fragment instanceof Element ? fragment : null;
  }

  function onOobBeforeSwap(evt) {
    const msg = sync.message;
    const target = evt.detail.target;
    if (!msg || !isTask(target)) return;
    const info = msg.tasks.get(target.id);
    if (!info) return;
    touched(target.id);
    if (info.deleted) {
      tombstones.add(target.id);
      if (isEditing(target)) {
        evt.preventDefault();
        latest.set(target.id, null);
        noteChangedElsewhere(target, true);
      }
      return;
    }
    if (info.version <= shownVersion(target)) {
      evt.preventDefault(); // this tab already shows it (or something newer)
      return;
    }
    if (isEditing(target)) {
      evt.preventDefault();
      const incoming = incomingElement(evt.detail.fragment);
      if (incoming) latest.set(target.id, incoming.cloneNode(true));
      target.dataset.seenVersion = String(info.version);
      noteChangedElsewhere(target, false);
      return;
    }
    // A push can replace the task under the keyboard (even before this tab's own answer
    // arrives): keep the focus on the same control of the new version.
    rememberFocus(target);
  }

  function onOobErrorNoTarget(evt) {
    const msg = sync.message;
    const content = evt.detail.content;
    if (!msg || !(content instanceof Element)) return;
    const info = msg.tasks.get(content.id);
    if (!info) return; // #sync-seq: settle() puts it back
    touched(content.id);
    if (info.deleted) {
      tombstones.add(content.id); // a delete of a task this tab never showed: nothing to do
      return;
    }
    if (tombstones.has(content.id)) return;
    insertTask(content);
  }

  function insertTask(li) {
    const list = taskList();
    if (!list) return;
    li.removeAttribute("hx-swap-oob");
    const after = tasksIn(list).find((other) => position(other) > position(li));
    list.insertBefore(li, after || null);
    htmx.process(li);
  }

  function noteChangedElsewhere(li, deleted) {
    const form = li.querySelector("form");
    if (!form) return;
    let note = li.querySelector(".changed-elsewhere");
    if (!note) {
      note = document.createElement("p");
      note.className = "changed-elsewhere";
      note.setAttribute("role", "alert");
      form.prepend(note);
    }
    note.textContent = deleted
      ? "This task was deleted elsewhere. Saving will fail; Cancel to let it go."
      : "This task was changed elsewhere. Saving will be refused and show the current version; " +
        "Cancel to see it.";
    li.dataset.changedElsewhere = deleted ? "deleted" : "changed";
  }

  // --- Refresh: re-fetch the list, merge by version ------------------------------------------

  function refreshList(seq) {
    sync.lastSeq = seq;
    sync.resync = null;
    const token = { touched: new Set() };
    sync.refresh = token;
    settle();
    return fetch(window.location.href, {
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    })
      .then((response) => {
        if (!response.ok) throw new Error(`refresh answered ${response.status}`);
        return response.text();
      })
      .then((html) => {
        if (sync.refresh !== token) return; // a newer refresh is under way
        const fresh = new DOMParser().parseFromString(html, "text/html").getElementById("task-list");
        if (fresh) mergeList(fresh, token.touched);
      })
      .catch((error) => showMessage(`Could not refresh the list: ${error.message}`))
      .finally(() => {
        if (sync.refresh === token) sync.refresh = null;
        settle();
      });
  }

  // Events applied while the page was being fetched win over what the fetch saw.
  function mergeList(fresh, touchedIds) {
    const list = taskList();
    if (!list) return;
    const mine = new Map(tasksIn(list).map((li) => [li.id, li]));
    const freshTasks = tasksIn(fresh);
    const freshIds = new Set(freshTasks.map((li) => li.id));
    for (const li of mine.values()) {
      if (freshIds.has(li.id) || touchedIds.has(li.id)) continue;
      tombstones.add(li.id);
      if (isEditing(li)) {
        latest.set(li.id, null);
        noteChangedElsewhere(li, true);
      } else {
        li.remove();
      }
    }
    for (const li of freshTasks) {
      if (tombstones.has(li.id)) continue;
      const shown = mine.get(li.id);
      if (!shown) {
        insertTask(document.adoptNode(li));
      } else if (version(li) > shownVersion(shown)) {
        if (isEditing(shown)) {
          latest.set(li.id, li);
          shown.dataset.seenVersion = String(version(li));
          noteChangedElsewhere(shown, false);
        } else {
          shown.replaceWith(document.adoptNode(li));
          htmx.process(li);
        }
      }
    }
  }

  // --- After every change: one element per task, position order, counts, seq marker ---------

  function settle() {
    const list = taskList();
    if (list) {
      dropDuplicates(list);
      sortByPosition(list);
      updateCounts(list);
    }
    for (const id of latest.keys()) {
      const li = document.getElementById(id);
      if (!li || !isEditing(li)) latest.delete(id);
    }
    let marker = document.getElementById("sync-seq");
    if (!marker) {
      marker = document.createElement("div");
      marker.id = "sync-seq";
      marker.hidden = true;
      (document.getElementById("live") || document.body).append(marker);
    }
    marker.dataset.seq = String(sync.lastSeq);
  }

  function dropDuplicates(list) {
    const seen = new Map();
    for (const li of tasksIn(list)) {
      const kept = seen.get(li.id);
      if (!kept) {
        seen.set(li.id, li);
      } else if (shownVersion(li) > shownVersion(kept) && !isEditing(kept)) {
        kept.remove();
        seen.set(li.id, li);
      } else {
        li.remove();
      }
    }
  }

  function sortByPosition(list) {
    const items = tasksIn(list);
    const sorted = items.slice().sort((a, b) => position(a) - position(b));
    if (sorted.every((li, i) => li === items[i])) return;
    const focused = document.activeElement;
    for (const li of sorted) list.append(li); // moves in place; other children stay first
    if (focused && focused !== document.activeElement && document.contains(focused)) {
      focused.focus();
    }
  }

  function updateCounts(list) {
    const items = tasksIn(list);
    const completed = items.filter((li) => li.dataset.completed === "true").length;
    const counts = { all: items.length, active: items.length - completed, completed };
    for (const span of document.querySelectorAll("span[data-count]")) {
      const value = counts[span.dataset.count];
      if (value !== undefined && span.textContent !== String(value)) span.textContent = value;
    }
  }

  // --- This tab's own requests --------------------------------------------------------------

  function parseTask(html) {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    const first = template.content.firstElementChild;
    return isTask(first) ? first : null;
  }

  // Swapping a task's <li> drops the focus with it: put it back on the same control of the
  // new version (or on the next task when it went away), for keyboard users.
  let refocus = null;

  function focusSelector(el) {
    if (el.matches(".toggle")) return ".toggle";
    if (el.name === "direction") return `[name="direction"][value="${el.value}"]`;
    if (el.matches(".danger")) return ".danger";
    return "[data-edit]";
  }

  function rememberFocus(target) {
    const focused = document.activeElement;
    if (!isTask(target) || !focused || !target.contains(focused)) return;
    const next = target.nextElementSibling;
    refocus = { id: target.id, selector: focusSelector(focused), next: next && next.id };
  }

  function restoreFocus() {
    const wanted = refocus;
    refocus = null;
    if (!wanted || (document.activeElement && document.activeElement !== document.body)) return;
    const li = document.getElementById(wanted.id);
    if (li && isEditing(li)) return; // the edit form focuses its title itself (autofocus)
    const next = wanted.next && document.getElementById(wanted.next);
    const control = li ? li.querySelector(wanted.selector) : next && next.querySelector(".toggle");
    const fallback = document.getElementById("new-title");
    (control || fallback)?.focus();
  }

  function onAfterSwap() {
    settle();
    restoreFocus();
  }

  function onBeforeSwap(evt) {
    const detail = evt.detail;
    const target = detail.target;
    const status = detail.xhr ? detail.xhr.status : 0;
    const answer = typeof detail.serverResponse === "string" ? detail.serverResponse : "";
    const task = parseTask(answer);
    refocus = null;
    if (detail.isError && !task) {
      // A message, not a task: show it above the list rather than inside it.
      detail.shouldSwap = false;
      const text = new DOMParser().parseFromString(answer, "text/html").body.textContent.trim();
      showMessage(text || `The request failed (${status}).`);
      if (status === 404 && isTask(target)) {
        rememberFocus(target);
        tombstones.add(target.id);
        target.remove();
        settle();
        restoreFocus();
      }
      return;
    }
    if (task && isTask(target) && !isEditing(target)) {
      if (task.classList.contains("editing")) {
        latest.set(target.id, target.cloneNode(true)); // what Cancel puts back
      } else if (version(task) < shownVersion(target)) {
        detail.shouldSwap = false; // a live update already brought something newer
      }
    } else if (task && target === taskList()) {
      const shown = document.getElementById(task.id);
      if (shown && version(task) <= shownVersion(shown)) detail.shouldSwap = false;
    }
    if (detail.shouldSwap) rememberFocus(target);
  }

  function onAfterRequest(evt) {
    if (evt.detail.successful) hideMessage();
  }

  function showMessage(text) {
    const box = document.getElementById("task-message");
    if (!box) return;
    box.textContent = text;
    box.hidden = false;
  }

  function hideMessage() {
    const box = document.getElementById("task-message");
    if (box && !box.hidden) {
      box.hidden = true;
      box.textContent = "";
    }
  }

  // Cancel puts back the newest version of the task instead of reloading the page.
  function onClick(evt) {
    const cancel = evt.target instanceof Element && evt.target.closest("[data-cancel-edit]");
    if (!cancel) return;
    const li = cancel.closest("li.task.editing");
    if (!li || !latest.has(li.id)) return;
    evt.preventDefault();
    const shown = latest.get(li.id);
    latest.delete(li.id);
    if (shown) {
      li.replaceWith(shown);
      htmx.process(shown);
      const edit = shown.querySelector("[data-edit]");
      if (edit) edit.focus();
    } else {
      li.remove();
    }
    settle();
  }

  // Filter links switch the CSS filter in place; their hrefs still work without JavaScript.
  function onFilterClick(evt) {
    const link = evt.target instanceof Element && evt.target.closest("a[data-filter-link]");
    const list = taskList();
    if (!link || !list || evt.metaKey || evt.ctrlKey || evt.shiftKey || evt.button !== 0) return;
    evt.preventDefault();
    const name = link.dataset.filterLink;
    list.dataset.filter = name;
    for (const other of document.querySelectorAll("a[data-filter-link]")) {
      if (other === link) other.setAttribute("aria-current", "page");
      else other.removeAttribute("aria-current");
    }
    const url = new URL(window.location.href);
    url.searchParams.set("filter", name);
    window.history.replaceState(null, "", url);
  }

  // --- Connection state ---------------------------------------------------------------------

  function setConnection(state) {
    const status = document.getElementById("connection-status");
    if (!status) return;
    const label = state === "reconnecting" && !sync.opened ? "Connecting…" : LABELS[state];
    // Unchanged text is left alone so that screen readers announce changes only.
    if (status.dataset.state === state && status.textContent === label) return;
    status.dataset.state = state;
    status.textContent = label;
  }

  function rememberWrapper(wrapper) {
    if (wrapper && typeof wrapper.send === "function") sync.wrapper = wrapper;
  }

  const isCurrent = (socket) => !sync.socket || socket === sync.socket;

  function onConnecting() {
    setConnection(navigator.onLine ? "reconnecting" : "offline");
  }

  // Full jitter: anywhere from 0 to min(cap, base * 2^attempt).
  function reconnectDelay(attempt) {
    return Math.random() * Math.min(RECONNECT_CAP_MS, RECONNECT_BASE_MS * 2 ** attempt);
  }

  function cancelReconnect() {
    if (sync.retry) clearTimeout(sync.retry.timer);
    sync.retry = null;
  }

  function scheduleReconnect() {
    cancelReconnect();
    const delay = reconnectDelay(sync.attempts);
    sync.attempts += 1;
    sync.retry = { timer: setTimeout(reconnectNow, delay), at: Date.now() + delay };
  }

  // Opens a new socket unless one is open or opening already.
  function reconnectNow() {
    cancelReconnect();
    if (sync.ended) return;
    const socket = sync.socket;
    if (socket && socket.readyState <= WebSocket.OPEN) return;
    if (!document.getElementById("live")) return; // the page no longer wants a socket
    if (sync.wrapper && typeof sync.wrapper.reconnect === "function") sync.wrapper.reconnect();
  }

  function onOpen(evt) {
    const socket = evt.detail.event && evt.detail.event.target;
    if (!isCurrent(socket)) return;
    rememberWrapper(evt.detail.socketWrapper);
    cancelReconnect();
    sync.opened = true;
    sync.openedAt = Date.now();
    sync.resync = null;
    setConnection("live");
    send({ type: "hello", after: sync.lastSeq });
  }

  function onClose(evt) {
    const event = evt.detail.event;
    rememberWrapper(evt.detail.socketWrapper);
    if (!isCurrent(event && event.target)) return;
    if (sync.openedAt && Date.now() - sync.openedAt >= STABLE_MS) sync.attempts = 0;
    sync.openedAt = 0;
    const retried = RETRIED_CLOSE_CODES.includes(event.code);
    if (event.code === CLOSE_NOT_SIGNED_IN || event.code === CLOSE_TOO_MANY_SOCKETS) {
      cancelReconnect();
      sync.ended = true;
      setConnection(event.code === CLOSE_NOT_SIGNED_IN ? "signed-out" : "too-many");
      return;
    }
    setConnection(navigator.onLine && retried ? "reconnecting" : "offline");
    // Offline, the "online" event reconnects; other codes (4401, 1009, ...) mean "do not".
    if (navigator.onLine && retried) scheduleReconnect();
  }

  function onError(evt) {
    const error = evt.detail.error;
    if (!isCurrent(error && error.target)) return;
    setConnection(navigator.onLine ? "reconnecting" : "offline");
  }

  // Browsers keep an open socket through a network loss; close it so that coming back online
  // opens a fresh one that says hello (and so catches up).
  function onOffline() {
    if (sync.ended) return;
    setConnection("offline");
    const socket = sync.socket;
    if (socket && socket.readyState <= WebSocket.OPEN) socket.close(OFFLINE_CLOSE_CODE, "offline");
  }

  function onOnline() {
    if (sync.ended) return;
    const socket = sync.socket;
    if (socket && socket.readyState === WebSocket.OPEN) {
      setConnection("live");
      return;
    }
    setConnection("reconnecting");
    sync.attempts = 0; // the network is back: start the back-off over
    reconnectNow();
  }

  // A tab coming to the front should not wait out a back-off that ran while it was hidden.
  function onVisibilityChange() {
    if (document.visibilityState !== "visible" || !navigator.onLine) return;
    const socket = sync.socket;
    if (socket && socket.readyState <= WebSocket.OPEN) return;
    if (!sync.retry) return; // not waiting to reconnect (never opened, or told not to)
    setConnection("reconnecting");
    reconnectNow();
  }

  // What the ws extension does with one message, for messages that do not come from a socket
  // (the browser tests inject them to check the page logic on its own).
  function receive(message) {
    const live = document.getElementById("live");
    if (!live || !internal) return false;
    const detail = { message, socketWrapper: sync.wrapper };
    if (!internal.triggerEvent(live, "htmx:wsBeforeMessage", detail)) return false;
    const settleInfo = internal.makeSettleInfo(live);
    const fragment = internal.makeFragment(message);
    for (const child of Array.from(fragment.children)) {
      internal.oobSwap(internal.getAttributeValue(child, "hx-swap-oob") || "true", child, settleInfo);
    }
    internal.settleImmediately(settleInfo.tasks);
    internal.triggerEvent(live, "htmx:wsAfterMessage", detail);
    return true;
  }

  document.addEventListener("htmx:wsBeforeMessage", onBeforeMessage);
  document.addEventListener("htmx:wsAfterMessage", onAfterMessage);
  document.addEventListener("htmx:oobBeforeSwap", onOobBeforeSwap);
  document.addEventListener("htmx:oobAfterSwap", restoreFocus);
  document.addEventListener("htmx:oobErrorNoTarget", onOobErrorNoTarget);
  document.addEventListener("htmx:wsConnecting", onConnecting);
  document.addEventListener("htmx:wsOpen", onOpen);
  document.addEventListener("htmx:wsClose", onClose);
  document.addEventListener("htmx:wsError", onError);
  document.addEventListener("htmx:beforeSwap", onBeforeSwap);
  document.addEventListener("htmx:afterSwap", onAfterSwap);
  document.addEventListener("htmx:afterRequest", onAfterRequest);
  document.addEventListener("click", onClick);
  document.addEventListener("click", onFilterClick);
  window.addEventListener("offline", onOffline);
  window.addEventListener("online", onOnline);
  document.addEventListener("visibilitychange", onVisibilityChange);
  document.addEventListener("DOMContentLoaded", () => {
    const marker = document.getElementById("sync-seq");
    sync.lastSeq = marker ? Number(marker.dataset.seq) || 0 : 0;
    if (!navigator.onLine) setConnection("offline");
    settle();
  });

  window.liveSync = {
    receive,
    refreshList,
    get lastSeq() {
      return sync.lastSeq;
    },
    get sent() {
      return sync.sent.slice();
    },
    reconnectDelay,
    RECONNECT_CAP_MS,
    get reconnectAttempts() {
      return sync.attempts;
    },
    // Milliseconds until the scheduled reconnect, or null when none is scheduled.
    get reconnectIn() {
      return sync.retry ? Math.max(0, sync.retry.at - Date.now()) : null;
    },
  };
})();
