// "This device" as the hardware target: choosing it calibrates a device profile on the engine's
// backend (the CPU backend, and WebGPU on SwiftShader) with a progress bar; the profile is kept
// in IndexedDB, so after a reload it is read back instead of calibrated again; a search with a
// latency limit on this device never trains a network over it (the search proposes others in
// their place, or records them untrained); the panel of predicted against measured latency shows
// its figures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { WEBGPU, openPage, screenshot, tinySearch, waitForStatus } from './helpers.mjs';

const CALIBRATED = 'Latency predicted for this device';

/** Chooses "This device" and waits until its profile is there; returns the status line. */
async function chooseThisDevice(page, timeout) {
  await page.getByTestId('field-target').selectOption('this');
  const status = page.getByTestId('calibration-status');
  await status.filter({ hasText: CALIBRATED }).waitFor({ timeout });
  return status.textContent();
}

async function download(page, testid) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testid).click()]);
  return readFile(await file.path(), 'utf8');
}

test('CPU: this device is calibrated once, kept over a reload, and its latency limit acts before training', { timeout: 8 * 60_000 }, async () => {
  const { page, problems, close } = await openPage([]);
  try {
    await page.getByTestId('cpu-banner').waitFor({ timeout: 120_000 });
    await tinySearch(page, { population: 4, generations: 2, references: false });
    const status = await chooseThisDevice(page, 180_000);
    console.log(`calibrated: ${status}`);
    assert.match(status, /\(CPU backend\): \d+ blocks timed in \d+\.\d s; energy stays the mobile profile's/);
    assert.doesNotMatch(status, /earlier visit/);
    await screenshot(page, 'calibration-cpu');
    // A first search on this device's profile: every trained candidate is also timed whole, and
    // the panel compares the two.
    await page.getByTestId('search').click();
    await waitForStatus(page, ['completed'], 180_000);
    const panel = page.getByTestId('latency-check');
    await panel.waitFor();
    assert.ok(Number(await panel.getAttribute('data-points')) >= 4, 'every trained candidate is a point');
    assert.match(await page.getByTestId('latency-check-summary').textContent(), /trained candidates: \d+ % within ±10 % of the prediction, mean error \d+\.\d %, Spearman ρ -?\d\.\d\d/);
    assert.match(await panel.textContent(), /this device's calibrated profile/);
    const first = JSON.parse(await download(page, 'export-run-json'));
    const predicted = first.candidates.map((c) => c.cheap.latency_ms).sort((a, b) => a - b);
    assert.ok(first.candidates.every((c) => c.measured_latency?.median_ms > 0 && c.cheap.latency_ms > 0), 'both figures per candidate in the export');
    await screenshot(page, 'calibration-latency-check');
    // After a reload the profile is read back, not calibrated again.
    await page.reload();
    await page.getByTestId('cpu-banner').waitFor({ timeout: 120_000 });
    await tinySearch(page, { population: 4, generations: 2, references: false });
    const again = await chooseThisDevice(page, 60_000);
    assert.match(again, /kept from an earlier visit/);
    // A limit at the median of the first search's predictions: the second search (another
    // seed) trains none over it.
    const limit = predicted[Math.floor(predicted.length / 2)];
    assert.ok(first.candidates.some((c) => c.cheap.latency_ms > limit), 'the limit binds: the first search trained networks over it');
    await page.getByTestId('field-max_latency').fill(limit.toFixed(6));
    await page.getByTestId('field-seed').fill('8');
    await page.getByTestId('search').click();
    await waitForStatus(page, ['completed'], 180_000);
    const second = JSON.parse(await download(page, 'export-run-json'));
    const over = second.candidates.filter((c) => c.cheap.latency_ms > limit);
    console.log(`limit ${limit} ms: ${over.length} of ${second.candidates.length} candidates over it`);
    for (const c of over) {
      assert.equal(c.status, 'constraint_violated', `${c.text} is over the limit`);
      assert.equal(c.details.train_steps ?? null, null, `${c.text} was not trained`);
    }
    const trained = second.candidates.filter((c) => c.details.train_steps > 0);
    assert.ok(trained.length > 0, 'those within it train');
    assert.ok(trained.every((c) => c.cheap.latency_ms <= limit), 'no network over the limit was trained');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('WebGPU: this device is calibrated on the WebGPU backend', { timeout: 8 * 60_000 }, async () => {
  const { page, problems, close } = await openPage(WEBGPU, '', undefined, 'webgpu');
  try {
    await page.locator('[data-backend="webgpu"]').waitFor({ timeout: 120_000 });
    await tinySearch(page, { population: 2, generations: 1, references: false });
    const status = await chooseThisDevice(page, 6 * 60_000);
    console.log(`calibrated: ${status}`);
    assert.match(status, /\(WebGPU, .+\): \d+ blocks timed in \d+\.\d s/);
    await screenshot(page, 'calibration-webgpu');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});
