// The persistent sorted map of the core, re-exported so that every module imports it the
// same way. sorted-btree ships CommonJS with `exports.default`, which Node's ESM loader
// exposes as a property of the default import; this file unwraps it once.

import sortedBtree from "sorted-btree";
import type * as SortedBtree from "sorted-btree";

export type BTree<K, V> = SortedBtree.default<K, V>;

type BTreeConstructor = new <K, V>(
  entries?: [K, V][], compare?: (a: K, b: K) => number, maxNodeSize?: number,
) => SortedBtree.default<K, V>;

const module = sortedBtree as unknown as { default?: BTreeConstructor };

export const BTree: BTreeConstructor =
  module.default ?? (sortedBtree as unknown as BTreeConstructor);
