// Runs one script through mpiPlayground.run in headless Chromium and prints
// what came back, like mpiplay -l: for trying things in the real browser.
//
//   node try.mjs [--dist DIR] [-n RANKS] [--timeout MS] script.py
import { readFile } from "node:fs/promises";
import { dirname, join, resolve, basename } from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "./serve.mjs";
import { launch } from "./chromium.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const take = (name, fallback) => {
  const i = argv.indexOf(name);
  if (i < 0) return fallback;
  return argv.splice(i, 2)[1];
};
const dist = resolve(take("--dist", join(here, "../../dist")));
const ranks = Number(take("-n", "1"));
const timeoutMs = Number(take("--timeout", "60000"));
const script = argv[0];
if (!script) {
  console.error("usage: node try.mjs [--dist DIR] [-n RANKS] [--timeout MS] script.py");
  process.exit(2);
}
const source = await readFile(script, "utf8");
const server = await serve(dist);
const context = await launch();
try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("console", (m) => console.error(`[console.${m.type()}] ${m.text()}`));
  await page.goto(server.url);
  await page.waitForFunction(() => window.mpiPlayground !== undefined);
  await page.evaluate(() => window.mpiPlayground.ready);
  const result = await page.evaluate(
    ([source, options]) => window.mpiPlayground.run(source, options),
    [source, { ranks, timeoutMs, path: basename(script) }],
  );
  for (const line of result.output) {
    for (const text of line.text.replace(/\n$/, "").split("\n")) {
      (line.stream === "stderr" ? process.stderr : process.stdout).write(`[${line.rank}] ${text}\n`);
    }
  }
  console.error(`-- ${result.status} in ${result.elapsedMs.toFixed(0)} ms${result.report ? ": " + result.report : ""}`);
  process.exitCode = result.status === "ok" ? 0 : 1;
} finally {
  await context.close();
  await server.close();
}
