// A live chart under the video: the last 60 s of frames per second, bitrate
// and — when the synthetic camera's frame code is read — end-to-end latency,
// so a person sees a stream degrade and recover at a glance.
//
// Cheap by construction: it looks at window.echtzeit.snapshot() (DESIGN.md)
// four times a second, keeps at most a minute of samples, and redraws only
// when the page's once-a-second stats reading is new (or, without readings,
// once a second to scroll), never while the page is hidden; nothing runs per
// video frame. No
// library, no inline style (the page's CSP): colours and size come from
// style.css (.chart, --chart-*), read through the CSSOM. `&chart=0` in the
// page's URL leaves it out (for measurements without it).

/** Seconds of history shown. */
export const WINDOW_S = 60;
/** How often the chart looks for a new stats reading (it draws only on one). */
const POLL_MS = 250;
/** Without new readings an old line scrolls once in this time. */
const IDLE_MS = 1000;
/** A longer pause between two samples breaks the line. */
const GAP_MS = 2500;

/** The three strips, top to bottom; `floor` is the smallest full scale. */
export const SERIES = [
  { key: "fps", label: "fps", unit: "", digits: 1, floor: 5, color: "--chart-fps" },
  { key: "kbps", label: "bitrate", unit: " kbit/s", digits: 0, floor: 100, color: "--chart-kbps" },
  { key: "latencyMs", label: "latency", unit: " ms", digits: 0, floor: 50, color: "--chart-latency" },
];

/** False when the URL says chart=0 (or false, off, no). */
export function chartEnabled(search = window.location.search) {
  const v = (new URLSearchParams(search).get("chart") ?? "").toLowerCase();
  return !["0", "false", "off", "no"].includes(v);
}

const STEPS = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];

/** The full scale for v: the smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^n at or above v. */
export function niceCeil(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of STEPS) if (m * p >= v * (1 - 1e-12)) return Number((m * p).toPrecision(6));
  return 10 * p;
}

