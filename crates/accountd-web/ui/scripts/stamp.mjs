// Writes dist/inputs.sha256: the digest of everything the bundle is built from. accountd's stale-file test
// recomputes it without Node.js and fails when a source changed but the bundle was not rebuilt.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ui = join(dirname(fileURLToPath(import.meta.url)), "..");
/** What the bundle is built from, relative to ui/; `../../../schemas` is the method table's schemas, which the
 * generated API types come from (so a changed method makes the bundle stale too). */
const INPUTS = ["index.html", "package.json", "package-lock.json", "tsconfig.json", "vite.config.ts", "src", "../../../schemas"];

function files(path) {
  if (statSync(path).isDirectory()) return readdirSync(path).sort().flatMap((n) => files(join(path, n)));
  return [path];
}

const hash = createHash("sha256");
for (const input of INPUTS) {
  for (const file of files(join(ui, input))) {
    const name = relative(ui, file).split("\\").join("/").replace(/^(\.\.\/)+/, "");
    const body = readFileSync(file);
    hash.update(`${name}\0${body.length}\0`);
    hash.update(body);
  }
}
writeFileSync(join(ui, "..", "dist", "inputs.sha256"), `${hash.digest("hex")}\n`);
