// Quotas: strict maxima on how many jobs naming a quota hold a slot at once. Membership is
// eager (decisions.md): a job joins when claimed and leaves the moment it reaches CALLBACKS
// or COMPLETED or is rescheduled into the future, so a quota always lists who holds a slot.

import { Rejection } from "./errors.js";
import type { Draft } from "./draft.js";
import type { Job, Queue, Quota } from "./types.js";

export function requireQuota(queue: Queue, name: unknown): Quota {
  if (typeof name !== "string") {
    throw new Rejection("invalid-argument", "name: expected a quota name string");
  }
  const quota = queue.quotas.get(name);
  if (quota === undefined) {
    throw new Rejection("unknown-quota", `unknown quota name '${name}' in queue '${queue.name}'`);
  }
  return quota;
}

function checkSize(size: unknown): number {
  if (typeof size !== "number" || !Number.isInteger(size) || size < 0) {
    throw new Rejection("invalid-argument", `size: expected a whole number >= 0, got ${size}`);
  }
  return size;
}

export function createQuota(draft: Draft, queueName: unknown, name: unknown, size: unknown): Quota {
  const queue = draft.queue(queueName);
  if (typeof name !== "string") {
    throw new Rejection("invalid-argument", "name: expected a quota name string");
  }
  if (queue.quotas.has(name)) {
    throw new Rejection("duplicate-quota", `quota '${name}' already exists; resize it instead`);
  }
  const quota: Quota = { name, size: checkSize(size ?? 1), members: [] };
  draft.setQueue({ ...queue, quotas: draft.put(queue.quotas, name, quota) });
  draft.emit({ type: "quota/created", queue: queue.name, quota: name, size: quota.size });
  return quota;
}

export function resizeQuota(draft: Draft, queueName: unknown, name: unknown, size: unknown): Quota {
  const queue = draft.queue(queueName);
  const quota = { ...requireQuota(queue, name), size: checkSize(size) };
  draft.setQueue({ ...queue, quotas: draft.put(queue.quotas, quota.name, quota) });
  draft.emit({ type: "quota/resized", queue: queue.name, quota: quota.name, size: quota.size });
  return quota;
}

export function removeQuota(draft: Draft, queueName: unknown, name: unknown): Quota {
  const queue = draft.queue(queueName);
  const quota = requireQuota(queue, name);
  draft.setQueue({ ...queue, quotas: draft.drop(queue.quotas, quota.name) });
  draft.emit({ type: "quota/removed", queue: queue.name, quota: quota.name });
  return quota;
}

export function isFilled(quota: Quota): boolean {
  return quota.members.length >= quota.size;
}

/** Adds a claimed job to each quota it was admitted by (a member stays a member). */
export function joinQuotas(draft: Draft, queueName: string, job: Job, quotas: Quota[]): void {
  if (quotas.length === 0) return;
  let queue = draft.queue(queueName);
  for (const quota of quotas) {
    const current = queue.quotas.get(quota.name)!;
    if (current.members.includes(job.id)) continue;
    queue = { ...queue, quotas: draft.put(queue.quotas, quota.name,
      { ...current, members: [...current.members, job.id] }) };
  }
  draft.setQueue(queue);
}

/** Takes a job out of every quota of its queue that lists it. */
export function leaveQuotas(draft: Draft, job: Job): void {
  leaveQuotasWhere(draft, job, () => true);
}

/** Takes a job out of the quotas it no longer names (its names were changed). */
export function leaveQuotasNotNamed(draft: Draft, job: Job): void {
  leaveQuotasWhere(draft, job, (quota) => !job.quotaNames.includes(quota.name));
}

function leaveQuotasWhere(draft: Draft, job: Job, leaves: (quota: Quota) => boolean): void {
  const queue = draft.queues.get(job.queue);
  if (queue === undefined || queue.quotas.size === 0) return;
  const holding: Quota[] = [];
  for (const [, quota] of queue.quotas.entries()) {
    if (quota.members.includes(job.id) && leaves(quota)) holding.push(quota);
  }
  if (holding.length === 0) return;

  let quotas = queue.quotas;
  for (const quota of holding) {
    quotas = draft.put(quotas, quota.name,
      { ...quota, members: quota.members.filter((id) => id !== job.id) });
  }
  draft.setQueue({ ...queue, quotas });
}

/** Validates quota names: a list of strings (a lone string is the classic mistake). */
export function parseQuotaNames(names: unknown): string[] {
  if (typeof names === "string") {
    throw new Rejection("quota-names-not-iterable",
      "quotaNames: provide a list of names, not a single string");
  }
  if (!Array.isArray(names) || !names.every((name) => typeof name === "string")) {
    throw new Rejection("invalid-argument", "quotaNames: expected a list of quota name strings");
  }
  return [...names];
}

export function checkQuotaNamesExist(queue: Queue, names: readonly string[]): void {
  for (const name of names) {
    if (!queue.quotas.has(name)) {
      throw new Rejection("unknown-quota",
        `unknown quota name '${name}' in queue '${queue.name}'`);
    }
  }
}