function median(values) {
  if (values.length === 0) return null;
  const s = values.slice().sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Samples: one per new getStats() reading of the page (inbound, or outbound
 * for a page that only sends), with the median latency of the frame codes
 * decoded since the previous sample.
 */
export class ChartSamples {
  constructor() {
    this.samples = []; // {t, session, fps, kbps, latencyMs}
    this.lastKey = null;
    this.lastSession = null;
    this.lastDecoded = 0;
  }

  /** Adds the figures of snapshot s taken at t (ms); returns whether it added one. */
  add(s, t) {
    const stream = s.inbound ?? s.outbound;
    if (s.session !== this.lastSession) {
      this.lastSession = s.session;
      this.lastKey = null;
      this.lastDecoded = 0;
    }
    const fc = s.frameCode ?? { decoded: 0, latencyMs: [] };
    const fresh = Math.max(0, fc.decoded - this.lastDecoded);
    this.lastDecoded = fc.decoded;
    if (!stream || stream.timestamp === this.lastKey) {
      this.trim(t);
      return false;
    }
    const first = this.lastKey === null; // no earlier reading: no bitrate yet
    this.lastKey = stream.timestamp;
    const lat = fresh > 0 ? median(fc.latencyMs.slice(-Math.min(fresh, fc.latencyMs.length))) : null;
    this.samples.push({
      t,
      session: s.session,
      fps: s.derived?.fps ?? null,
      kbps: first ? null : (s.derived?.bitrateKbps ?? null),
      latencyMs: lat,
    });
    this.trim(t);
    return true;
  }

  trim(t) {
    const from = t - WINDOW_S * 1000 - GAP_MS;
    let i = 0;
    while (i < this.samples.length && this.samples[i].t < from) i++;
    if (i > 0) this.samples.splice(0, i);
  }
}

/** Draws ChartSamples on a canvas: three strips sharing the time axis. */
export class LiveChart {
  constructor(canvas, samples = new ChartSamples()) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.data = samples;
  }

  /** Fits the backing store to the canvas's CSS size (sharp on HiDPI). */
  fit() {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(this.canvas.clientWidth * dpr));
    const h = Math.max(1, Math.round(this.canvas.clientHeight * dpr));
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
    return dpr;
  }

  draw(now) {
    const dpr = this.fit();
    const g = this.ctx;
    const { width: W, height: H } = this.canvas;
    const css = getComputedStyle(this.canvas);
    const prop = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
    const muted = prop("--muted", "#888");
    const line = prop("--line", "#ccc");
    g.clearRect(0, 0, W, H);
    g.font = `${Math.round(11 * dpr)}px ui-monospace, "DejaVu Sans Mono", monospace`;
    g.textBaseline = "top";

    const pad = 4 * dpr;
    const axisH = 14 * dpr;
    const stripH = (H - axisH) / SERIES.length;
    const t0 = now - WINDOW_S * 1000;
    const x = (t) => ((t - t0) / (WINDOW_S * 1000)) * W;

    // Time grid every 10 s, labelled below the last strip.
    g.fillStyle = muted;
    g.strokeStyle = line;
    g.lineWidth = 1;
    for (let s = 0; s <= WINDOW_S; s += 10) {
      const gx = Math.round((s / WINDOW_S) * (W - 1)) + 0.5;
      g.beginPath();
      g.moveTo(gx, 0);
      g.lineTo(gx, H - axisH);
      g.stroke();
      const text = s === WINDOW_S ? "now" : `−${WINDOW_S - s} s`;
      g.textAlign = s === 0 ? "left" : s === WINDOW_S ? "right" : "center";
      g.fillText(text, gx, H - axisH + 2 * dpr);
    }

    const summary = [];
    SERIES.forEach((ser, i) => {
      const top = i * stripH;
      const bottom = top + stripH;
      const pts = this.data.samples.filter((p) => Number.isFinite(p[ser.key]));
      const last = pts.length ? pts[pts.length - 1][ser.key] : null;
      const max = niceCeil(Math.max(ser.floor, ...pts.map((p) => p[ser.key] * 1.1)));
      const y = (v) => bottom - pad / 2 - (Math.max(0, Math.min(v, max)) / max) * (stripH - pad * 4);
      const color = prop(ser.color, "#0b63ce");

      g.strokeStyle = line;
      g.beginPath();
      g.moveTo(0, Math.round(bottom) - 0.5);
      g.lineTo(W, Math.round(bottom) - 0.5);
      g.stroke();

      // The series: an area at low alpha and a line, broken at gaps and sessions.
      const runs = [];
      for (const p of pts) {
        const prev = runs.at(-1)?.at(-1);
        if (!prev || p.t - prev.t > GAP_MS || p.session !== prev.session) runs.push([p]);
        else runs.at(-1).push(p);
      }
      g.strokeStyle = color;
      g.fillStyle = color;
      g.lineWidth = 2 * dpr;
      g.lineJoin = "round";
      for (const run of runs) {
        g.beginPath();
        run.forEach((p, k) => (k ? g.lineTo(x(p.t), y(p[ser.key])) : g.moveTo(x(p.t), y(p[ser.key]))));
        if (run.length === 1) g.lineTo(x(run[0].t) + 2 * dpr, y(run[0][ser.key]));
        g.stroke();
        g.globalAlpha = 0.12;
        g.lineTo(x(run.at(-1).t), bottom);
        g.lineTo(x(run[0].t), bottom);
        g.closePath();
        g.fill();
        g.globalAlpha = 1;
      }

      // Labels: the current value on the left, the full scale on the right.
      const value = last === null ? "–" : `${last.toFixed(ser.digits)}${ser.unit}`;
      const none = ser.key === "latencyMs" && pts.length === 0 ? " (needs the frame code)" : "";
      g.textAlign = "left";
      g.fillStyle = color;
      g.fillText(`${ser.label} ${value}${none}`, pad, top + pad);
      g.textAlign = "right";
      g.fillStyle = muted;
      g.fillText(`${max}${ser.unit}`, W - pad, top + pad);
      summary.push(`${ser.label} ${value}`);
    });
    this.canvas.setAttribute("aria-label", `Last ${WINDOW_S} s: ${summary.join(", ")}`);
  }
}

/**
 * Puts the chart's canvas after the element `after` and samples `api`
 * (window.echtzeit) once a second. Returns a stop function.
 */
export function mountChart(api, after) {
  const canvas = document.createElement("canvas");
  canvas.className = "chart";
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", `Last ${WINDOW_S} s of frames per second, bitrate and latency`);
  canvas.textContent = "Frames per second, bitrate and latency of the last minute.";
  after.after(canvas);
  const chart = new LiveChart(canvas);
  let drawnAt = -Infinity;
  const tick = () => {
    const t = Date.now();
    const added = chart.data.add(api.snapshot(), t);
    if (document.hidden) return; // nobody looks; the samples go on
    // Draw new figures as they come (once a second, with the stats line), and
    // scroll an old line once a second when none come.
    const last = chart.data.samples.at(-1);
    const scroll = last !== undefined && t - last.t > 1.5 * IDLE_MS && t - drawnAt >= IDLE_MS;
    if (added || scroll || drawnAt === -Infinity) {
      chart.draw(t);
      drawnAt = t;
    }
  };
  // The first drawing waits for the first poll, not the page's start.
  const timer = setInterval(tick, POLL_MS);
  return () => {
    clearInterval(timer);
    canvas.remove();
  };
}
