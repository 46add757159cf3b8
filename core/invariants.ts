// Invariants of a queue state, as functions of that state alone. Tests and the simulator run
// them after every step; each violation names the invariant and the job or record involved.
// The checks walk the whole state (O(n)), so they are for tests and simulations, not for
// every command in production.

import { statusOf } from "./lifecycle.js";
import type { Job, JobId, Location, Phase, State } from "./types.js";

export interface Violation {
  readonly invariant: string;
  readonly message: string;
}

const PHASES_BY_LOCATION: { readonly [kind in Location["kind"]]: readonly Phase[] } = {
  queue: ["NEW"],
  held: ["NEW"],
  agent: ["NEW", "ACTIVE", "CALLBACKS"],
  completed: ["COMPLETED"],
  ownedBy: ["ACTIVE", "CALLBACKS"],
  awaitingFail: ["NEW"],
  settledBy: ["COMPLETED"],
  callbackOf: ["NEW", "ACTIVE", "CALLBACKS", "COMPLETED"],
  detached: ["NEW", "ACTIVE", "CALLBACKS", "COMPLETED"],
};

export function checkInvariants(state: State): Violation[] {
  const violations: Violation[] = [];
  const report = (invariant: string, message: string) => violations.push({ invariant, message });
  const places = collectPlaces(state, report);

  for (const [id, job] of state.jobs.entries()) {
    checkPlace(job, places.get(id) ?? [], report);
    if (!PHASES_BY_LOCATION[job.location.kind].includes(job.phase)) {
      report("status-agrees-with-location",
        `job '${id}' is ${job.phase} but lives in ${job.location.kind}`);
    }
    checkOwnership(state, job, report);
  }
  for (const id of places.keys()) {
    if (!state.jobs.has(id)) report("no-dangling-ids", `'${id}' is listed but not a known job`);
  }
  checkQuotas(state, report);
  return violations;
}

type Report = (invariant: string, message: string) => void;

/** Every container that lists a job, as the location it implies. */
function collectPlaces(state: State, report: Report): Map<JobId, string[]> {
  const places = new Map<JobId, string[]>();
  const add = (id: JobId, place: string) => {
    const list = places.get(id);
    if (list === undefined) places.set(id, [place]);
    else list.push(place);
  };
  for (const [name, queue] of state.queues.entries()) {
    for (const [key, entry] of queue.putback.entries()) {
      add(entry.job, `queue:${name}:putback:${key}`);
    }
    for (const [key, entry] of queue.fifo.entries()) add(entry.job, `queue:${name}:fifo:${key}`);
    for (const [key, id] of queue.held.entries()) {
      add(id, `held:${name}:${key.beginAfter}:${key.seq}`);
      const job = state.jobs.get(id);
      if (job !== undefined && job.beginAfter !== key.beginAfter) {
        report("queue-keys-match-jobs", `held key of '${id}' disagrees with its beginAfter`);
      }
    }
    for (const [uuid, dispatcher] of queue.dispatchers.entries()) {
      for (const agent of dispatcher.agents) {
        if (agent.jobs.length > agent.size) {
          report("agent-size", `agent '${agent.name}' of '${uuid}' holds ${agent.jobs.length} ` +
            `jobs, more than its size ${agent.size}`);
        }
        for (const id of agent.jobs) add(id, `agent:${name}:${uuid}:${agent.name}`);
        for (const [key, id] of agent.completed.entries()) {
          add(id, `completed:${name}:${uuid}:${agent.name}:${key.completedAt}:${key.seq}`);
        }
      }
    }
  }
  return places;
}

function expectedPlace(location: Location): string | undefined {
  switch (location.kind) {
    case "queue": return `queue:${location.queue}:${location.store}:${location.key}`;
    case "held": return `held:${location.queue}:${location.key.beginAfter}:${location.key.seq}`;
    case "agent": return `agent:${location.queue}:${location.dispatcher}:${location.agent}`;
    case "completed":
      return `completed:${location.queue}:${location.dispatcher}:${location.agent}:` +
        `${location.key.completedAt}:${location.key.seq}`;
    default: return undefined;
  }
}

function checkPlace(job: Job, found: readonly string[], report: Report): void {
  const expected = expectedPlace(job.location);
  const wanted = expected === undefined ? [] : [expected];
  if (found.length !== wanted.length || (expected !== undefined && found[0] !== expected)) {
    report("one-place-per-job", `job '${job.id}' should be in ${expected ?? "no container"} ` +
      `but is listed in [${found.join(", ")}]`);
  }
}

function checkOwnership(state: State, job: Job, report: Report): void {
  const location = job.location;
  if (location.kind === "agent") {
    const holder = job.holder;
    if (holder === null || holder.dispatcher !== location.dispatcher ||
        holder.agent !== location.agent) {
      report("holder-matches-agent", `job '${job.id}' sits in an agent its token does not name`);
    }
  }
  if (location.kind === "ownedBy" || location.kind === "awaitingFail") {
    const wrapper = state.jobs.get(location.wrapper);
    if (wrapper === undefined || wrapper.wraps !== job.id) {
      report("wrapper-owns-job", `job '${job.id}' is owned by '${location.wrapper}', ` +
        `which does not wrap it`);
    }
  }
  if (location.kind === "callbackOf" && !state.jobs.get(location.job)?.callbacks.includes(job.id)) {
    report("callback-listed", `callback '${job.id}' is not listed by '${location.job}'`);
  }
}

function checkQuotas(state: State, report: Report): void {
  for (const [, queue] of state.queues.entries()) {
    for (const [name, quota] of queue.quotas.entries()) {
      if (new Set(quota.members).size !== quota.members.length) {
        report("quota-membership", `quota '${name}' lists a job twice`);
      }
      for (const id of quota.members) {
        const job = state.jobs.get(id);
        if (job === undefined) {
          report("quota-membership", `quota '${name}' lists unknown job '${id}'`);
          continue;
        }
        const status = statusOf(state.jobs, job);
        if (status === "CALLBACKS" || status === "COMPLETED" || job.location.kind === "held") {
          report("quota-membership",
            `quota '${name}' lists '${id}', which holds no slot (${status}, ${job.location.kind})`);
        }
        if (!job.quotaNames.includes(name)) {
          report("quota-membership", `quota '${name}' lists '${id}', which does not name it`);
        }
      }
    }
  }
}
