// End-to-end: the built page (dist/) in Debian's headless Chromium, driven by playwright-core.
// 1. With WebGPU (SwiftShader): the device panel shows the adapter; "Check device" trains in the
//    worker and the loss falls.
// 2. Both backends are timed at start-up, the faster searches; the visitor's override and the
//    timing outlive a reload.
// 3. With WebGPU unavailable: the CPU banner shows and the check still completes.
// 4. A WebGPU fault mid-check (every shader made invalid, as when a browser rejects a kernel)
//    reaches the page as a message, the engine restarts on the CPU and the check completes there.
// 5. A space whose widest network needs a tensor beyond the adapter's buffer limit is refused at
//    Search with the figures; a smaller batch can search.
// Screenshots land in test-artifacts/e2e/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WEBGPU, ARTIFACTS, openPage } from './helpers.mjs';

// SwiftShader compiles every kernel on the CPU: the first step alone can take tens of seconds.
const CHECK_TIMEOUT_MS = 8 * 60_000;
const STEPS = '20';

async function runCheck(page) {
  await page.getByTestId('check-steps').fill(STEPS);
  const button = page.getByTestId('check-device');
  await button.waitFor();
  // The engine times this device at start-up (a few seconds); the check waits for it.
  await page.waitForFunction(() => !document.querySelector('[data-testid="check-device"]').disabled, null, { timeout: 120_000 });
  assert.equal(await button.isEnabled(), true, 'Check device is enabled once the engine is ready and timed');
  await page.evaluate(() => { window.__longTasks = []; });
  await button.click();
  // The page stays usable while the worker trains: a field can be edited mid-check.
  await page.getByTestId('check').waitFor();
  await page.getByTestId('check-seed').fill('8');
  assert.equal(await page.getByTestId('check-seed').inputValue(), '8');
  const summary = page.getByTestId('check-summary');
  await summary.waitFor({ timeout: CHECK_TIMEOUT_MS });
  const first = Number(await summary.getAttribute('data-first-loss'));
  const last = Number(await summary.getAttribute('data-last-loss'));
  assert.ok(Number.isFinite(first) && Number.isFinite(last), `losses are numbers: ${first}, ${last}`);
  assert.ok(last < first, `loss falls: first ${first}, last ${last}`);
  assert.equal(await page.getByTestId('check').getAttribute('data-steps-done'), STEPS);
  const longTasks = await page.evaluate(() => window.__longTasks);
  return { first, last, longTasks, text: await summary.textContent() };
}

