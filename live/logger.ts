// Structured logs of the live adapter, one line per event: time, process, event, then
// `key=value` pairs, or one JSON object per line when asked. Event names are the core's
// (`job/claimed`, `dispatcher/deactivated` ...) so logs, traces and reports read alike.

import { formatTime } from "../core/index.js";
import type { Clock } from "./clock.js";

export type LogFields = Record<string, unknown>;

export interface Logger {
  log(event: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  readonly process: string;
  readonly clock: Clock;
  readonly json?: boolean;
  readonly write?: (line: string) => void;
}

export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  return {
    log(event, fields = {}) {
      const time = formatTime(options.clock.nowUs());
      if (options.json) {
        write(`${JSON.stringify({ time, process: options.process, event, ...fields },
          (_key, value: unknown) => (typeof value === "bigint" ? formatTime(value) : value))}\n`);
        return;
      }
      const pairs = Object.entries(fields).filter(([, value]) => value !== undefined)
        .map(([key, value]) => `${key}=${formatValue(value)}`).join(" ");
      write(`${time} ${options.process} ${event}${pairs === "" ? "" : ` ${pairs}`}\n`);
    },
  };
}

function formatValue(value: unknown): string {
  if (typeof value === "bigint") return formatTime(value);
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return /[\s"=]/.test(text ?? "") ? JSON.stringify(text) : String(text);
}

export const silentLogger: Logger = { log() {} };
