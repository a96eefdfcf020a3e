// Browser benchmark (not a test): training throughput of the benchmark workload W1 in the
// playground's own worker, on WebGPU and on the CPU fallback, in one headless Chromium session,
// the page's wasm sizes (raw and gzip), the page itself running a NAS-Bench-201 tabular search
// of 500 evaluations (seconds from click to finished, main-thread long tasks meanwhile), and the
// page's default search as a visitor starts it, in Chromium with WebGPU (SwiftShader) and
// without: the backend chosen and why, seconds to the first plotted candidate, the run's
// duration, its ETA at 25 % against the real end, the longest main-thread task; and the latency
// predictor in the worker on each backend: this device's profile of the default space calibrated
// (how long it took), then held-out networks timed twice each and how well the profile, each
// roofline and the second timing agree with the first (the same figures as `cli bench predictor`);
// and the default search without its time budget on the CPU backend trained by 1 and by 2
// workers: candidates per minute, and whether both found the same candidates.
// Prints a table and writes JSON, so the figures can be set beside TF.js in the same browser.
// Run through scripts/bench-browser.sh, which builds dist/ first.
//
//   node scripts/bench-browser.mjs [--batch 32] [--warmup 3] [--steps 20] [--out target/bench/w1-browser.json] [--no-default-search]
//                                  [--predictor-genotypes 30] [--predictor-runs 50] [--only-predictor]
//                                  [--workers 1,2] [--only-workers]
//                                  [--only-default-search] [--runs 1] [--with-webgpu] [--screenshot FILE] [--dataset digits|procedural] [--rungs off|2..8]
//                                  [--only-step-rate] (with --batch 64 --steps 5)
//
// Chromium's WebGPU here is the one the flags below give: SwiftShader (a CPU emulation) on a
// machine without a GPU; pass CHROMIUM_ARGS to use a real adapter.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { startServer } from './static-server.mjs';

const PROTOCOL_VERSION = 4;
// Each worker-side measurement runs on both: WebGPU when the browser has it, and the CPU backend.
const BACKENDS = [['webgpu', 'auto'], ['cpu', { cpu: { reason: 'benchmark' } }]];
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
// The default searches take minutes each (their time budget): --no-default-search leaves them out.
const skipDefault = process.argv.includes('--no-default-search');
const predictorRequest = { genotypes: whole('predictor-genotypes', 30, 2, 1000), runs: whole('predictor-runs', 50, 1, 1000) };
// Only the latency predictor (minutes on SwiftShader): the rest left out.
const onlyPredictor = process.argv.includes('--only-predictor');
// Only the default search trained by each count of workers (minutes each): the rest left out.
const onlyWorkers = process.argv.includes('--only-workers');
const workerCounts = option('workers', '1,2').split(',').map(Number);
// Only the default search as a visitor starts it, `--runs` times, on the CPU backend (a browser
// without WebGPU) unless `--with-webgpu`: what it found, run by run (minutes each).
const onlyDefault = process.argv.includes('--only-default-search');
const defaultRuns = whole('runs', 1, 1, 20);
const defaultWithWebgpu = process.argv.includes('--with-webgpu');
// The dataset the visitor chooses before pressing Search (the built-in digits unless given).
const defaultDataset = option('dataset', 'digits');
if (!['digits', 'procedural'].includes(defaultDataset)) {
  console.error(`--dataset must be digits or procedural, got ${defaultDataset}`);
  process.exit(2);
}
// The Rungs field as the visitor leaves it before pressing Search (the page's default unless given).
const defaultRungs = option('rungs', null);
// Where to save a screenshot of the whole page as each default search ends (the last one stays).
const screenshotPath = option('screenshot', null);
// Only the step rate in the worker's CPU backend: the default space's references trained at
// --batch (64 unless given) and a 1024x1024 f32 matrix product with wasm SIMD.
const onlyStepRate = process.argv.includes('--only-step-rate');
if (!workerCounts.every((n) => Number.isInteger(n) && n >= 1 && n <= 64)) {
  console.error(`--workers must be whole numbers from 1 to 64, separated by commas, got ${option('workers', '1,2')}`);
  process.exit(2);
}