test('WebGPU: the device panel shows the adapter and the check trains in the worker', { timeout: CHECK_TIMEOUT_MS + 120_000 }, async () => {
  const { page, problems, close } = await openPage(WEBGPU, '', undefined, 'webgpu');
  try {
    await page.locator('[data-backend="webgpu"]').waitFor({ timeout: 120_000 });
    const vendor = await page.getByTestId('adapter-vendor').textContent();
    const architecture = await page.getByTestId('adapter-architecture').textContent();
    console.log(`adapter: vendor ${vendor}, architecture ${architecture}`);
    assert.equal(await page.getByTestId('cpu-banner').count(), 0, 'no CPU banner on WebGPU');
    await page.screenshot({ path: `${ARTIFACTS}/webgpu-ready.png`, fullPage: true });
    const result = await runCheck(page);
    console.log(`WebGPU check: ${result.text} Main-thread long tasks during the check (ms): [${result.longTasks}]`);
    await page.screenshot({ path: `${ARTIFACTS}/webgpu-check.png`, fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('WebGPU and the CPU are timed at start-up, the faster searches, and the choice can be overridden and is kept', { timeout: 6 * 60_000 }, async () => {
  const { page, problems, close } = await openPage(WEBGPU);
  try {
    const speeds = page.locator('[data-testid="backend-speeds"][data-state="done"]');
    await speeds.waitFor({ timeout: 240_000 });
    const cpu = await page.getByTestId('speed-cpu').textContent();
    const webgpu = await page.getByTestId('speed-webgpu').textContent();
    assert.match(cpu, /\d+(\.\d)? (ms|s) a step/, `the CPU's figure: ${cpu}`);
    assert.match(webgpu, /\d+(\.\d)? (ms|s) a step/, `WebGPU's figure: ${webgpu}`);
    const reason = page.getByTestId('backend-reason');
    const chosen = await reason.getAttribute('data-chosen');
    console.log(`backends timed: CPU ${cpu}; WebGPU ${webgpu}; ${await reason.textContent()}`);
    const key = { CPU: 'cpu', WebGPU: 'webgpu' };
    await page.locator(`[data-backend="${key[chosen]}"]`).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: `${ARTIFACTS}/backends-timed.png`, fullPage: true });
    // The timing is kept: a reload uses it instead of timing again.
    await page.reload();
    await speeds.waitFor({ timeout: 120_000 });
    assert.match(await speeds.textContent(), /on an earlier visit/);
    await page.locator(`[data-backend="${key[chosen]}"]`).waitFor({ timeout: 30_000 });
    // The visitor overrides it, and the choice outlives a reload.
    const other = chosen === 'CPU' ? 'webgpu' : 'cpu';
    await page.getByTestId('backend-choice').selectOption(other);
    await page.locator(`[data-backend="${other}"]`).waitFor({ timeout: 30_000 });
    assert.equal(await reason.getAttribute('data-chosen'), other === 'cpu' ? 'CPU' : 'WebGPU');
    await page.reload();
    await page.locator(`[data-backend="${other}"]`).waitFor({ timeout: 120_000 });
    assert.equal(await page.getByTestId('backend-choice').inputValue(), other);
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('no WebGPU: the CPU banner shows and the check still completes', { timeout: 300_000 }, async () => {
  const { page, problems, close } = await openPage([]);
  try {
    const banner = page.getByTestId('cpu-banner');
    await banner.waitFor({ timeout: 120_000 });
    console.log(`banner: ${await banner.textContent()}`);
    assert.equal(await page.locator('[data-backend="cpu"]').count(), 1);
    const result = await runCheck(page);
    console.log(`CPU check: ${result.text} Main-thread long tasks during the check (ms): [${result.longTasks}]`);
    await page.screenshot({ path: `${ARTIFACTS}/cpu-check.png`, fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('a WebGPU fault during the check is reported and the engine moves to the CPU', { timeout: 400_000 }, async () => {
  const { page, problems, close } = await openPage(WEBGPU, '', undefined, 'webgpu');
  try {
    await page.locator('[data-backend="webgpu"]').waitFor({ timeout: 120_000 });
    const [worker] = page.workers();
    assert.ok(worker, 'the engine runs in a worker');
    await worker.evaluate(() => {
      const original = GPUDevice.prototype.createShaderModule;
      GPUDevice.prototype.createShaderModule = function (descriptor) {
        return original.call(this, { ...descriptor, code: 'this is not WGSL' });
      };
    });
    await page.getByTestId('check-steps').fill('3');
    await page.getByTestId('check-device').click();
    const banner = page.getByTestId('cpu-banner');
    await banner.waitFor({ timeout: 240_000 });
    const reason = await banner.textContent();
    console.log(`after the fault: ${reason}`);
    assert.match(reason, /WebGPU failed/);
    const notices = await page.getByTestId('notice').count();
    assert.ok(notices >= 1 && notices <= 4, `the fault is shown, once, as a notice (${notices} shown)`);
    await page.screenshot({ path: `${ARTIFACTS}/webgpu-fault-cpu-restart.png`, fullPage: true });
    const result = await runCheck(page);
    console.log(`CPU check after the fault: ${result.text}`);
    console.log(`messages seen: ${problems.length}`);
  } finally {
    await close();
  }
});

test('a space whose widest network exceeds the adapter\'s buffer limit is refused at Search with the figures', { timeout: 4 * 60_000 }, async () => {
  const { page, problems, close } = await openPage(WEBGPU, '', undefined, 'webgpu');
  try {
    await page.locator('[data-backend="webgpu"]').waitFor({ timeout: 120_000 });
    await page.waitForFunction(() => !document.querySelector('[data-testid="search"]')?.disabled, null, { timeout: 120_000 });
    await page.getByTestId('field-cell_widths').fill('1024 | 1024');
    await page.getByTestId('field-batch_size').fill('1024');
    const problem = page.getByTestId('memory-problem');
    await problem.waitFor({ timeout: 10_000 });
    const said = await problem.textContent();
    console.log(`too wide: ${said}`);
    assert.match(said, /largest tensor 3\.1 GiB: cell 1's entry output, 1024 × 1024 × 28 × 28 values of 4 bytes/);
    assert.match(said, /this WebGPU adapter \(max\w+ 1 GiB\) allows at most 1 GiB per tensor/);
    assert.equal(await page.getByTestId('search').isDisabled(), true, 'Search waits until it fits');
    await page.screenshot({ path: `${ARTIFACTS}/memory-refused.png`, fullPage: false });
    await page.getByTestId('field-batch_size').fill('64');
    await problem.waitFor({ state: 'detached', timeout: 10_000 });
    assert.equal(await page.getByTestId('search').isEnabled(), true, 'a batch that fits can search');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});
