// Claiming: handing out the first due job that its quotas and the claimer's filter allow
// (reference 2.4). An expired job is handed out as a fail wrapper instead, which bypasses
// quotas; the filter judges what would be handed out, so the wrapper, not the expired job.

import { filterAccepts } from "./agents.js";
import { Draft } from "./draft.js";
import { countWrapper, newJob, nextWrapperId } from "./lifecycle.js";
import { dequeue, queueOrder } from "./queue-store.js";
import { isFilled, joinQuotas } from "./quotas.js";
import { SYSTEM_TASKS } from "./tasks.js";
import type { Micros } from "./time.js";
import type { Filter, Job, Location, Quota, State } from "./types.js";

export type ClaimTarget =
  | { readonly kind: "detached" }
  | { readonly kind: "agent"; readonly dispatcher: string; readonly agent: string };

/** Claims from a queue; returns the job handed out (perhaps a new wrapper) or null. */
export function claimFromQueue(
  draft: Draft, queueName: string, filter: Filter | null, target: ClaimTarget,
): Job | null {
  const queue = draft.queue(queueName);
  for (const entry of queueOrder(queue)) {
    // The scan stops at the first job not yet due, as the original's does (reference B16).
    if (entry.beginAfter > draft.at) break;
    const job = draft.job(entry.job)!;

    if (job.beginBy !== null && entry.beginAfter + job.beginBy < draft.at) {
      if (!filterAccepts(filter, SYSTEM_TASKS.fail)) continue;
      return handOutFailWrapper(draft, queueName, job, target);
    }

    const admittedBy: Quota[] = [];
    let blocked = false;
    for (const name of job.quotaNames) {
      const quota = queue.quotas.get(name);
      if (quota === undefined) continue;
      if (isFilled(quota) && !quota.members.includes(job.id)) {
        blocked = true;
        break;
      }
      admittedBy.push(quota);
    }
    if (blocked || !filterAccepts(filter, job.task)) continue;

    dequeue(draft, job);
    joinQuotas(draft, queueName, job, admittedBy);
    return handOut(draft, job, queueName, target);
  }
  return null;
}

function handOutFailWrapper(draft: Draft, queueName: string, job: Job, target: ClaimTarget): Job {
  dequeue(draft, job);
  const wrapperId = nextWrapperId(job, "fail");
  draft.setJob({ ...countWrapper(job, "fail"), holder: null,
    location: { kind: "awaitingFail", wrapper: wrapperId } });
  draft.emit({ type: "job/expired", job: job.id, wrapper: wrapperId });

  const wrapper = newJob(draft, {
    id: wrapperId, task: SYSTEM_TASKS.fail, args: [], queue: queueName,
    location: { kind: "detached" }, beginAfter: draft.at, beginBy: null,
    wraps: job.id, wrapperKind: "fail", wrapperReason: "deadline",
  });
  return handOut(draft, wrapper, queueName, target);
}

function handOut(draft: Draft, job: Job, queueName: string, target: ClaimTarget): Job {
  const claims = job.claims + 1;
  const location: Location = target.kind === "agent"
    ? { kind: "agent", queue: queueName, dispatcher: target.dispatcher, agent: target.agent }
    : { kind: "detached" };
  const holder = target.kind === "agent"
    ? { dispatcher: target.dispatcher, agent: target.agent, attempt: claims }
    : null;
  draft.emit({ type: "job/claimed", job: job.id, task: job.task,
    dispatcher: target.kind === "agent" ? target.dispatcher : null,
    agent: target.kind === "agent" ? target.agent : null });
  return draft.setJob({ ...job, location, holder, claims });
}

export interface ClaimPreview {
  readonly filter: Filter | null;
  /** The most claims to try for this claimer. */
  readonly count: number;
}

/**
 * How many of the given claims, made in order on this state at `at`, would hand out a job.
 * A dispatcher asks before it appends claims, so that an agent whose filter or quotas leave
 * nothing for it does not fill the log with claims that find nothing.
 */
export function previewClaims(
  state: State, queueName: string, claimers: readonly ClaimPreview[], at: Micros,
): number[] {
  if (!state.queues.has(queueName)) return claimers.map(() => 0);
  const draft = new Draft(state, at);
  return claimers.map(({ filter, count }) => {
    let found = 0;
    while (found < count && claimFromQueue(draft, queueName, filter, DETACHED) !== null) found++;
    return found;
  });
}

const DETACHED: ClaimTarget = { kind: "detached" };