async function wasmSizes() {
  const sizes = {};
  for (const file of (await readdir(DIST)).filter((f) => f.endsWith('.wasm'))) {
    const bytes = await readFile(join(DIST, file));
    sizes[file] = { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  }
  return sizes;
}

// Runs in the page: starts a worker of the playground, says hello with `backend`, sends
// `message` (`{ [name]: body }`, the wire's form) once it is ready and returns the backend
// (as `{ kind, ...fields }`) and the body of the first message named `answer`.
async function inWorker({ backend, message, answer, version }) {
  const worker = new Worker('./worker_loader.js');
  const send = (msg) => worker.postMessage(JSON.stringify({ v: version, msg }));
  // A message or a backend is `{ name: body }`, or its bare name when it carries nothing.
  const untag = (value) => (typeof value === 'string' ? [value, {}] : Object.entries(value)[0]);
  try {
    return await new Promise((resolve, reject) => {
      let ready;
      worker.onerror = (event) => reject(new Error(`worker failed: ${event.message}`));
      worker.onmessage = (event) => {
        const { msg } = JSON.parse(event.data);
        const [name, body] = untag(msg);
        if (name === 'booted') send({ hello: { protocol_version: version, backend } });
        else if (name === 'ready') {
          const [kind, fields] = untag(body.backend);
          ready = { kind, ...fields };
          send(message);
        } else if (name === answer) resolve({ backend: ready, result: body });
        else if (name === 'error' || name === 'crashed') reject(new Error(JSON.stringify(msg)));
      };
    });
  } finally {
    worker.terminate();
  }
}

function printPredictor(name, { backend, result: report }) {
  const profile = report.profile;
  console.log(`latency predictor in the worker, ${name} (${backend.kind}): the default space's ${profile.blocks.length} blocks and 16 networks `
    + `calibrated in ${profile.measured.seconds.toFixed(1)} s; ${report.genotypes.length} held-out networks timed twice (${report.runs} runs each)`);
  console.log('  predictor            ±10 %     MAPE   RMSE (ms)   Spearman   Kendall');
  for (const row of report.rows) {
    const a = row.agreement;
    const rank = (r) => (r === null ? '-' : r.toFixed(3));
    console.log(`  ${row.predictor.padEnd(18)} ${(100 * a.within_10).toFixed(1).padStart(6)}%  ${(100 * a.mape).toFixed(1).padStart(6)}%  `
      + `${a.rmse.toFixed(4).padStart(9)}  ${rank(a.spearman).padStart(8)}  ${rank(a.kendall).padStart(8)}`);
  }
}

// The W1 timings, the wasm sizes, the tabular page and the default searches, reported with the
// predictor's figures.
async function everything(page, predictors) {
  const runs = {};
  for (const [name, backend] of BACKENDS) {
    const started = Date.now();
    const message = { benchmark: request };
    runs[name] = await page.evaluate(inWorker, { backend, message, answer: 'benchmark_finished', version: PROTOCOL_VERSION });
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
    predictor: predictors,
    tabular_page: await tabularPage(),
    default_search: skipDefault ? null : {
      webgpu: await defaultSearch('webgpu', FLAGS),
      cpu: await defaultSearch('cpu', FLAGS.filter((f) => !WEBGPU.includes(f))),
    },
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
  for (const [name, run] of Object.entries(report.default_search ?? {})) {
    const eta = run.eta_at_25;
    console.log(`page, default search, Chromium ${name === 'webgpu' ? 'with WebGPU (SwiftShader)' : 'without WebGPU'}: searched on ${run.chosen.backend} `
      + `(${run.chosen.reason ?? 'the only backend'}); ready after ${run.ready_s.toFixed(1)} s; ${run.chosen.plan}`);
    console.log(`  first candidate plotted ${run.first_candidate_s?.toFixed(1)} s after Search; ${run.status}${run.ended ? ` on its ${run.ended}` : ''} after `
      + `${run.run_s.toFixed(1)} s, ${run.candidates} candidates, ${run.generations} generations; ETA at ${eta?.progress ?? '-'} % `
      + `(${eta?.at_s.toFixed(1) ?? '-'} s): ${eta?.shown ?? '-'}, error ${run.eta_error_s?.toFixed(1) ?? '-'} s; longest main-thread task ${run.longest_task_ms} ms`);
    printResults(run);
  }
  return report;
}

function printResults(run) {
  const r = run.results;
  const percent = (a) => (a === null ? '-' : `${(100 * a).toFixed(1)} %`);
  const full = r.candidates.filter((c) => !c.rung);
  const fewest = Math.min(...full.map((c) => c.steps ?? Infinity));
  const rungs = r.candidates.length - full.length;
  console.log(`  ${run.steps} steps per new network planned (fewest trained by a full result: ${fewest}${rungs ? `; ${rungs} stopped at the rung` : ''}); most accurate on the front ${percent(r.best_front_accuracy)} `
    + `of ${r.front.length} on the front; references ${r.references.map((ref) => `${ref.name} ${percent(ref.accuracy)}`).join(', ') || 'none'}`);
  for (const line of r.headline) console.log(`  ${line}`);
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

// The page as a visitor first meets it, on `flags` (WebGPU through SwiftShader, or none): the
// backend it chose and the figures it chose by, the default search (its time budget sized from
// them) from Search to its end: seconds to the first plotted candidate, the whole run, the ETA it
// showed at 25 % progress against the real end, and the longest main-thread task meanwhile.
async function defaultSearch(name, flags) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: flags });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.addInitScript(() => {
      window.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) window.__longTasks.push(Math.round(entry.duration));
      }).observe({ type: 'longtask', buffered: false });
    });
    // Errors the page or its workers print, so a run that recovered from a crash says so.
    const consoleErrors = [];
    page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text().slice(0, 2000)); });
    page.on('worker', (worker) => worker.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text().slice(0, 2000)); }));
    const opened = Date.now();
    await page.goto(served.url);
    await page.getByTestId('plan').waitFor({ timeout: 300_000 });
    if (defaultDataset !== 'digits') {
      // Another input shape: the page times the backends again and sizes the search anew.
      await resized(page, () => page.getByTestId('field-dataset').selectOption(defaultDataset), 300_000);
    }
    if (defaultRungs !== null && defaultRungs !== await page.getByTestId('field-rungs').inputValue()) {
      await resized(page, () => page.getByTestId('field-rungs').fill(defaultRungs), 30_000);
    }
    const ready_s = (Date.now() - opened) / 1000;
    const text = async (testid) => (await page.getByTestId(testid).count()) ? page.getByTestId(testid).textContent() : null;
    const chosen = {
      backend: await page.locator('[data-testid="backend"]').getAttribute('data-backend'),
      reason: await text('backend-reason'),
      cpu: await text('speed-cpu'),
      webgpu: await text('speed-webgpu'),
      plan: await text('plan'),
    };
    await page.evaluate(() => { window.__longTasks = []; });
    const started = Date.now();
    await page.getByTestId('search').click();
    let first_candidate_s = null;
    let eta = null;
    for (;;) {
      const now = await page.evaluate(() => {
        const summary = document.querySelector('[data-testid="run-summary"]');
        return {
          status: summary?.dataset.status,
          candidates: Number(summary?.dataset.candidates ?? 0),
          progress: Number(document.querySelector('[data-testid="run-progress"]')?.value ?? 0),
          eta: document.querySelector('[data-testid="eta"]')?.textContent ?? null,
        };
      });
      const at = (Date.now() - started) / 1000;
      if (first_candidate_s === null && now.candidates >= 1) first_candidate_s = at;
      if (eta === null && now.progress >= 25 && now.eta) eta = { at_s: at, progress: now.progress, shown: now.eta, seconds: etaSeconds(now.eta) };
      if (['completed', 'stopped', 'failed'].includes(now.status)) break;
      if (at > 1800) throw new Error(`${name}: the default search did not end within 30 minutes`);
      await page.waitForTimeout(250);
    }
    const run_s = (Date.now() - started) / 1000;
    const summary = page.getByTestId('run-summary');
    const longTasks = await page.evaluate(() => window.__longTasks);
    if (screenshotPath) await page.screenshot({ path: screenshotPath, fullPage: true });
    return {
      ready_s,
      chosen,
      steps: Number(await page.getByTestId('field-steps').inputValue()),
      results: await searchResults(page),
      notices: await page.getByTestId('notice').allTextContents(),
      console_errors: consoleErrors,
      first_candidate_s,
      run_s,
      status: await summary.getAttribute('data-status'),
      ended: await summary.getAttribute('data-ended'),
      candidates: Number(await summary.getAttribute('data-candidates')),
      generations: Number(await summary.getAttribute('data-generations')),
      eta_at_25: eta,
      eta_error_s: eta && eta.seconds !== null ? eta.at_s + eta.seconds - run_s : null,
      longest_task_ms: Math.max(0, ...longTasks),
    };
  } finally {
    await browser.close();
  }
}

