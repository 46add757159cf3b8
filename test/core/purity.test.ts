// The purity fence around core/: its sources read no clock, draw no randomness, do no I/O,
// and import nothing but core/ itself and the pure library sorted-btree. A canary checks that
// the scanner does catch each kind of breach, so a silent scanner cannot pass the fence.

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { describe, expect, test } from "vitest";

const CORE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../core");
const ALLOWED_PACKAGES = new Set(["sorted-btree"]);

const FORBIDDEN: readonly [string, RegExp][] = [
  ["Date.now", /\bDate\s*\.\s*now\b/],
  ["new Date(", /\bnew\s+Date\s*\(/],
  ["Date() read as a clock", /(?<![.\w])Date\s*\(/],
  ["Math.random", /\bMath\s*\.\s*random\b/],
  ["performance.now", /\bperformance\s*\.\s*now\b/],
  ["setTimeout", /\bsetTimeout\b/],
  ["setInterval", /\bsetInterval\b/],
  ["setImmediate", /\bsetImmediate\b/],
  ["process.", /\bprocess\s*\./],
  ["console.", /\bconsole\s*\./],
  ["require(", /\brequire\s*\(/],
  ["fetch(", /\bfetch\s*\(/],
  ["crypto", /\bcrypto\s*\./],
];

/** Removes comments, keeping strings intact (a `//` inside a string is not a comment). */
function stripComments(source: string): string {
  let out = "";
  let i = 0;
  while (i < source.length) {
    const char = source[i]!;
    const next = source[i + 1];
    if (char === "/" && next === "/") {
      while (i < source.length && source[i] !== "\n") i++;
    } else if (char === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      i = end === -1 ? source.length : end + 2;
      out += " ";
    } else if (char === "\"" || char === "'" || char === "`") {
      let j = i + 1;
      while (j < source.length && source[j] !== char) j += source[j] === "\\" ? 2 : 1;
      out += source.slice(i, j + 1);
      i = j + 1;
    } else {
      out += char;
      i++;
    }
  }
  return out;
}

const IMPORT_PATTERNS = [
  /\bimport\s+(?:type\s+)?[^'";]*?\bfrom\s*["']([^"']+)["']/g,
  /\bexport\s+(?:type\s+)?[^'";]*?\bfrom\s*["']([^"']+)["']/g,
  /\bimport\s*["']([^"']+)["']/g,
  /\bimport\s*\(\s*["'`]([^"'`]+)["'`]\s*\)/g,
];

function importSpecifiers(code: string): string[] {
  const found: string[] = [];
  for (const pattern of IMPORT_PATTERNS) {
    for (const match of code.matchAll(pattern)) found.push(match[1]!);
  }
  return found;
}

/** Every breach of the fence in one file's source, as readable strings. */
function breaches(source: string, file: string): string[] {
  const code = stripComments(source);
  const found: string[] = [];
  for (const [name, pattern] of FORBIDDEN) {
    if (pattern.test(code)) found.push(`${name}`);
  }
  if (/\bimport\s*\(\s*[^"'`\s]/.test(code)) found.push("a dynamic import of a computed name");
  for (const specifier of importSpecifiers(code)) {
    if (specifier.startsWith("node:")) {
      found.push(`import of ${specifier}`);
    } else if (specifier.startsWith(".")) {
      const target = resolve(dirname(file), specifier);
      if (relative(CORE_DIR, target).startsWith("..")) found.push(`import of ${specifier}`);
    } else if (!ALLOWED_PACKAGES.has(specifier)) {
      found.push(`import of ${specifier}`);
    }
  }
  return found;
}

function coreSources(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...coreSources(path));
    else if (/\.(ts|js|mjs|cjs|mts|cts)$/.test(entry.name)) files.push(path);
  }
  return files.sort();
}

describe("the purity fence of core/", () => {
  const files = coreSources(CORE_DIR);

  test("core/ has sources to check", () => {
    expect(files.length).toBeGreaterThan(10);
    expect(files.map((file) => relative(CORE_DIR, file))).toContain("reduce.ts");
  });

  test.each(files.map((file) => [relative(CORE_DIR, file), file]))(
    "%s uses no clock, randomness, I/O or outside import", (_name, file) => {
      expect(breaches(readFileSync(file, "utf8"), file)).toEqual([]);
    });
});

describe("the fence scanner itself (a canary)", () => {
  const inCore = join(CORE_DIR, "canary.ts");

  test.each([
    ["const t = Date.now();", "Date.now"],
    ["const d = new Date();", "new Date("],
    ["const s = Date();", "Date() read as a clock"],
    ["const r = Math.random();", "Math.random"],
    ["const p = performance.now();", "performance.now"],
    ["setTimeout(f, 1);", "setTimeout"],
    ["setInterval(f, 1);", "setInterval"],
    ["const e = process.env.X;", "process."],
    ["console.log('x');", "console."],
    ["import { readFileSync } from \"node:fs\";", "import of node:fs"],
    ["import type { Sim } from \"../sim/world.js\";", "import of ../sim/world.js"],
    ["export { x } from \"../live/clock.js\";", "import of ../live/clock.js"],
    ["import seedrandom from \"seedrandom\";", "import of seedrandom"],
    ["import \"./side-effect-outside/../../bin/x.js\";",
      "import of ./side-effect-outside/../../bin/x.js"],
    ["const m = await import(\"node:os\");", "import of node:os"],
  ])("flags %s", (source, breach) => {
    expect(breaches(source, inCore)).toContain(breach);
  });

  test("passes pure code, comments and strings that only mention the forbidden names", () => {
    const source = [
      "// Nothing here calls Date.now() or console.log.",
      "/* Math.random is banned; so is setTimeout. */",
      "import { BTree } from \"./btree.js\";",
      "import sortedBtree from \"sorted-btree\";",
      "const note = \"see http://example.org // not a comment\";",
      "const parsed = Date.parse(text); const utc = Date.UTC(2000, 0, 1);",
    ].join("\n");
    expect(breaches(source, inCore)).toEqual([]);
  });
});
