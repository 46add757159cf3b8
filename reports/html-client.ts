// The script inside an HTML report: draws the swimlane timeline from the data embedded in the
// page, with zoom (wheel, buttons), pan (drag) and tooltips. It is virtualised: each redraw
// builds only what the view shows, and when more attempts are in view than a browser draws
// quickly it aggregates them into per-pixel occupancy columns (failures stay individual).
// Plain ES2020 kept as text, so the page needs nothing but itself.

export const CLIENT_SCRIPT = String.raw`
"use strict";
(function () {
  const D = JSON.parse(document.getElementById("chronoq-data").textContent);
  const svg = document.getElementById("timeline");
  const tip = document.getElementById("tip");
  const status = document.getElementById("timeline-status");
  const NS = "http://www.w3.org/2000/svg";
  const LABEL_W = 180, AXIS_H = 24, PROCESS_H = 22, AGENT_H = 18, ROW_H = 9;
  const MAX_BARS = 2500, MAX_MARKS = 3000;
  const OUTCOMES = D.outcomes;
  const B = D.bars;
  const view = { t0: 0, t1: Math.max(1, D.endUs) };
  const laneY = [];
  let height = AXIS_H;
  D.lanes.forEach(function (lane) {
    // An agent lane gets a row per attempt running at once, so overlapping bars stay apart.
    const h = lane[2] === "process" ? PROCESS_H : Math.max(AGENT_H, lane[5] * ROW_H + 4);
    laneY.push([height, h]);
    height += h;
  });
  height += 8;
  svg.setAttribute("height", String(height));

  function pad(n, w) { return String(n).padStart(w, "0"); }
  function offset(us) {
    const sign = us < 0 ? "-" : "+";
    let a = Math.abs(Math.round(us));
    const micros = a % 1e6; a = Math.floor(a / 1e6);
    return sign + Math.floor(a / 3600) + ":" + pad(Math.floor(a % 3600 / 60), 2) + ":" +
      pad(a % 60, 2) + "." + pad(micros, 6);
  }
  function iso(us) {
    const abs = D.startUs + us;
    const base = new Date(Math.floor(abs / 1000)).toISOString().slice(0, 19);
    return base + "." + pad(((abs % 1e6) + 1e6) % 1e6, 6) + "Z";
  }
  function dur(us) {
    if (us < 1000) return Math.round(us) + "us";
    if (us < 1e6) return (us / 1000).toFixed(1) + "ms";
    if (us < 6e7) return (us / 1e6).toFixed(2) + "s";
    if (us < 36e8) return Math.floor(us / 6e7) + "m" + pad(Math.round(us % 6e7 / 1e6), 2) + "s";
    return Math.floor(us / 36e8) + "h" + pad(Math.floor(us % 36e8 / 6e7), 2) + "m";
  }
  function esc(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");
  }
  function plotW() { return Math.max(100, svg.clientWidth - LABEL_W - 8); }
  function xOf(t) { return LABEL_W + (t - view.t0) / (view.t1 - view.t0) * plotW(); }
  function clampX(x) { return Math.max(LABEL_W, Math.min(LABEL_W + plotW(), x)); }

  function niceStep(span) {
    const steps = [1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 2e6, 5e6, 1e7, 15e6, 3e7,
      6e7, 12e7, 3e8, 6e8, 9e8, 18e8, 36e8, 72e8, 108e8, 216e8, 432e8];
    for (const s of steps) if (span / s <= 10) return s;
    return steps[steps.length - 1];
  }

  function lanesSvg() {
    let out = "";
    D.lanes.forEach(function (lane, i) {
      const y = laneY[i][0], h = laneY[i][1];
      out += '<rect class="lane ' + lane[2] + (i % 2 ? " odd" : "") + '" x="0" y="' + y +
        '" width="100%" height="' + h + '"/>' +
        '<text class="lane-label ' + lane[2] + '" x="' + (lane[2] === "agent" ? 18 : 6) +
        '" y="' + (y + h - 5) + '">' + esc(lane[1]) + "</text>";
    });
    return out;
  }

  function axisSvg() {
    const step = niceStep(view.t1 - view.t0);
    let out = "";
    for (let t = Math.ceil(view.t0 / step) * step; t <= view.t1; t += step) {
      const x = xOf(t);
      out += '<line class="grid" x1="' + x + '" x2="' + x + '" y1="' + (AXIS_H - 4) +
        '" y2="' + height + '"/><text class="tick" x="' + (x + 2) + '" y="14">' +
        offset(t).replace(/\.0+$/, "").replace(/(\.\d{3})\d+$/, "$1") + "</text>";
    }
    return out;
  }

  function groupSpan(lane) {
    const group = D.lanes[lane][3];
    let first = lane, last = lane;
    D.lanes.forEach(function (l, i) { if (l[3] === group) { last = Math.max(last, i); } });
    return [laneY[first][0], laneY[last][0] + laneY[last][1] - laneY[first][0]];
  }

  function faultsSvg() {
    let out = "", point = 0, shown = 0, every = 1;
    for (const f of D.faults) if (f[3] < 0 && f[0] >= view.t0 && f[0] <= view.t1) point++;
    if (point > MAX_MARKS) every = Math.ceil(point / MAX_MARKS);
    let k = 0;
    D.faults.forEach(function (f, i) {
      const t = f[0], lane = f[1], kind = f[2], until = f[3];
      if (until >= 0) {
        if (until < view.t0 || t > view.t1 || lane < 0) return;
        const span = groupSpan(lane), x0 = clampX(xOf(t)), x1 = clampX(xOf(until));
        out += '<rect class="fault span ' + kind + '" data-f="' + i + '" x="' + x0 + '" y="' +
          span[0] + '" width="' + Math.max(2, x1 - x0) + '" height="' + span[1] + '"/>';
        return;
      }
      if (t < view.t0 || t > view.t1 || (k++ % every) !== 0) return;
      shown++;
      const x = xOf(t), y = lane < 0 ? AXIS_H : laneY[lane][0];
      const h = lane < 0 ? height - AXIS_H : laneY[lane][1];
      out += kind === "healed" ? '<line class="healed" x1="' + x + '" x2="' + x + '" y1="' +
        AXIS_H + '" y2="' + height + '" data-f="' + i + '"/>'
        : '<rect class="fault point ' + kind + '" data-f="' + i + '" x="' + (x - 1.5) +
        '" y="' + y + '" width="3" height="' + h + '"/>';
    });
    return { svg: out, note: every > 1 ? "faults sampled 1 in " + every : "" };
  }

  function visibleBars() {
    const out = [];
    for (let i = 0; i < B.c.length; i++) {
      const end = B.e[i] < 0 ? D.endUs : B.e[i];
      if (B.c[i] <= view.t1 && end >= view.t0) out.push(i);
    }
    return out;
  }

  function barRect(i, cls) {
    const rows = D.lanes[B.lane[i]][5], top = laneY[B.lane[i]][0] + 2;
    const rowH = (laneY[B.lane[i]][1] - 4) / rows;
    const y = top + B.row[i] * rowH, h = Math.max(2, rowH - 1.5);
    const end = B.e[i] < 0 ? D.endUs : B.e[i];
    const x0 = clampX(xOf(B.c[i])), x1 = clampX(xOf(end));
    let out = '<rect class="bar ' + OUTCOMES[B.o[i]] + cls + '" data-b="' + i + '" x="' + x0 +
      '" y="' + y + '" width="' + Math.max(1.5, x1 - x0) + '" height="' + h + '"/>';
    if (B.s[i] >= 0 && xOf(B.s[i]) - x0 > 3) {
      out += '<rect class="wait" x="' + x0 + '" y="' + y + '" width="' +
        (clampX(xOf(B.s[i])) - x0) + '" height="' + h + '" pointer-events="none"/>';
    }
    return out;
  }

  /** Too many to draw one by one: per lane, pixel columns shaded by how busy they were. */
  function aggregateSvg(visible) {
    const cols = Math.ceil(plotW() / 2), span = (view.t1 - view.t0) / cols;
    const busy = D.lanes.map(function () { return new Float64Array(cols); });
    const special = [];
    for (const i of visible) {
      const end = B.e[i] < 0 ? D.endUs : B.e[i];
      const a = Math.max(view.t0, B.c[i]), b = Math.min(view.t1, end);
      for (let c = Math.floor((a - view.t0) / span); c <= Math.min(cols - 1,
        Math.floor((b - view.t0) / span)); c++) {
        const lo = view.t0 + c * span;
        busy[B.lane[i]][c] += Math.max(0, Math.min(b, lo + span) - Math.max(a, lo)) / span;
      }
      if (B.o[i] !== 0) special.push(i);
    }
    let out = "";
    busy.forEach(function (row, lane) {
      const size = Math.max(1, D.lanes[lane][4]);
      for (let c = 0; c < cols; c++) {
        if (row[c] <= 0) continue;
        const o = Math.min(1, 0.15 + row[c] / size * 0.85).toFixed(2);
        out += '<rect class="busy" data-a="' + lane + ":" + c + ":" + row[c].toFixed(2) +
          '" x="' + (LABEL_W + c * 2) + '" y="' + (laneY[lane][0] + 3) + '" width="2" height="' +
          (laneY[lane][1] - 6) + '" fill-opacity="' + o + '"/>';
      }
    });
    const drawn = special.length <= MAX_BARS ? special : [];
    for (const i of drawn) out += barRect(i, " thin");
    return { svg: out, note: visible.length + " attempts in view, shown as occupancy; " +
      (drawn.length ? drawn.length + " not succeeded drawn one by one" :
        "zoom in to see each") };
  }

  function pingsSvg() {
    let total = 0;
    const lists = D.pings.map(function (list) {
      const v = list.filter(function (t) { return t >= view.t0 && t <= view.t1; });
      total += v.length;
      return v;
    });
    if (total > MAX_MARKS) return { svg: "", note: total + " pings in view: zoom in to see them" };
    let out = "";
    lists.forEach(function (list, lane) {
      for (const t of list) {
        const x = xOf(t), y = laneY[lane][0];
        out += '<line class="ping" x1="' + x + '" x2="' + x + '" y1="' + (y + 4) + '" y2="' +
          (y + laneY[lane][1] - 4) + '"/>';
      }
    });
    return { svg: out, note: "" };
  }

  function reapsSvg() {
    let out = "";
    D.reaps.forEach(function (r, i) {
      if (r[0] < view.t0 || r[0] > view.t1) return;
      const x = xOf(r[0]), y0 = laneY[r[1]][0] + laneY[r[1]][1] / 2;
      const y1 = laneY[r[2]][0] + laneY[r[2]][1] / 2;
      out += r[1] === r[2] ? '<circle class="reap" data-r="' + i + '" cx="' + x + '" cy="' +
        y0 + '" r="5"/>' : '<line class="reap" data-r="' + i + '" x1="' + x + '" x2="' + x +
        '" y1="' + y0 + '" y2="' + (y1 + (y1 > y0 ? -4 : 4)) + '" marker-end="url(#arrow)"/>';
    });
    D.restarts.forEach(function (r, i) {
      if (r[0] < view.t0 || r[0] > view.t1) return;
      const x = xOf(r[0]), y = laneY[r[1]][0];
      out += '<path class="restart" data-s="' + i + '" d="M' + x + " " + (y + 2) +
        ' l5 8 l-10 0 z"/>';
    });
    return out;
  }

  function violationSvg() {
    const v = D.violation;
    if (!v || v.t < view.t0 || v.t > view.t1) return "";
    const x = xOf(v.t);
    return '<line class="violation" data-v="1" x1="' + x + '" x2="' + x + '" y1="' + AXIS_H +
      '" y2="' + height + '"/>';
  }

  function render() {
    const visible = visibleBars();
    let bars, note = "";
    if (visible.length <= MAX_BARS) {
      const hit = new Set(D.violation ? D.violation.jobs : []);
      bars = visible.map(function (i) { return barRect(i, hit.has(B.job[i]) ? " hit" : ""); })
        .join("");
      note = visible.length + " of " + B.c.length + " attempts in view";
    } else {
      const agg = aggregateSvg(visible);
      bars = agg.svg;
      note = agg.note;
    }
    const faults = faultsSvg(), pings = pingsSvg();
    svg.innerHTML = '<defs><marker id="arrow" viewBox="0 0 10 10" refX="8" refY="5" ' +
      'markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z"' +
      ' class="arrowhead"/></marker><clipPath id="plot"><rect x="' + LABEL_W + '" y="0" ' +
      'width="' + plotW() + '" height="' + height + '"/></clipPath></defs>' + lanesSvg() +
      '<g clip-path="url(#plot)">' + axisSvg() + faults.svg + bars + pings.svg + reapsSvg() +
      violationSvg() + "</g>";
    status.textContent = offset(view.t0) + " to " + offset(view.t1) + " \u00b7 " +
      [note, pings.note, faults.note].filter(Boolean).join(" \u00b7 ");
  }

  function zoom(factor, atX) {
    const span = view.t1 - view.t0;
    const share = atX === undefined ? 0.5 : Math.max(0, Math.min(1, (atX - LABEL_W) / plotW()));
    const at = view.t0 + share * span;
    const next = Math.max(1000, Math.min(D.endUs * 1.2 + 1, span * factor));
    setView(at - share * next, at - share * next + next);
  }
  function setView(t0, t1) {
    const span = t1 - t0, max = Math.max(1, D.endUs);
    view.t0 = Math.max(-span * 0.1, Math.min(t0, max - span * 0.9));
    view.t1 = view.t0 + span;
    render();
  }

  function tipFor(target) {
    const d = target.dataset;
    if (d.b !== undefined) {
      const i = Number(d.b), end = B.e[i], start = B.s[i];
      return "<b>" + esc(B.job[i]) + "</b> " + esc(D.tasks[B.task[i]]) + "<br>lane " +
        esc(D.lanes[B.lane[i]][1]) + " of " + esc(D.lanes[B.lane[i]][3]) + ", attempt " +
        B.attempt[i] + "<br>claimed " + offset(B.c[i]) + " (" + iso(B.c[i]) + ")<br>started " +
        (start < 0 ? "never" : offset(start)) + "<br>ended " + (end < 0 ? "not in the trace" :
        offset(end) + " after " + dur(end - B.c[i])) + "<br>status <b>" + OUTCOMES[B.o[i]] +
        "</b>";
    }
    if (d.a !== undefined) {
      const p = d.a.split(":");
      return "lane " + esc(D.lanes[Number(p[0])][1]) + ": " + p[2] +
        " jobs running on average here<br>zoom in to see each attempt";
    }
    if (d.f !== undefined) {
      const f = D.faults[Number(d.f)];
      return "<b>fault/" + esc(f[2]) + "</b> at " + offset(f[0]) +
        (f[1] >= 0 ? " on " + esc(D.lanes[f[1]][0]) : "") +
        (f[3] >= 0 ? "<br>until " + offset(f[3]) + " (" + dur(f[3] - f[0]) + ")" : "") +
        (f[4] ? "<br>clock moved by " + dur(Math.abs(f[4])) + (f[4] < 0 ? " back" : "") : "");
    }
    if (d.r !== undefined) {
      const r = D.reaps[Number(d.r)];
      return "<b>dispatcher/deactivated</b> " + esc(r[3]) + " at " + offset(r[0]) + "<br>by " +
        esc(D.lanes[r[1]][0]) + (r[5] ? " (its ping found it dead)" : "") + "<br>jobs reaped: " +
        esc(r[4] || "none");
    }
    if (d.s !== undefined) {
      const s = D.restarts[Number(d.s)];
      return "<b>process/started</b> " + esc(s[2]) + " at " + offset(s[0]);
    }
    if (d.v !== undefined) {
      return "<b>first violation</b> " + esc(D.violation.invariant) + " at " +
        offset(D.violation.t) + "<br>" + esc(D.violation.message);
    }
    return null;
  }

  svg.addEventListener("mousemove", function (e) {
    const html = tipFor(e.target);
    if (html === null) { tip.hidden = true; return; }
    tip.innerHTML = html;
    tip.hidden = false;
    tip.style.left = Math.min(e.clientX + 14, window.innerWidth - tip.offsetWidth - 8) + "px";
    tip.style.top = (e.clientY + 14) + "px";
  });
  svg.addEventListener("mouseleave", function () { tip.hidden = true; });
  svg.addEventListener("wheel", function (e) {
    e.preventDefault();
    const rect = svg.getBoundingClientRect();
    zoom(e.deltaY > 0 ? 1.25 : 0.8, e.clientX - rect.left);
  }, { passive: false });
  let drag = null;
  svg.addEventListener("mousedown", function (e) {
    drag = { x: e.clientX, t0: view.t0, t1: view.t1 };
  });
  window.addEventListener("mouseup", function () { drag = null; });
  window.addEventListener("mousemove", function (e) {
    if (drag === null) return;
    const dt = (drag.x - e.clientX) / plotW() * (drag.t1 - drag.t0);
    if (Math.abs(drag.x - e.clientX) > 2) setView(drag.t0 + dt, drag.t1 + dt);
  });
  svg.addEventListener("dblclick", function () { setView(0, Math.max(1, D.endUs)); });
  document.getElementById("zoom-in").onclick = function () { zoom(0.5); };
  document.getElementById("zoom-out").onclick = function () { zoom(2); };
  document.getElementById("zoom-reset").onclick = function () {
    setView(0, Math.max(1, D.endUs));
  };
  const jump = document.getElementById("zoom-violation");
  if (jump) jump.onclick = function () {
    const span = Math.max(2e6, D.endUs / 50);
    setView(D.violation.t - span * 0.7, D.violation.t + span * 0.3);
  };
  window.addEventListener("resize", render);
  render();
  window.chronoqRenderMs = performance.now();
  document.body.dataset.ready = "1";
})();
`;
