// The operator page: polls /ops/data and draws each series as an SVG polyline (no library).
(() => {
  "use strict";
  const config = JSON.parse(document.getElementById("ops-config").textContent);
  const HISTORY = 90;
  const SVG = "http://www.w3.org/2000/svg";
  const rate = [[], [], []];
  const latency = [[], []];
  const sockets = [[], []];
  let previous = null;

  function field(appId, name) {
    return document.querySelector(`#service-${appId} [data-field="${name}"]`);
  }

  function showService(appId, info) {
    const badge = field(appId, "health");
    badge.textContent = info.healthy ? "up" : "down";
    badge.className = `badge ${info.healthy ? "up" : "down"}`;
    if (!info.healthy) {
      field(appId, "runtime").textContent = info.error || "no answer";
      return;
    }
    const sidecar = info.sidecar;
    field(appId, "runtime").textContent = `${sidecar.runtime_version}` +
      (sidecar.actor_runtime ? ` · actors ${sidecar.actor_runtime}` : "");
    field(appId, "components").textContent = sidecar.components.join(", ") || "none";
    field(appId, "subscriptions").textContent = sidecar.subscriptions.join(", ") || "none";
    const actors = Object.entries(sidecar.actors).map(([type, n]) => `${type}: ${n}`);
    field(appId, "actors").textContent = actors.join(", ") || "none";
  }

  function events(sample, appId) {
    const info = sample.services[appId];
    return info && info.healthy ? info.events : null;
  }

  function meanMs(now, before, key) {
    if (!now || !before) return null;
    const count = (now[key].count || 0) - (before[key].count || 0);
    const sum = (now[key].sum || 0) - (before[key].sum || 0);
    return count > 0 ? (sum / count) * 1000 : null;
  }

  function push(series, value) {
    series.push(value);
    if (series.length > HISTORY) series.shift();
  }

  function record(sample) {
    if (previous) {
      const seconds = Math.max(sample.time - previous.time, 0.001);
      const diff = (appId, key) => {
        const now = events(sample, appId), before = events(previous, appId);
        return now && before ? Math.max(now[key] - before[key], 0) / seconds : null;
      };
      push(rate[0], diff("webapp", "events_published"));
      push(rate[1], diff("sync-worker", "events_delivered"));
      push(rate[2], diff("sync-worker", "events_dead_lettered"));
      const now = events(sample, "sync-worker"), before = events(previous, "sync-worker");
      push(latency[0], meanMs(now, before, "receive_latency"));
      push(latency[1], meanMs(now, before, "delivery_latency"));
      push(sockets[0], now ? now.open_websockets : null);
      push(sockets[1], diff("sync-worker", "catchups_served"));
    }
    previous = sample;
  }

  function draw(svg, seriesList, unit) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const width = 600, height = 160, left = 40, bottom = 20;
    const values = seriesList.flat().filter((v) => v !== null);
    const top = Math.max(1, ...values) * 1.1;
    const axis = document.createElementNS(SVG, "path");
    axis.setAttribute("class", "axis");
    axis.setAttribute("d", `M${left},0 V${height - bottom} H${width}`);
    svg.appendChild(axis);
    for (const [y, label] of [[0, top], [height - bottom, 0]]) {
      const text = document.createElementNS(SVG, "text");
      text.setAttribute("x", 2);
      text.setAttribute("y", Math.min(Math.max(y, 10), height - bottom));
      text.textContent = `${label.toFixed(label < 10 ? 1 : 0)} ${unit}`;
      svg.appendChild(text);
    }
    seriesList.forEach((series, index) => {
      const step = (width - left) / (HISTORY - 1);
      const points = series
        .map((v, i) => (v === null ? null : `${left + i * step},${(height - bottom) * (1 - v / top)}`))
        .filter((p) => p !== null);
      if (points.length === 0) return;
      const line = document.createElementNS(SVG, "polyline");
      line.setAttribute("class", `s${index}`);
      line.setAttribute("points", points.join(" "));
      svg.appendChild(line);
    });
  }

  async function poll() {
    const status = document.getElementById("ops-status");
    try {
      const response = await fetch(config.dataUrl, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const sample = await response.json();
      for (const [appId, info] of Object.entries(sample.services)) showService(appId, info);
      record(sample);
      draw(document.getElementById("chart-rate"), rate, "/s");
      draw(document.getElementById("chart-latency"), latency, "ms");
      draw(document.getElementById("chart-sockets"), sockets, "");
      const own = sample.own_sidecar;
      status.textContent = `Updated ${new Date(sample.time * 1000).toLocaleTimeString()}; ` +
        `${sample.reporter} sidecar: ${own.ready ? "ready" : own.reason}`;
    } catch (error) {
      status.textContent = `Could not reach the operator data: ${error.message}`;
    } finally {
      setTimeout(poll, config.pollMs);
    }
  }

  poll();
})();