/** Does `edit` and waits until the page has sized its search anew (the plan's text changed). */
async function resized(page, edit, timeout) {
  const before = await page.getByTestId('plan').textContent();
  await edit();
  await page.waitForFunction((before) => {
    const plan = document.querySelector('[data-testid="plan"]')?.textContent;
    return plan && plan !== before;
  }, before, { timeout, polling: 200 });
}

// What a finished search found, as the page shows it: every scored candidate's validation
// accuracy, training steps and MACs, the front's, the references', and the headline lines.
async function searchResults(page) {
  const rows = () => page.getByTestId('candidate-row').evaluateAll((found) => found.map((row) => ({
    accuracy: row.dataset.accuracy === undefined ? null : Number(row.dataset.accuracy),
    steps: row.dataset.steps === undefined ? null : Number(row.dataset.steps),
    macs: Number(row.dataset.macs),
    rung: row.classList.contains('rung'),
  })));
  const all = await rows();
  await page.getByTestId('filter-front').check();
  const front = await rows();
  await page.getByTestId('filter-front').uncheck();
  const references = await page.getByTestId('reference-row').evaluateAll((found) => found.map((row) => ({
    name: row.dataset.name,
    accuracy: row.dataset.accuracy === undefined ? null : Number(row.dataset.accuracy),
    macs: Number(row.dataset.macs),
  })));
  const best = Math.max(...front.map((c) => c.accuracy ?? 0), 0);
  return { candidates: all, front, references, best_front_accuracy: best, headline: await page.getByTestId('versus').allTextContents() };
}

