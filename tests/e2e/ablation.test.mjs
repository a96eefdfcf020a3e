// The ablation in the page on the CPU backend: a tiny one runs its five searches one after
// another, each with the same training-step budget, and shows its table, its chart of
// hypervolume against training steps (one line per row) and its CSV; a child of the full
// method's search shows in its diagram how each layer started; a saved row overlays its
// hypervolume on the chart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { openPage, screenshot, tinySearch } from './helpers.mjs';

test('CPU: a tiny ablation over two seeds runs its ten searches and shows its table and chart', { timeout: 10 * 60_000 }, async () => {
  const { page, problems, close } = await openPage([]);
  try {
    await page.getByTestId('cpu-banner').waitFor({ timeout: 120_000 });
    await tinySearch(page, { population: 2, generations: 1, references: false });
    await page.getByTestId('field-step_budget').fill('16');
    await page.getByTestId('ablation-seeds').fill('2');
    await page.getByTestId('ablation-budget').filter({ hasText: 'searches of 16 training steps' }).waitFor();
    await page.getByTestId('ablation-start').click();
    await page.getByTestId('ablation-status').filter({ hasText: 'Search 1 of 10: base NAS' }).waitFor({ timeout: 60_000 });
    await page.getByTestId('ablation-status').filter({ hasText: 'All 10 searches done' }).waitFor({ timeout: 8 * 60_000 });
    const rows = await page.getByTestId('ablation-row').evaluateAll((rows) => rows.map((r) => [r.dataset.row, ...[...r.cells].map((c) => c.textContent)]));
    console.log(`ablation rows: ${JSON.stringify(rows)}`);
    assert.deepEqual(rows.map((r) => r[0]), ['base', 'progressive', 'multi_objective', 'hardware_aware', 'inheritance']);
    for (const row of rows) {
      // The median over the two seeds, then the smallest and largest.
      const [, median, low, high] = row[6].match(/^(\d+)\[(\d+)–(\d+)\]$/).map(Number);
      assert.ok(low >= 16 && high < 20 && median >= low && median <= high, `${row[0]} spent the budget, at most one candidate over: ${row[6]}`);
      assert.match(row[2], /^\d+\.\d %\[\d+\.\d %–\d+\.\d %\]$/, `${row[0]} has a best accuracy per seed`);
    }
    const lines = await page.getByTestId('ablation-chart').locator('polyline').evaluateAll((ls) => ls.map((l) => l.dataset.row));
    assert.deepEqual(lines, [...rows.map((r) => r[0]), ...rows.map((r) => r[0])], 'one line per row and seed');
    assert.match(await page.getByTestId('ablation-chart').textContent(), /\d+ steps/);
    await screenshot(page, 'ablation-cpu');
    // The last search shown is the full method's: a child that inherited outlines its layers by
    // how they started.
    let starts = [];
    for (let row = 0; row < await page.getByTestId('candidate-row').count() && starts.length === 0; row += 1) {
      await page.getByTestId('candidate-row').nth(row).locator('button').click();
      await page.getByTestId('candidate-detail').waitFor();
      starts = await page.locator('[data-testid="arch-layer"][data-start]').evaluateAll((gs) => gs.map((g) => g.dataset.start));
    }
    console.log(`an inheriting child's layers started as: ${starts}`);
    assert.ok(starts.length > 0 && starts.every((s) => ['copied', 'sliced', 'identity', 'fresh'].includes(s)), `${starts}`);
    await page.getByTestId('start-legend').waitFor();
    await screenshot(page, 'ablation-inheriting-child');
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId('ablation-csv').click()]);
    assert.match(file.suggestedFilename(), /^ablation-\d+-seed-7\.csv$/);
    const csv = (await readFile(await file.path(), 'utf8')).trim().split('\n');
    assert.equal(csv.length, 11, 'a header and one line per row and seed');
    assert.ok(csv[5].startsWith('inheritance,7,') && csv[10].startsWith('inheritance,8,'), csv.join('\n'));
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="saved-run"]').length >= 10, null, { timeout: 30_000 });
    assert.match(await page.getByTestId('saved-run').first().textContent(), /ablation: inheritance/, 'a saved search names its row');
    // A saved row (the hardware-aware search of the second seed) drawn over this run's
    // hypervolume chart, on the same scale of training steps.
    await page.getByTestId('saved-run').nth(1).getByTestId('saved-overlay').click();
    await page.getByTestId('hv-overlay').waitFor({ timeout: 30_000 });
    assert.equal(await page.getByTestId('hv-overlay').count(), 1);
    await screenshot(page, 'ablation-overlay');
    await page.getByTestId('overlay-remove').click();
    await page.getByTestId('hv-overlay').waitFor({ state: 'detached' });
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});
