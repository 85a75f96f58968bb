/* The operations board: one SSE stream of page state, rendered without page reloads. */
(function () {
  "use strict";
  const I18N = window.BOARD_I18N;
  let lang = localStorage.getItem("motcua.lang") || "vi";
  let state = null, clockAt = 0, chart = null;
  const seen = { at_risk: new Set(), overdue: new Set() };
  const $ = (sel) => document.querySelector(sel);
  const t = (k) => (I18N[lang] && I18N[lang][k]) || k;

  function el(tag, text, attrs) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    return e;
  }

  function applyLang() {
    document.documentElement.lang = lang;
    document.querySelectorAll("[data-i18n]").forEach((e) => { e.textContent = t(e.dataset.i18n); });
    $("#lang").textContent = t("lang");
    if (state) render();
    route();
  }

  /* Event time now, extrapolated from the last clock the server sent. A fast simulation is
     extrapolated for at most 10 wall seconds (it may have stopped); nothing while disconnected. */
  let live = false;
  function eventNow() {
    if (!state || !state.clock) return null;
    const c = state.clock, since = Date.now() / 1000 - clockAt;
    const cap = !live ? 0 : (c.rate > 10 ? 10 : Infinity);
    const elapsed = Math.min(Math.max(0, since) + Math.max(0, c.server_wall - c.wall), cap);
    return c.event + elapsed * c.rate;
  }

  function fmtTime(iso) {
    if (!iso) return "—";
    const d = typeof iso === "number" ? new Date(iso * 1000) : new Date(iso);
    return d.toLocaleString(lang === "vi" ? "vi-VN" : "en-GB",
      { timeZone: "Asia/Ho_Chi_Minh", dateStyle: "short", timeStyle: "short" });
  }

  function fmtLeft(deadlineIso) {
    const now = eventNow();
    if (now === null || !deadlineIso) return ["—", ""];
    const s = Date.parse(deadlineIso) / 1000 - now, a = Math.abs(s);
    const d = Math.floor(a / 86400), h = Math.floor((a % 86400) / 3600), m = Math.floor((a % 3600) / 60);
    const hm = String(h).padStart(2, "0") + ":" + String(m).padStart(2, "0");
    const txt = (d ? d + " " + t("day") + " " : "") + hm;
    return s >= 0 ? [t("left") + " " + txt, s < 86400 ? "soon" : ""] : [t("ago") + " " + txt, "late"];
  }

  function pct(v) { return v === null || v === undefined ? "—" : (v * 100).toFixed(1) + "%"; }

  function countdownCell(iso, estimate) {
    const attrs = { "data-deadline": iso || "", class: "countdown" };
    if (estimate) { attrs["data-estimate"] = "1"; attrs.title = estimate; }
    const td = el("td", null, attrs);
    tick(td);
    return td;
  }

  function tick(td) {
    const [txt, cls] = fmtLeft(td.dataset.deadline);
    // an estimated due (holidays not yet announced) is marked ≈, the reason in the tooltip
    td.textContent = td.dataset.estimate ? "≈ " + txt : txt;
    td.className = "countdown " + cls;
  }

  function codeCell(code) {
    const td = el("td");
    td.appendChild(el("a", code, { href: "#/dossier/" + encodeURIComponent(code), class: "dossier-link" }));
    return td;
  }

  function letterCell(letters) {
    const td = el("td");
    if (!letters.length) { td.textContent = t("noLetter"); return td; }
    letters.forEach((id) => td.appendChild(el("a", "✉", { href: "/letters/" + encodeURIComponent(id), title: id, class: "letter-link" })));
    return td;
  }

  function fillRows(table, kind, rows, build) {
    const body = $(table + " tbody");
    body.replaceChildren();
    rows.forEach((r) => {
      const tr = el("tr", null, { "data-code": r.code });
      if (seen[kind] && !seen[kind].has(r.code)) tr.classList.add("fresh");
      build(r).forEach((c) => tr.appendChild(c));
      body.appendChild(tr);
    });
    if (seen[kind]) rows.forEach((r) => seen[kind].add(r.code));
  }

  function render() {
    const s = state.summary;
    $("#s-events").textContent = s.events; $("#s-dossiers").textContent = s.dossiers;
    $("#s-atrisk").textContent = s.open_at_risk; $("#s-overdue").textContent = s.open_overdue;
    $("#s-letters").textContent = s.letters; $("#s-dlq").textContent = s.dead_letters;
    fillRows("#at-risk", "at_risk", state.at_risk, (r) => [codeCell(r.code), el("td", r.procedure),
      el("td", r.agency_name, { title: r.agency }), countdownCell(r.apology_deadline),
      countdownCell(r.due_at, r.due_estimate), letterCell(r.letters)]);
    fillRows("#overdue", "overdue", state.overdue, (r) => [codeCell(r.code), el("td", r.procedure),
      el("td", r.agency_name, { title: r.agency }), countdownCell(r.due_at, r.due_estimate),
      letterCell(r.letters)]);
    fillRows("#league", null, state.league.map((r, i) => ({ ...r, code: r.agency, rank: i + 1 })), (r) => [
      el("td", r.rank),
      el("td", r.name, { title: r.agency }), el("td", pct(r.on_time)), el("td", pct(r.apology)),
      el("td", pct(r.four_step_dossier), { class: r.four_step_dossier === null ? "" : (r.four_step_dossier >= 0.5 ? "above" : "below") }),
      el("td", pct(r.online)), el("td", r.at_risk), el("td", r.overdue)]);
    renderEvaluation(state.evaluation || []);
    drawTrend(state.trends);
  }

  function num(v, digits) { return v === null || v === undefined ? "—" : Number(v).toFixed(digits); }

  /* Decision 766: one <details> per unit (open ones stay open across updates). */
  function renderEvaluation(units) {
    const host = $("#e766");
    const opened = new Set([...host.querySelectorAll("details[open]")].map((d) => d.dataset.unit));
    host.replaceChildren();
    if (!units.length) { host.appendChild(el("p", t("evalNone"), { class: "note" })); return; }
    units.forEach((u) => {
      const box = el("details", null, { class: "unit766", "data-unit": u.unit });
      if (opened.has(u.unit)) box.open = true;
      const head = el("summary");
      head.appendChild(el("span", u.level === "province" ? t("province") : u.name, { class: "u-name", title: u.unit }));
      head.appendChild(el("b", num(u.points, 1) + " / 100", { class: "u-total" }));
      head.appendChild(el("span", "(" + num(u.computable_max, 0) + " " + t("computable") + ")", { class: "u-comp" }));
      u.groups.forEach((g) => head.appendChild(el("span", g.number + ". " + num(g.points, 1) + "/" + g.max,
        { class: "u-group", "data-group": g.number, title: lang === "vi" ? g.name : g.name_en })));
      box.appendChild(head);
      const table = el("table", null, { class: "indicators" });
      const hr = el("tr");
      ["indicator", "count", "ratio", "points"].forEach((k) => hr.appendChild(el("th", t(k))));
      table.appendChild(hr);
      u.indicators.forEach((i) => {
        const tr = el("tr", null, { "data-code": i.code });
        tr.appendChild(el("td", i.code + " " + (lang === "vi" ? i.name : i.name_en)));
        const shown = !(i.points === null || i.points === undefined);
        const averaged = i.max === 0;  /* 2.2: a mean in days, not a share */
        tr.appendChild(el("td", !shown ? "—" : num(i.numerator, averaged ? 1 : 0) + " / " + num(i.denominator, 0)));
        tr.appendChild(el("td", averaged && shown ? num(i.ratio, 1) + " " + t("day") : pct(i.ratio)));
        tr.appendChild(el("td", i.reason ? t(i.reason) : num(i.points, 2) + " / " + i.max, { class: i.reason ? "reason" : "" }));
        table.appendChild(tr);
      });
      box.appendChild(table);
      box.appendChild(el("h4", t("costlyTitle")));
      const list = el("ul", null, { class: "costly" });
      if (!u.costly_dossiers.length) list.appendChild(el("li", t("noCostly")));
      u.costly_dossiers.forEach((d) => {
        const li = el("li", null, { "data-code": d.code });
        li.appendChild(el("a", d.code, { href: "#/dossier/" + encodeURIComponent(d.code), class: "dossier-link" }));
        li.appendChild(document.createTextNode(" — " + d.reasons.map(t).join(", ")));
        list.appendChild(li);
      });
      box.appendChild(list);
      host.appendChild(box);
    });
  }

  function drawTrend(tr) {
    const host = $("#trend");
    const cols = ["on_time", "apology", "four_step_dossier", "online"];
    const data = [tr.t, ...cols.map((c) => tr.series[c] || tr.t.map(() => null)), tr.t.map(() => 0.5)];
    const labels = [t("onTime"), t("apology"), t("fourStep"), t("online"), t("fourStepTarget")];
    const colors = ["#1b6e3a", "#8a1c1c", "#1f5fa8", "#b86e00", "#999"];
    if (!chart || chart.__lang !== lang) {
      if (chart) chart.destroy();
      host.replaceChildren();
      chart = new uPlot({
        width: Math.max(400, host.clientWidth || 900), height: 260,
        scales: { y: { range: [0, 1] } },
        axes: [{}, { values: (u, v) => v.map((x) => (x * 100).toFixed(0) + "%") }],
        series: [{}, ...labels.map((label, i) => ({ label, stroke: colors[i], width: i === 4 ? 1 : 2, dash: i === 4 ? [6, 4] : undefined }))],
      }, data, host);
      chart.__lang = lang;
    } else {
      chart.setData(data);
    }
  }

  async function showDossier(code) {
    $("#view-home").hidden = true; $("#view-dossier").hidden = false;
    $("#d-code").textContent = code;
    const res = await fetch("/api/dossier/" + encodeURIComponent(code));
    const facts = $("#d-facts"), letters = $("#d-letters"), tl = $("#d-timeline");
    facts.replaceChildren(); letters.replaceChildren(); tl.replaceChildren();
    if (!res.ok) { facts.appendChild(el("dt", t("unknown"))); return; }
    const d = await res.json();
    [["procedure", d.procedure + " (" + d.procedure_code + ")"], ["agency", d.agency_name + " (" + d.agency + ")"],
     ["channel", d.channel || "—"], ["received", fmtTime(d.received_at)], ["due", fmtTime(d.due_at)],
     ["dueVersion", d.due_version], ["status", d.closed ? t("closed") : t("open")],
     ["classification", d.classification || "—"]].forEach(([k, v]) => {
      facts.appendChild(el("dt", t(k))); facts.appendChild(el("dd", v));
    });
    if (!d.letters.length) letters.appendChild(el("li", t("noLetter")));
    d.letters.forEach((lt) => {
      const li = el("li");
      li.appendChild(el("a", lt.letter_id, { href: "/letters/" + encodeURIComponent(lt.letter_id), class: "letter-link" }));
      li.appendChild(document.createTextNode(" — " + lt.form + ", " + t("proposed") + " " + fmtTime(lt.proposed_appointment_at)));
      letters.appendChild(li);
    });
    d.timeline.forEach((e) => tl.appendChild(el("li", fmtTime(e.time) + " · " + e.type + (e.detail ? " · " + e.detail : ""))));
  }

  function route() {
    const m = location.hash.match(/^#\/dossier\/(.+)$/);
    if (m) { showDossier(decodeURIComponent(m[1])); return; }
    $("#view-home").hidden = false; $("#view-dossier").hidden = true;
  }

  function connect() {
    const es = new EventSource("/events");
    es.addEventListener("state", (msg) => {
      state = JSON.parse(msg.data); clockAt = Date.now() / 1000;
      document.body.dataset.version = state.version;
      render();
      if (location.hash.startsWith("#/dossier/")) route();
    });
    es.onopen = () => { live = true; $("#conn").className = "conn on"; $("#conn").dataset.i18n = "connected"; $("#conn").textContent = t("connected"); };
    es.onerror = () => { live = false; $("#conn").className = "conn off"; $("#conn").dataset.i18n = "disconnected"; $("#conn").textContent = t("disconnected"); };
  }

  setInterval(() => {
    document.querySelectorAll("td.countdown").forEach(tick);
    const now = eventNow();
    $("#event-now").textContent = now === null ? "—" : fmtTime(now);
  }, 1000);
  $("#lang").addEventListener("click", () => { lang = lang === "vi" ? "en" : "vi"; localStorage.setItem("motcua.lang", lang); applyLang(); });
  window.addEventListener("hashchange", route);
  applyLang();
  connect();
})();
