// Shared by the e2e tests: the static server over dist/, a headless Chromium page that records
// main-thread long tasks and collects page, console and worker errors, screenshots and the
// long-task check.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer } from '../../scripts/static-server.mjs';

const DIST = process.env.E2E_DIST ?? 'dist';
export const ARTIFACTS = 'test-artifacts/e2e';
const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
const QUIET = ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
export const WEBGPU = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader'];
// A sanity bound, not a figure: a task this long freezes the page for anyone. The long tasks of a
// search are figures the browser benchmark prints (scripts/bench-browser.mjs); a tight limit here
// would fail on a loaded machine.
export const LONG_TASK_LIMIT_MS = 250;

let served;
before(async () => {
  served = await startServer(DIST);
  await mkdir(ARTIFACTS, { recursive: true });
});
after(() => served?.server.close());

/**
 * Opens the page in a fresh Chromium profile with `args`, at `fragment`, in a `viewport`. With
 * `backend` ('webgpu' or 'cpu') the profile is a returning visitor's who chose that backend in
 * the device panel, so the page searches on it without timing both first (tests of training on
 * WebGPU are not about that choice; tests/e2e/device.test.mjs times them).
 */
export async function openPage(args, fragment = '', viewport = { width: 1280, height: 900 }, backend = undefined) {
  const profile = await mkdtemp(join(tmpdir(), 'enas-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...QUIET, ...args],
    viewport,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  await page.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__longTasks.push(Math.round(entry.duration));
    }).observe({ type: 'longtask', buffered: false });
  });
  if (backend) {
    await page.addInitScript((choice) => localStorage.setItem('efficientnas.backend-choice', choice), backend);
  }
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    const text = message.text();
    if (message.type() === 'error' || text.includes('panicked at')) problems.push(`console ${message.type()}: ${text}`);
  });
  page.on('worker', (worker) => worker.on('console', (message) => {
    if (message.text().includes('panicked at')) problems.push(`worker: ${message.text()}`);
  }));
  await page.goto(served.url + fragment);
  const close = async () => {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  };
  return { page, problems, close };
}

/** Fills the form with a tiny training search (widths 4 | 8, 4 steps of 8 images). */
export async function tinySearch(page, { population, generations, references = true, seed = 7 }) {
  const fields = {
    population: String(population), generations: String(generations), steps: '4', fine_tune_steps: '2',
    batch_size: '8', latency_runs: '2', cell_widths: '4 | 8', min_layers: '1', max_layers: '2', seed: String(seed),
  };
  for (const [key, value] of Object.entries(fields)) await page.getByTestId(`field-${key}`).fill(value);
  await page.getByTestId('field-references').setChecked(references);
}

/** Waits until the run panel says one of `wanted` (statuses such as 'completed'). */
export async function waitForStatus(page, wanted, timeout) {
  await page.waitForFunction(
    (wanted) => wanted.includes(document.querySelector('[data-testid="run-summary"]')?.dataset.status),
    wanted, { timeout, polling: 100 },
  );
}

/** Saves a screenshot; the long tasks Chromium spends painting it are not the page's and are dropped. */
export async function screenshot(page, name) {
  const before = await page.evaluate(() => window.__longTasks.length);
  await page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });
  await page.evaluate((before) => { window.__longTasks.length = before; }, before);
}

/** Asserts that no main-thread long task recorded since the last reset exceeded `limitMs`. */
export async function assertResponsive(page, what, limitMs = LONG_TASK_LIMIT_MS) {
  const longTasks = await page.evaluate(() => window.__longTasks);
  console.log(`${what}: main-thread long tasks (ms): [${longTasks}]`);
  assert.ok(longTasks.every((ms) => ms <= limitMs), `no long task over ${limitMs} ms: [${longTasks}]`);
}

/** The run panel's summary, whose data attributes say the run's status and counts. */
export const summary = (page) => page.getByTestId('run-summary');
export const status = async (page) => summary(page).getAttribute('data-status');
export const count = async (page, name) => Number(await summary(page).getAttribute(`data-${name}`));

/** Asserts that every scored candidate is one point of the plot and one row; returns how many. */
export async function pointsMatchCandidates(page) {
  const candidates = await count(page, 'candidates');
  const plot = page.getByTestId('pareto-plot');
  assert.equal(Number(await plot.getAttribute('data-points')), candidates, 'every scored candidate is a point');
  const drawn = await plot.locator('[data-testid="points"]').evaluateAll(
    (layers) => layers.reduce((n, layer) => n + layer.dataset.candidates.split(' ').length, 0));
  assert.equal(drawn, candidates, 'every point is in one of the plot\'s paths');
  // The table draws at most 50 rows; sorting and filters pick which.
  assert.equal(await page.getByTestId('candidate-row').count(), Math.min(candidates, 50), 'every scored candidate is a row');
  return candidates;
}

/** The table's rows (candidate order by default) as their number and architecture text. */
export async function rowTexts(page) {
  return page.getByTestId('candidate-row').evaluateAll((rows) =>
    rows.map((row) => `${row.cells[0].textContent} ${row.querySelector('code').textContent}`));
}
