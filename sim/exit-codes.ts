// Exit statuses of the simulator's commands (`chronoq sim`, `fuzz`, `replay`), shared with
// bin/ so that scripts can tell a broken property from a broken input.

export const EXIT_PASS = 0;
export const EXIT_SAFETY = 1;
export const EXIT_INVALID = 2;
export const EXIT_LIVENESS = 3;

export function exitCodeOf(kind: "pass" | "safety" | "liveness"): number {
  if (kind === "pass") return EXIT_PASS;
  return kind === "safety" ? EXIT_SAFETY : EXIT_LIVENESS;
}
