// Browser benchmark (not a test): training throughput of the benchmark workload W1 in the
// playground's own worker, on WebGPU and on the CPU fallback, in one headless Chromium session,
// the page's wasm sizes (raw and gzip), and the page itself running a NAS-Bench-201 tabular
// search of 500 evaluations (seconds from click to finished, main-thread long tasks meanwhile).
// Prints a table and writes JSON, so the figures can be set beside TF.js in the same browser.
// Run through scripts/bench-browser.sh, which builds dist/ first.
//
//   node scripts/bench-browser.mjs [--batch 32] [--warmup 3] [--steps 20] [--out target/bench/w1-browser.json]
//
// Chromium's WebGPU here is the one the flags below give: SwiftShader (a CPU emulation) on a
// machine without a GPU; pass CHROMIUM_ARGS to use a real adapter.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { startServer } from './static-server.mjs';

const PROTOCOL_VERSION = 3;
const DIST = process.env.E2E_DIST ?? 'dist';
const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
const WEBGPU = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader'];
const FLAGS = (process.env.CHROMIUM_ARGS ?? [
  ...WEBGPU,
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
].join(' ')).split(' ').filter(Boolean);

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1] : fallback;
}
function whole(name, fallback, low, high) {
  const value = Number(option(name, fallback));
  if (!Number.isInteger(value) || value < low || value > high) {
    console.error(`--${name} must be a whole number from ${low} to ${high}, got ${option(name, fallback)}`);
    process.exit(2);
  }
  return value;
}
const request = { batch: whole('batch', 32, 1, 256), warmup: whole('warmup', 3, 0, 100), steps: whole('steps', 20, 1, 1000) };
const out = option('out', 'target/bench/w1-browser.json');

async function wasmSizes() {
  const sizes = {};
  for (const file of (await readdir(DIST)).filter((f) => f.endsWith('.wasm'))) {
    const bytes = await readFile(join(DIST, file));
    sizes[file] = { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  }
  return sizes;
}

// Runs in the page: starts a worker of the playground, says hello with `backend`, runs the
// benchmark and returns what the worker reported.
async function measure({ backend, request, version }) {
  const worker = new Worker('./worker_loader.js');
  const send = (msg) => worker.postMessage(JSON.stringify({ v: version, msg }));
  try {
    return await new Promise((resolve, reject) => {
      let ready;
      worker.onerror = (event) => reject(new Error(`worker failed: ${event.message}`));
      worker.onmessage = (event) => {
        const { msg } = JSON.parse(event.data);
        if (msg.type === 'booted') send({ type: 'hello', protocol_version: version, backend });
        else if (msg.type === 'ready') { ready = msg.backend; send({ type: 'benchmark', ...request }); }
        else if (msg.type === 'benchmark_finished') resolve({ backend: ready, result: msg });
        else if (msg.type === 'error' || msg.type === 'crashed') reject(new Error(JSON.stringify(msg)));
      };
    });
  } finally {
    worker.terminate();
  }
}

// The page, on the CPU backend (a browser without WebGPU), runs a 500-evaluation tabular search
// as a visitor would start it.
async function tabularPage() {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS.filter((f) => !WEBGPU.includes(f)) });
  const page = await browser.newPage();
  await page.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__longTasks.push(Math.round(entry.duration));
    }).observe({ type: 'longtask', buffered: false });
  });
  await page.goto(served.url);
  await page.locator('[data-testid="cpu-banner"], [data-backend="webgpu"]').first().waitFor({ timeout: 120_000 });
  await page.getByTestId('field-dataset').selectOption('nb201-cifar10');
  await page.getByTestId('field-population').fill('20');
  await page.getByTestId('field-generations').fill('25');
  await page.evaluate(() => { window.__longTasks = []; });
  const started = Date.now();
  await page.getByTestId('search').click();
  await page.waitForFunction(
    () => ['completed', 'failed'].includes(document.querySelector('[data-testid="run-summary"]')?.dataset.status),
    null, { timeout: 120_000, polling: 50 },
  );
  const seconds = (Date.now() - started) / 1000;
  const longTasks = await page.evaluate(() => window.__longTasks);
  const status = await page.evaluate(() => document.querySelector('[data-testid="run-summary"]').dataset.status);
  await browser.close();
  return { evaluations: 500, status, seconds, long_tasks_ms: longTasks, longest_task_ms: Math.max(0, ...longTasks) };
}

const served = await startServer(DIST);
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
try {
  const page = await browser.newPage();
  // A same-origin page that starts nothing of its own: the workers below are the only ones.
  await page.goto(`${served.url}/nb201/LICENSE.txt`);
  const runs = {};
  for (const [name, backend] of [['webgpu', { kind: 'auto' }], ['cpu', { kind: 'cpu', reason: 'benchmark' }]]) {
    const started = Date.now();
    runs[name] = await page.evaluate(measure, { backend, request, version: PROTOCOL_VERSION });
    runs[name].wall_s = (Date.now() - started) / 1000;
  }
  const report = {
    benchmark: 'w1_training_throughput_browser',
    browser: `Chromium ${browser.version()}`,
    flags: FLAGS,
    request,
    webgpu: runs.webgpu,
    cpu: runs.cpu,
    wasm: await wasmSizes(),
    tabular_page: await tabularPage(),
  };
  console.log(`W1 training in the playground's worker, ${report.browser}, batch ${request.batch}, ${request.steps} timed steps after ${request.warmup} warm-up`);
  console.log('backend      adapter / reason                         samples/s   median step ms');
  for (const name of ['webgpu', 'cpu']) {
    const { backend, result } = runs[name];
    const what = backend.kind === 'webgpu'
      ? `${backend.adapter.vendor} ${backend.adapter.architecture} ${backend.adapter.description}`.trim()
      : `CPU: ${backend.reason}`;
    console.log(`${name.padEnd(12)} ${what.slice(0, 40).padEnd(40)} ${result.samples_per_s.toFixed(1).padStart(9)}   ${result.median_step_ms.toFixed(1).padStart(14)}`);
  }
  for (const [file, size] of Object.entries(report.wasm)) {
    console.log(`${file}: ${size.raw} bytes raw, ${size.gzip} bytes gzip`);
  }
  const tabular = report.tabular_page;
  console.log(`page, tabular search of ${tabular.evaluations} evaluations on the CPU backend: ${tabular.status} in ${tabular.seconds.toFixed(2)} s; `
    + `main-thread long tasks ${tabular.long_tasks_ms.length} (longest ${tabular.longest_task_ms} ms)`);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, JSON.stringify(report, null, 2));
  console.log(`written ${out}`);
} finally {
  await browser.close();
  served.server.close();
}