// The page's default search, its time budget cleared (so every count trains the same search:
// population 8, 6 generations, the three references), on the CPU backend trained by `workers`
// workers at once: candidates per minute from Search to the end, and the candidates found.
async function workersSearch(workers) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS.filter((f) => !WEBGPU.includes(f)) });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.addInitScript(() => localStorage.setItem('efficientnas.backend-choice', 'cpu'));
    await page.goto(served.url);
    await page.getByTestId('cpu-banner').waitFor({ timeout: 300_000 });
    await page.getByTestId('field-time_budget').fill('');
    await page.getByTestId('field-workers').fill(String(workers));
    const started = Date.now();
    await page.getByTestId('search').click();
    await page.waitForFunction(() => ['completed', 'stopped', 'failed'].includes(document.querySelector('[data-testid="run-summary"]')?.dataset.status),
      null, { timeout: 3_600_000, polling: 500 });
    const run_s = (Date.now() - started) / 1000;
    const summary = page.getByTestId('run-summary');
    const candidates = Number(await summary.getAttribute('data-candidates'));
    const found = await page.getByTestId('candidate-row').evaluateAll((rows) =>
      rows.map((row) => Array.from(row.cells).filter((_, k) => k !== row.cells.length - 2).map((cell) => cell.textContent).join(' ')));
    return {
      workers,
      status: await summary.getAttribute('data-status'),
      candidates,
      references: await page.getByTestId('reference-point').count(),
      run_s,
      candidates_per_min: candidates / (run_s / 60),
      found,
    };
  } finally {
    await browser.close();
  }
}

/** Runs the default search with each count of workers and prints candidates per minute. */
async function workersReport() {
  const runs = [];
  for (const workers of workerCounts) runs.push(await workersSearch(workers));
  const one = runs[0];
  console.log(`page, default search without its time budget on the CPU backend, ${navigatorCores} logical cores:`);
  console.log('workers   status      candidates   refs   seconds   candidates/min   speed-up   same candidates');
  for (const run of runs) {
    run.speed_up = run.candidates_per_min / one.candidates_per_min;
    run.same_as_first = JSON.stringify(run.found) === JSON.stringify(one.found);
    console.log(`${String(run.workers).padStart(7)}   ${run.status.padEnd(10)}  ${String(run.candidates).padStart(10)}   ${String(run.references).padStart(4)}   `
      + `${run.run_s.toFixed(1).padStart(7)}   ${run.candidates_per_min.toFixed(2).padStart(14)}   ${run.speed_up.toFixed(2).padStart(7)}×   ${run.same_as_first}`);
  }
  return runs;
}

