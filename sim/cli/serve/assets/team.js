// The team view, for phones and laptops: the situation as the projector shows it, and a form
// to propose a decision. Teams can only propose; the facilitator decides.
"use strict";
(() => {
  const { el, fill, setText, count, percent } = BR;
  const nameInput = document.getElementById("team-name");
  nameInput.value = localStorage.getItem("br-team") || "";
  nameInput.addEventListener("change", () => localStorage.setItem("br-team", nameInput.value.trim()));
  let formsBuilt = false;
  let last = null;

  async function propose(words) {
    const team = nameInput.value.trim();
    if (!nameInput.reportValidity() || !team) return { ok: false, message: "Give your team a name first (one word)." };
    localStorage.setItem("br-team", team);
    const why = document.getElementById("why").value.trim();
    const r = await BR.post("/api/propose", { team, decision: words, why });
    const o = BR.outcome(r);
    if (o.ok) document.getElementById("why").value = "";
    return { ok: o.ok, message: o.ok ? "Sent: the facilitator will accept or reject it." : o.message };
  }

  function render(doc) {
    last = doc;
    document.getElementById("gate").hidden = true;
    document.getElementById("main").hidden = false;
    const s = doc.situation;
    setText("clock", s.clock_short);
    setText("elapsed", s.elapsed);
    setText("lesson", s.lesson || s.scenario);
    setText("crashed", count(s.totals.crashed));
    setText("back-up", count(s.totals.back_up));
    setText("down", count(s.totals.down));
    setText("loss", s.totals.loss);
    fill("sectors", ...s.sectors.map((x) => el("div", { class: "sector" },
      el("span", { class: "name", text: x.name }),
      el("span", { class: "meter" }, el("span", { class: "fill" })),
      el("span", { class: "pct", text: percent(x.capacity) }))));
    document.querySelectorAll("#sectors .fill").forEach((f, i) => { f.style.width = percent(s.sectors[i].capacity); });
    const cue = s.current_cue !== null && s.current_cue !== undefined ? s.cues[s.current_cue] : null;
    const card = document.getElementById("cue");
    card.hidden = !cue;
    if (cue) {
      card.className = "cue panel " + cue.kind;
      setText("cue-kind", cue.kind === "question" ? "Question for the room" : "Inject");
      setText("cue-time", cue.clock);
      setText("cue-title", cue.title);
      setText("cue-text", cue.text);
    }
    if (!formsBuilt) {
      BR.decisionForms(document.getElementById("forms"), doc.choices, propose, "propose");
      formsBuilt = true;
    }
    const team = nameInput.value.trim();
    fill("proposals", ...s.proposals.slice().reverse().map((p) => el("li", { class: p.status + (p.team === team ? " ours" : "") },
      el("span", { class: "status", text: p.status }), " ",
      el("span", { text: "#" + p.number + " " + p.team + " (" + p.clock + "): " + p.decision }),
      p.why ? el("span", { class: "why", text: " — " + p.why }) : null,
      p.note ? el("span", { class: "note", text: " · " + p.note }) : null)));
    fill("timeline", ...s.timeline.slice(-8).reverse().map((e) => el("li", { class: e.kind }, e.kind === "event" ? null : el("span", { class: "when", text: e.clock + " " }), el("span", { text: e.text }))));
    BR.charts(s, { down: "chart-down" });
  }

  const handlers = {
    state: render,
    busy: BR.busyIndicator("busy"),
    status: (t) => setText("link", t === "live" ? "" : t),
    denied: (m) => {
      document.getElementById("main").hidden = true;
      document.getElementById("gate").hidden = false;
      setText("gate-message", m);
    },
  };
  document.getElementById("gate-form").addEventListener("submit", (e) => {
    e.preventDefault();
    BR.setCode(document.getElementById("join-code").value);
    BR.connect("public", handlers);
  });
  addEventListener("resize", () => { if (last) BR.charts(last.situation, { down: "chart-down" }); });
  BR.connect("public", handlers);
})();
