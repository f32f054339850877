// blastradius tabletop: what the three pages share. The server sends state as JSON; every
// text from it reaches the page through textContent (never as markup), so nothing a scenario,
// a team or a facilitator writes can run here. No framework, no request to any other site.
"use strict";

const BR = (() => {
  // The facilitator token or the join code comes in the address's fragment (never sent to the
  // server in the address); it is kept for this tab and the fragment cleared, so a projected
  // address bar shows no secret.
  const params = new URLSearchParams(location.hash.slice(1));
  const stored = (key) => {
    const v = params.get(key);
    if (v) sessionStorage.setItem("br-" + key, v);
    return sessionStorage.getItem("br-" + key) || "";
  };
  let token = stored("token");
  let code = stored("code");
  if (location.hash) history.replaceState(null, "", location.pathname);

  // el("div", {class: "x", text: "y", id: "z", attrs: {...}, on: {click: f}}, child, ...)
  function el(tag, props, ...children) {
    const node = tag.startsWith("svg:")
      ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4))
      : document.createElement(tag);
    const p = props || {};
    if (p.class) node.setAttribute("class", p.class);
    if (p.id) node.id = p.id;
    if (p.text !== undefined && p.text !== null) node.textContent = String(p.text);
    for (const [k, v] of Object.entries(p.attrs || {})) {
      if (v !== undefined && v !== null && v !== false) node.setAttribute(k, String(v));
    }
    for (const [k, f] of Object.entries(p.on || {})) node.addEventListener(k, f);
    for (const c of children) {
      if (c === null || c === undefined || c === false) continue;
      node.append(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  function fill(id, ...children) {
    const node = document.getElementById(id);
    if (!node) return null;
    clear(node);
    for (const c of children) {
      if (c !== null && c !== undefined) node.append(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return node;
  }

  function setText(id, text) {
    const node = document.getElementById(id);
    if (node && node.textContent !== String(text)) node.textContent = String(text);
  }

  const count = (n) => Math.round(n).toLocaleString("en-US");
  const percent = (share) => Math.round(share * 100) + "%";
  function money(usd) {
    const a = Math.abs(usd);
    const s = a >= 1e9 ? (a / 1e9).toFixed(2) + "B" : a >= 1e6 ? (a / 1e6).toFixed(2) + "M"
      : a >= 1e3 ? (a / 1e3).toFixed(0) + "k" : a.toFixed(0);
    return (usd < 0 ? "-$" : "$") + s;
  }

  function authQuery() {
    const q = [];
    if (token) q.push("token=" + encodeURIComponent(token));
    if (code) q.push("code=" + encodeURIComponent(code));
    return q.join("&");
  }

  function headers() {
    const h = { "Content-Type": "application/json" };
    if (token) h["X-Blastradius-Token"] = token;
    if (code) h["X-Blastradius-Code"] = code;
    return h;
  }

  // POSTs JSON; resolves to {status, body} (body {ok, text} or {error}).
  async function post(path, body) {
    try {
      const r = await fetch(path, { method: "POST", headers: headers(), body: JSON.stringify(body) });
      let json = {};
      try { json = await r.json(); } catch (_) { json = { error: "the server sent no JSON" }; }
      return { status: r.status, body: json };
    } catch (e) {
      return { status: 0, body: { error: "the server cannot be reached: " + e.message } };
    }
  }

  // Reads the state once (to learn whether access is granted), then follows the event stream.
  // handlers: {state(doc), busy(line|null), status(text), denied(message)}
  async function connect(view, handlers) {
    let r;
    try {
      r = await fetch("/api/state?view=" + view, { headers: headers() });
    } catch (e) {
      handlers.status("the server cannot be reached");
      setTimeout(() => connect(view, handlers), 2000);
      return;
    }
    if (r.status === 403) {
      let message = "access denied";
      try { message = (await r.json()).error; } catch (_) { /* keep the default */ }
      handlers.denied(message);
      return;
    }
    if (r.ok) handlers.state(await r.json());
    const es = new EventSource("/api/events?view=" + view + "&" + authQuery());
    es.addEventListener("state", (e) => { handlers.status("live"); handlers.state(JSON.parse(e.data)); });
    es.addEventListener("busy", (e) => handlers.busy(JSON.parse(e.data).busy));
    es.onopen = () => handlers.status("live");
    es.onerror = () => {
      handlers.status("reconnecting…");
      if (es.readyState === EventSource.CLOSED) {
        setTimeout(() => connect(view, handlers), 2000);
      }
    };
  }

  function setCode(c) {
    code = c.trim();
    sessionStorage.setItem("br-code", code);
  }

  // Delays showing "busy" so that quick commands do not flicker.
  function busyIndicator(id) {
    let timer = null;
    return (line) => {
      clearTimeout(timer);
      const node = document.getElementById(id);
      if (!node) return;
      if (line) {
        timer = setTimeout(() => { node.textContent = "simulating: " + line + "…"; node.hidden = false; }, 300);
      } else {
        node.hidden = true;
        node.textContent = "";
      }
    };
  }

  // A line chart in an <svg>, drawn at the size it is shown so that its text keeps the size
  // the page's style gives it. series: [{label, cls, points: [[x, y], ...]}], x in hours.
  function chart(svg, series, opts) {
    clear(svg);
    const W = Math.max(svg.clientWidth || 600, 200);
    const H = Math.max(svg.clientHeight || 300, 120);
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    const font = parseFloat(getComputedStyle(svg).fontSize) || 16;
    const left = font * (opts.leftChars || 4.2), right = font * 1.6, top = font * 0.6, bottom = font * 1.8;
    const xs = series.flatMap((s) => s.points.map((p) => p[0]));
    const ys = series.flatMap((s) => s.points.map((p) => p[1]));
    const xMax = Math.max(opts.xMin || 1, ...xs);
    const yMax = opts.yMax !== undefined ? opts.yMax : Math.max(1, ...ys) * 1.08;
    const X = (x) => left + (x / xMax) * (W - left - right);
    const Y = (y) => H - bottom - (y / yMax) * (H - top - bottom);
    const ticks = 4;
    for (let i = 0; i <= ticks; i++) {
      const v = (yMax * i) / ticks;
      svg.append(el("svg:line", { class: "grid", attrs: { x1: left, x2: W - right, y1: Y(v), y2: Y(v) } }));
      svg.append(el("svg:text", { class: "tick", text: opts.yFormat(v), attrs: { x: left - font * 0.3, y: Y(v) + font * 0.35, "text-anchor": "end" } }));
    }
    const xStep = niceStep(xMax / 4);
    for (let x = 0; x <= xMax + 1e-9; x += xStep) {
      svg.append(el("svg:text", { class: "tick", text: "T+" + hours(x), attrs: { x: X(x), y: H - font * 0.4, "text-anchor": "middle" } }));
    }
    for (const s of series) {
      if (s.points.length === 0) continue;
      const d = s.points.map((p, i) => (i ? "L" : "M") + X(p[0]).toFixed(1) + "," + Y(p[1]).toFixed(1)).join(" ");
      svg.append(el("svg:path", { class: "line " + (s.cls || ""), attrs: { d } }));
    }
  }

  function niceStep(raw) {
    for (const s of [1, 2, 3, 6, 12, 24, 48, 72, 168]) if (s >= raw) return s;
    return Math.ceil(raw / 168) * 168;
  }

  function hours(h) {
    if (h >= 48 && h % 24 === 0) return h / 24 + "d";
    return Math.round(h) + "h";
  }

  // The three charts' series from the state's history.
  function seriesOf(situation) {
    const hist = situation.history;
    const hoursOf = (p) => p.at_ms / 3.6e6;
    const sectors = situation.sectors.map((s) => s.name);
    const down = [{ label: "endpoints down", cls: "s0", points: hist.map((p) => [hoursOf(p), p.down.reduce((a, b) => a + b, 0)]) }];
    const capacity = sectors.map((name, i) => ({ label: name, cls: "s" + (i % 6), points: hist.map((p) => [hoursOf(p), (p.capacity[i] || 0) * 100]) }));
    const loss = [{ label: "cumulative loss", cls: "s2", points: hist.map((p) => [hoursOf(p), p.loss_usd.reduce((a, b) => a + b, 0)]) }];
    return { down, capacity, loss };
  }

  // Draws the three charts into svgs with these ids (any may be missing).
  function charts(situation, ids) {
    const s = seriesOf(situation);
    const xMin = Math.min(situation.horizon_ms / 3.6e6, Math.max(6, situation.now_ms / 3.6e6));
    const get = (id) => id && document.getElementById(id);
    if (get(ids.down)) chart(get(ids.down), s.down, { yFormat: (v) => compact(v), xMin });
    if (get(ids.capacity)) chart(get(ids.capacity), s.capacity, { yFormat: (v) => Math.round(v) + "%", yMax: 100, xMin });
    if (get(ids.loss)) chart(get(ids.loss), s.loss, { yFormat: (v) => money(v), xMin, leftChars: 4.6 });
    if (get(ids.legend)) {
      fill(ids.legend, ...s.capacity.map((c) => el("span", { class: "key " + c.cls, text: c.label })));
    }
  }

  function compact(v) {
    if (v >= 1e6) return (v / 1e6).toFixed(1) + "M";
    if (v >= 1e3) return (v / 1e3).toFixed(v >= 1e4 ? 0 : 1) + "k";
    return String(Math.round(v));
  }

  // The decision forms: each builds the words after `inject` (the prompt's shorthand) and
  // hands them to `submit(words, form)`; the session checks them as it checks typed ones.
  function decisionForms(container, choices, submit, prefix) {
    clear(container);
    const targetSelect = (name) => el("select", { attrs: { name, required: true } },
      ...choices.targets.map((t) => el("option", { text: t.label, attrs: { value: t.value } })));
    const field = (label, input) => el("label", {}, el("span", { text: label }), input);
    const kinds = [
      { kind: "halt", label: "Halt the rollout", fields: [], words: () => "halt" },
      { kind: "revert", label: "Publish the revert", fields: [], words: () => "revert" },
      { kind: "technicians", label: "Add technicians", fields: [
        field("to", targetSelect("to")),
        field("how many", el("input", { attrs: { name: "count", type: "number", min: 1, max: 1000000, value: 20, required: true } }))],
        words: (f) => `technicians ${f.to.value} ${f.count.value}` },
      { kind: "contractors", label: "Call in contractors", fields: [
        field("to", targetSelect("to")),
        field("how many", el("input", { attrs: { name: "count", type: "number", min: 1, max: 1000000, value: 20, required: true } })),
        field("arriving in", el("input", { attrs: { name: "arrive", value: "4h", required: true, pattern: "[0-9hmsdw. ]+", size: 6 } }))],
        words: (f) => `contractors ${f.to.value} ${f.count.value} ${f.arrive.value.replace(/\s+/g, "")}` },
      { kind: "fallback", label: "Switch to paper", fields: [
        field("at", targetSelect("to")),
        field("service", el("select", { attrs: { name: "service" } }, el("option", { text: "every service", attrs: { value: "" } }),
          ...choices.services.map((s) => el("option", { text: s, attrs: { value: s } }))))],
        words: (f) => `fallback ${f.to.value}${f.service.value ? " " + f.service.value : ""}` },
      { kind: "tool", label: "Release a recovery tool", fields: [
        field("name", el("input", { attrs: { name: "name", value: "usb-recovery", required: true, pattern: "[A-Za-z0-9_\\-]+", size: 12 } })),
        field("share %", el("input", { attrs: { name: "share", type: "number", min: 0, max: 100, value: 60, required: true } })),
        field("time each", el("input", { attrs: { name: "time", value: "10m", required: true, pattern: "[0-9hmsdw. ]+", size: 6 } })),
        field("mode", el("select", { attrs: { name: "mode" } }, el("option", { text: "hands-on", attrs: { value: "hands-on" } }), el("option", { text: "remote", attrs: { value: "remote" } })))],
        words: (f) => `tool ${f.name.value} ${f.share.value}% ${f.time.value.replace(/\s+/g, "")} ${f.mode.value}` },
      { kind: "order", label: "Change the repair order", fields: [
        field("at", targetSelect("to")),
        field("order", el("select", { attrs: { name: "order" } }, ...choices.orders.map((o) => el("option", { text: o, attrs: { value: o } }))))],
        words: (f) => `order ${f.to.value} ${f.order.value}` },
      { kind: "escrow", label: "Restore BitLocker keys", fields: [field("at", targetSelect("to"))], words: (f) => `escrow ${f.to.value}` },
    ];
    for (const k of kinds) {
      const message = el("div", { class: "form-message", attrs: { role: "status" } });
      const button = el("button", { text: k.label, id: prefix + "-" + k.kind, attrs: { type: "submit" } });
      const form = el("form", { class: "decision", attrs: { "data-kind": k.kind } }, ...k.fields, button, message);
      form.addEventListener("submit", async (e) => {
        e.preventDefault();
        if (!form.reportValidity()) return;
        button.disabled = true;
        message.textContent = "";
        const r = await submit(k.words(form.elements), form);
        button.disabled = false;
        message.textContent = r.message || "";
        message.className = "form-message " + (r.ok ? "ok" : "bad");
      });
      container.append(form);
    }
  }

  // A reply from post(): {ok, message}.
  function outcome(r) {
    if (r.body && typeof r.body.text === "string") return { ok: !!r.body.ok, message: r.body.text };
    return { ok: false, message: (r.body && r.body.error) || "the request failed (" + r.status + ")" };
  }

  return { el, clear, fill, setText, count, percent, money, post, connect, setCode, busyIndicator, charts, decisionForms, outcome, authQuery, get token() { return token; } };
})();
