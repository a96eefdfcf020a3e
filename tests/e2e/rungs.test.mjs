// Rungs in the page on the CPU backend: a tiny search with one network in two resuming lists
// the networks stopped at the rung as such, draws them as rings, and keeps them off the front.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, screenshot, tinySearch, waitForStatus } from './helpers.mjs';

test('CPU: with rungs, networks stopped early are listed and drawn as such and never on the front', { timeout: 6 * 60_000 }, async () => {
  const { page, problems, close } = await openPage([]);
  try {
    await page.getByTestId('cpu-banner').waitFor({ timeout: 120_000 });
    await tinySearch(page, { population: 4, generations: 2, references: false });
    await page.getByTestId('field-rungs').fill('2');
    await page.getByTestId('search').click();
    await waitForStatus(page, ['completed', 'failed'], 4 * 60_000);
    const rows = await page.getByTestId('candidate-row').evaluateAll((rows) => rows.map((r) => ({
      index: r.dataset.index, rung: r.querySelector('[data-testid="rung-note"]') !== null, text: r.textContent,
    })));
    console.log(`rows: ${JSON.stringify(rows.map((r) => r.text))}`);
    const atRung = rows.filter((r) => r.rung);
    const resumed = rows.filter((r) => r.text.includes('resumed from #'));
    // Each generation: 4 networks to the rung (unless answered from the cache), 2 of them resumed.
    assert.ok(atRung.length >= 4 && resumed.length >= 2 && resumed.length <= atRung.length, `${atRung.length} at the rung, ${resumed.length} resumed`);
    const rings = await page.locator('[data-testid="points"].rung').evaluateAll((paths) => paths.flatMap((p) => p.dataset.candidates.split(' ')));
    assert.equal(rings.length, atRung.length, 'every network at the rung is a ring on the plot');
    await page.getByTestId('filter-front').check();
    const front = await page.getByTestId('candidate-row').evaluateAll((rows) => rows.map((r) => r.querySelector('[data-testid="rung-note"]') !== null));
    assert.ok(front.length >= 1 && front.every((rung) => !rung), `the front holds full results only: ${front}`);
    await screenshot(page, 'rungs-cpu');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});
