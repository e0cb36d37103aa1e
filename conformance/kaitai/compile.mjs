// Compiles spec/gpc.ksy to Python: writes conformance/kaitai/generated/gpc.py.
// The npm build of the Kaitai Struct compiler has no command line, only this API:
// compile(language, ksyObject, importer, debug) -> Promise<{filename: source}>.
// Usage (from this folder): npm ci && node compile.mjs [output-folder]
// (default output folder: generated/; the tests pass a temporary one to compare).
import { readFileSync, writeFileSync, mkdirSync, renameSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const yaml = require("js-yaml");
const compiler = require("kaitai-struct-compiler");

const here = dirname(fileURLToPath(import.meta.url));
const ksyPath = join(here, "..", "..", "spec", "gpc.ksy");
const outDir = process.argv[2] ?? join(here, "generated");

const ksy = yaml.load(readFileSync(ksyPath, "utf8"));
const files = await compiler.compile("python", ksy, null, false);
mkdirSync(outDir, { recursive: true });
for (const [name, source] of Object.entries(files)) {
  const target = join(outDir, name);
  const temporary = `${target}.tmp`;
  writeFileSync(temporary, source);
  renameSync(temporary, target);  // atomic replace
  console.log(`wrote ${target}`);
}