/** The default search `--runs` times, each in a fresh browser, and what each found. */
async function defaultRunsReport() {
  const runs = [];
  for (let k = 0; k < defaultRuns; k++) {
    const flags = defaultWithWebgpu ? FLAGS : FLAGS.filter((f) => !WEBGPU.includes(f));
    const run = await defaultSearch(defaultWithWebgpu ? 'webgpu' : 'cpu', flags);
    console.log(`default search ${k + 1} of ${defaultRuns}: ${run.chosen.backend}; ${run.chosen.plan}`);
    console.log(`  ${run.status}${run.ended ? ` on its ${run.ended}` : ''} after ${run.run_s.toFixed(1)} s, ${run.candidates} candidates, ${run.generations} generations`);
    printResults(run);
    for (const notice of run.notices) console.log(`  notice: ${notice}`);
    for (const error of run.console_errors) console.log(`  console error: ${error}`);
    runs.push(run);
  }
  return runs;
}

/** The step rate in the worker's CPU backend, with W1 beside it. */
async function stepRateReport(page) {
  const message = { benchmark: { ...request, batch: Number(option('batch', 64)), step_rate: true } };
  const { backend, result } = await page.evaluate(inWorker, { backend: BACKENDS[1][1], message, answer: 'benchmark_finished', version: PROTOCOL_VERSION });
  const rates = result.step_rates;
  console.log(`step rate in the playground's worker (${backend.kind}: ${backend.reason}), batch ${message.benchmark.batch}, median of ${request.steps}:`);
  for (const n of rates.networks) {
    console.log(`  ${n.name.padEnd(15)} ${(n.macs / 1e6).toFixed(2).padStart(6)} M MACs ${n.median_step_ms.toFixed(1).padStart(8)} ms/step `
      + `${n.gflops.toFixed(2).padStart(6)} GFLOP/s (${(100 * n.gflops / rates.matmul.gflops).toFixed(0)} % of the matrix product)`);
  }
  console.log(`  f32 matrix product ${rates.matmul.size}x${rates.matmul.size} (wasm): ${rates.matmul.median_ms.toFixed(1)} ms, ${rates.matmul.gflops.toFixed(2)} GFLOP/s`);
  return { backend, result };
}

/** Seconds in an ETA as the page writes it: `about 1 h 02 min left`, `about 3 min 05 s left`, `about 12 s left`. */
function etaSeconds(text) {
  const part = (unit) => Number(text.match(new RegExp(`(\\d+) ${unit}\\b`))?.[1] ?? 0);
  const seconds = part('h') * 3600 + part('min') * 60 + part('s');
  return /\d/.test(text) ? seconds : null;
}

const served = await startServer(DIST);
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
let navigatorCores = null;
try {
  const page = await browser.newPage();
  // A same-origin page that starts nothing of its own: the workers below are the only ones.
  await page.goto(`${served.url}/nb201/LICENSE.txt`);
  navigatorCores = await page.evaluate(() => navigator.hardwareConcurrency);
  const predictors = {};
  for (const [name, backend] of onlyWorkers || onlyDefault || onlyStepRate ? [] : BACKENDS) {
    // The profile names the browser it was measured in.
    const host = await page.evaluate(() => navigator.userAgent);
    const message = { predictor_benchmark: { ...predictorRequest, host } };
    predictors[name] = await page.evaluate(inWorker, { backend, message, answer: 'predictor_measured', version: PROTOCOL_VERSION });
    printPredictor(name, predictors[name]);
  }
  const browserName = `Chromium ${browser.version()}`;
  let report;
  if (onlyPredictor) report = { benchmark: 'latency_predictor_browser', browser: browserName, predictor: predictors };
  else if (onlyDefault) report = { benchmark: 'default_search_browser', browser: browserName, runs: await defaultRunsReport() };
  else if (onlyStepRate) report = { benchmark: 'step_rate_browser', browser: browserName, ...(await stepRateReport(page)) };
  else if (onlyWorkers) report = { benchmark: 'workers_browser', browser: browserName, cores: navigatorCores, workers: await workersReport() };
  else report = { ...(await everything(page, predictors)), cores: navigatorCores, workers: skipDefault ? null : await workersReport() };
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, JSON.stringify(report, null, 2));
  console.log(`written ${out}`);
} finally {
  await browser.close();
  served.server.close();
}
