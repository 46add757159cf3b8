// Shared formatting of times, durations and values for every report form, so the HTML, the
// Markdown, the JSON and the terminal lines all say the same thing the same way.

/** Virtual time since the run began: `+1:02:03.004005` (hours, minutes, seconds, micros). */
export function offsetText(us: number): string {
  const sign = us < 0 ? "-" : "+";
  const abs = Math.abs(Math.round(us));
  const micros = abs % 1_000_000;
  const seconds = Math.floor(abs / 1_000_000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${sign}${h}:${pad(m, 2)}:${pad(s, 2)}.${pad(micros, 6)}`;
}

/** A duration for people: `850us`, `12.5ms`, `4.20s`, `3m05s`, `2h10m`. */
export function durationText(us: number | null): string {
  if (us === null) return "-";
  const sign = us < 0 ? "-" : "";
  const abs = Math.abs(us);
  if (abs < 1000) return `${sign}${Math.round(abs)}us`;
  if (abs < 1_000_000) return `${sign}${trim(abs / 1000)}ms`;
  if (abs < 60_000_000) return `${sign}${trim(abs / 1_000_000)}s`;
  const seconds = Math.round(abs / 1_000_000);
  if (seconds < 3600) return `${sign}${Math.floor(seconds / 60)}m${pad(seconds % 60, 2)}s`;
  return `${sign}${Math.floor(seconds / 3600)}h${pad(Math.floor((seconds % 3600) / 60), 2)}m`;
}

function trim(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, "0");
}

/** A `key=value` value: bare when it is a plain word, JSON otherwise. */
export function valueText(value: unknown): string {
  if (typeof value === "string") return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? "null";
}

export function pairsText(fields: { readonly [key: string]: unknown }): string {
  return Object.entries(fields).filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${valueText(value)}`).join(" ");
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}
