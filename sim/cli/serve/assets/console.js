// The facilitator console: every control is a command line for the session, sent as typed.
"use strict";
(() => {
  const { el, fill, setText, count, percent, money } = BR;
  let formsBuilt = false;
  let last = null;

  function showReply(line, ok, text) {
    setText("reply-line", line ? "› " + line : "");
    const pre = document.getElementById("reply");
    pre.textContent = text;
    pre.className = "reply " + (ok ? "ok" : "bad");
  }

  async function command(line) {
    const r = await BR.post("/api/command", { line });
    const o = BR.outcome(r);
    showReply(line, o.ok, o.message);
    return o;
  }

  async function control(body) {
    const o = BR.outcome(await BR.post("/api/control", body));
    showReply(body.action, o.ok, o.message);
    return o;
  }

  const click = (id, f) => document.getElementById(id).addEventListener("click", f);
  click("next", () => command("next"));
  click("run", () => command("run " + document.getElementById("run-duration").value.trim()));
  click("until", () => command("until " + document.getElementById("until-event").value));
  click("undo", () => command("undo"));
  click("end", () => command("end"));
  click("play", () => control({ action: "play", every_s: Number(document.getElementById("play-every").value) }));
  click("pause", () => control({ action: "pause" }));
  // A reset throws the session away: it takes a second click within five seconds.
  let resetArmed = null;
  click("reset", (e) => {
    const b = e.currentTarget;
    if (resetArmed) {
      clearTimeout(resetArmed);
      resetArmed = null;
      b.textContent = "reset for the next group";
      control({ action: "reset" });
      return;
    }
    b.textContent = "click again to reset";
    resetArmed = setTimeout(() => { resetArmed = null; b.textContent = "reset for the next group"; }, 5000);
  });
  document.getElementById("line-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = document.getElementById("line");
    const line = input.value.trim();
    if (line) command(line).then((o) => { if (o.ok) input.value = ""; });
  });
  document.getElementById("note-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = document.getElementById("note");
    const text = input.value.replace(/\s+/g, " ").trim();
    if (text) command("# " + text).then((o) => { if (o.ok) input.value = ""; });
  });

  function render(doc) {
    last = doc;
    const s = doc.situation;
    const host = doc.host;
    setText("clock", s.clock);
    setText("elapsed", s.elapsed);
    setText("scenario", s.scenario + " (seed " + s.seed + ", step " + s.step + ")");
    setText("lesson", s.lesson ? "· " + s.lesson : "");
    setText("group", host.group);
    setText("join-code", host.join_code || "none (this machine only)");
    setText("team-url", host.team_url);
    const playing = document.getElementById("playing");
    playing.hidden = !host.playing;
    playing.textContent = host.playing ? "▶ playing, a step every " + host.playing + " s" : "";
    document.getElementById("undo").disabled = !s.can_undo || s.ended;
    for (const id of ["next", "run", "until", "play", "end"]) document.getElementById(id).disabled = s.ended || (id !== "end" && s.at_horizon);
    if (!formsBuilt) {
      fill("until-event", ...doc.choices.until.map((u) => el("option", { text: u.label, attrs: { value: u.value } })));
      BR.decisionForms(document.getElementById("forms"), doc.choices, async (words) => {
        const o = await command("inject " + words);
        return { ok: o.ok, message: o.ok ? "Taken." : o.message };
      }, "inject");
      formsBuilt = true;
    }
    if (doc.last && doc.last.line) showReply(doc.last.line, doc.last.ok, doc.last.text);
    fill("sector-rows", ...s.sectors.map((x) => el("tr", {},
      el("td", { text: x.name }), el("td", { text: count(x.down) }), el("td", { text: count(x.crashed) }),
      el("td", { text: percent(x.capacity) }), el("td", { text: x.loss }), el("td", { text: count(x.staff_busy) + "/" + count(x.staff_present) }))));
    setText("vendor", s.vendor);
    const pre = document.getElementById("transcript");
    const atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    pre.textContent = (doc.transcript_cut ? "…\n" : "") + doc.transcript;
    if (atEnd) pre.scrollTop = pre.scrollHeight;
    fill("proposals", ...s.proposals.slice().reverse().map(proposal));
    setText("briefing", s.briefing);
    fill("script", ...s.cues.map((c, i) => el("li", { class: c.kind + (c.due ? " due" : "") + (i === s.current_cue ? " current" : "") },
      el("span", { class: "when", text: c.clock + " · " + c.elapsed }), " ",
      el("span", { class: "kind", text: c.kind }), " ",
      c.title ? el("strong", { text: c.title + ". " }) : null,
      el("span", { text: c.text }),
      c.suggest ? el("div", {}, el("button", { class: "suggest", text: "take: " + c.suggest, attrs: { type: "button", disabled: !c.due || s.ended }, on: { click: () => command(c.suggest) } })) : null)));
    fill("scheduled", ...(s.scheduled.length ? s.scheduled.map((x) => el("li", { class: x.done ? "due" : "" }, el("span", { class: "when", text: x.clock }), " ", x.text)) : [el("li", { class: "quiet", text: "none" })]));
    fill("decisions", ...(s.decisions.length ? s.decisions.map((d) => el("li", { class: d.undone ? "undone" : "" },
      el("span", { class: "when", text: d.clock }), " ", d.command,
      d.proposed_by ? el("span", { class: "quiet", text: " (proposed by " + d.proposed_by + ")" }) : null,
      d.undone ? el("span", { class: "quiet", text: " (undone)" }) : null)) : [el("li", { class: "quiet", text: "none yet" })]));
    fill("notes", ...doc.notes.map((n) => el("li", { text: n })));
    fill("downloads", ...(host.debrief_files.length ? [el("span", { text: "Debrief: " }), ...host.debrief_files.map((f) =>
      el("a", { text: f, attrs: { href: "/api/debrief/" + f + "?" + BR.authQuery(), download: f, id: "download-" + f.replace(/\./g, "-") } }))] : []));
    BR.charts(s, { down: "chart-down", capacity: "chart-capacity", loss: "chart-loss" });
  }

  function proposal(p) {
    const reason = el("input", { attrs: { placeholder: "reason (optional)", "aria-label": "reason", maxlength: 280 } });
    const actions = p.status === "pending" ? el("div", { class: "row" },
      el("button", { class: "accept primary", text: "accept", attrs: { type: "button", "data-number": p.number }, on: { click: () => command("accept " + p.number) } }),
      reason,
      el("button", { class: "reject", text: "reject", attrs: { type: "button", "data-number": p.number }, on: { click: () => command(("reject " + p.number + " " + reason.value.replace(/\s+/g, " ")).trim()) } })) : null;
    return el("li", { class: p.status, attrs: { "data-number": p.number } },
      el("span", { class: "status", text: p.status }), " ",
      el("strong", { text: "#" + p.number + " " + p.team }), " ",
      el("span", { class: "when", text: p.clock }), " ",
      el("span", { text: p.decision }),
      p.why ? el("div", { class: "why", text: p.why }) : null,
      p.note ? el("div", { class: "quiet", text: p.note }) : null,
      actions);
  }

  addEventListener("resize", () => { if (last) BR.charts(last.situation, { down: "chart-down", capacity: "chart-capacity", loss: "chart-loss" }); });
  BR.connect("console", {
    state: render,
    busy: BR.busyIndicator("busy"),
    status: (t) => setText("link", t === "live" ? "" : t),
    denied: (m) => { const d = document.getElementById("denied"); d.hidden = false; d.textContent = m + " — open the console at the address printed when the server started (it ends with #token=…)."; },
  });
})();
