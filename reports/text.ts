// The terminal form of a trace: a legend, then one line per event in trace order (time,
// process, event, `key=value` pairs), then the verdict. It streams: a day-long trace prints
// without building a model. Event names are the core's; faults, restarts and rejections get
// names of the same shape (`fault/crash`, `process/started`, `command/rejected`).

import type { Event } from "../core/index.js";
import { offsetText, pairsText } from "./format.js";
import type { FoldRecord, TraceRecord } from "./trace-read.js";

export const TEXT_LEGEND = [
  "# TIME is virtual time since the run began (+h:mm:ss.micros).",
  "# PROCESS is who acted: p1#2 is process p1 in its 2nd life, client puts the workload,",
  "#   script is a script scenario, - is the simulator itself.",
  "# EVENT is a core event (job/claimed ...), fault/<kind>, process/started,",
  "#   command/rejected or step/failed; key=value pairs follow.",
];

/** The lines of the text form, legend first; nothing is held but the current record. */
export function* textLines(records: Iterable<TraceRecord>): Generator<string> {
  yield* TEXT_LEGEND;
  for (const record of records) {
    switch (record.kind) {
      case "header": {
        const header = record.value;
        const name = header.script?.name ?? header.world?.name ?? "unnamed run";
        yield `# run ${JSON.stringify(name)} seed ${header.seed ?? "none"}`;
        break;
      }
      case "fold":
        yield* foldLines(record.value);
        break;
      case "query":
        if (!record.value.ok) {
          yield line(record.value.t, "script", "step/failed", { step: record.value.step,
            do: record.value.do, expect: record.value.expect, reply: record.value.reply });
        }
        break;
      case "fault": {
        const { t, process, fault, ...rest } = record.value;
        yield line(t, process ?? "-", `fault/${fault}`, rest);
        break;
      }
      case "lifecycle":
        yield line(record.value.t, record.value.process, `process/${record.value.lifecycle}`, {});
        break;
      case "verdict": {
        const { line: _line, violation, probes: _probes, kind, ...rest } = record.value;
        yield `# verdict ${pairsText({ kind, ...rest, invariant: violation?.invariant,
          at: violation?.time })}`;
        break;
      }
    }
  }
}

function* foldLines(record: FoldRecord): Generator<string> {
  const reply = record.reply as { error?: { code?: string; message?: string } } | null;
  if (reply !== null && typeof reply === "object" && reply.error !== undefined) {
    yield line(record.t, record.origin, "command/rejected", { pos: record.pos,
      command: record.command.type, code: reply.error.code });
  }
  for (const event of record.events) yield eventLine(record, event);
  if (record.ok === false) {
    yield line(record.t, record.origin, "step/failed", { step: record.step,
      command: record.command.type, expect: record.expect, reply: record.reply });
  }
}

function eventLine(record: FoldRecord, event: Event): string {
  const { type, ...fields } = event;
  return line(record.t, record.origin, type, { ...fields, pos: record.pos });
}

function line(t: number, process: string, event: string, fields: object): string {
  const pairs = pairsText(fields as { [key: string]: unknown });
  return `${offsetText(t)} ${process} ${event}${pairs === "" ? "" : ` ${pairs}`}`;
}
