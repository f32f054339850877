// The projector view: large type for the back of the room, live.
"use strict";
(() => {
  const { el, fill, setText, count, money, percent } = BR;
  let last = null;

  function render(doc) {
    last = doc;
    const s = doc.situation;
    setText("clock", s.clock);
    setText("elapsed", s.elapsed);
    setText("lesson", s.lesson ? "· " + s.lesson : "· " + s.scenario);
    fill("local-times", ...s.local_times.map((l) => el("li", {}, el("span", { class: "region", text: l.region }), " ", el("span", { text: l.time }))));
    setText("crashed", count(s.totals.crashed));
    setText("back-up", count(s.totals.back_up));
    setText("down", count(s.totals.down));
    setText("loss", s.totals.loss);
    fill("sectors", ...s.sectors.map((x) => el("div", { class: "sector" },
      el("span", { class: "name", text: x.name }),
      el("span", { class: "meter" }, el("span", { class: "fill" })),
      el("span", { class: "pct", text: percent(x.capacity) }))));
    // The meters' widths are set as properties, not as markup.
    document.querySelectorAll("#sectors .fill").forEach((f, i) => { f.style.width = percent(s.sectors[i].capacity); });
    const cue = s.current_cue !== null && s.current_cue !== undefined ? s.cues[s.current_cue] : null;
    const card = document.getElementById("cue");
    card.hidden = !cue;
    if (cue) {
      card.className = "cue " + cue.kind;
      setText("cue-kind", cue.kind === "question" ? "Question for the room" : "Inject");
      setText("cue-time", cue.clock + " · " + cue.elapsed);
      setText("cue-title", cue.title);
      setText("cue-text", cue.text);
    }
    const recent = s.timeline.slice(-7).reverse();
    fill("timeline", ...recent.map((e) => el("li", { class: e.kind }, e.kind === "event" ? null : el("span", { class: "when", text: e.clock + " " }), el("span", { text: e.text }))));
    const host = doc.host;
    const playing = document.getElementById("playing");
    playing.hidden = !host.playing && !s.ended;
    playing.textContent = s.ended ? "debrief" : host.playing ? "▶ a step every " + host.playing + " s" : "";
    const base = host.team_url.split("#")[0];
    setText("join", host.join_code ? "Join: " + base + " · code " + host.join_code : "Teams: " + base);
    const pending = s.proposals.filter((p) => p.status === "pending").length;
    setText("waiting", pending ? pending + (pending === 1 ? " proposal" : " proposals") + " waiting" : "");
    setText("vendor", s.vendor);
    BR.charts(s, { down: "chart-down", capacity: "chart-capacity", loss: "chart-loss", legend: "legend" });
  }

  addEventListener("resize", () => { if (last) BR.charts(last.situation, { down: "chart-down", capacity: "chart-capacity", loss: "chart-loss" }); });
  const busy = BR.busyIndicator("busy");
  BR.connect("public", {
    state: render,
    busy,
    status: (t) => setText("link", t === "live" ? "" : t),
    denied: (m) => { setText("clock", "join code needed"); setText("elapsed", m + " — open the projector's address from the console, with its #code"); },
  });
})();
