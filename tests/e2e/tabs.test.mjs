// End-to-end: one owner per run. Two tabs of one browser profile: while the first tab's worker
// drives a run (here paused, so it holds it indefinitely), the second lists it as running in
// another tab, offers no Resume and no resume banner; once the first tab closes, the second can
// resume it, and it finishes there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ARTIFACTS, openPage } from './helpers.mjs';

const unfinished = '[data-testid="saved-run"][data-unfinished="true"]';

test('two tabs: a run driven in one cannot be resumed in the other until the first closes', { timeout: 6 * 60_000 }, async () => {
  const { page, problems, close } = await openPage([]);
  try {
    await page.getByTestId('cpu-banner').waitFor({ timeout: 120_000 });
    const fields = {
      population: '3', generations: '4', steps: '4', fine_tune_steps: '2', batch_size: '8', latency_runs: '2',
      cell_widths: '4 | 8', min_layers: '1', max_layers: '2', seed: '3',
    };
    for (const [key, value] of Object.entries(fields)) await page.getByTestId(`field-${key}`).fill(value);
    await page.getByTestId('field-references').setChecked(false);
    await page.getByTestId('search').click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="run-summary"]')?.dataset.candidates) >= 1,
      null, { timeout: 120_000, polling: 100 });
    await page.getByTestId('pause').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="run-summary"]')?.dataset.status === 'paused',
      null, { timeout: 60_000 });

    const second = await page.context().newPage();
    const secondProblems = [];
    second.on('pageerror', (error) => secondProblems.push(`page error: ${error.message}`));
    await second.goto(page.url());
    await second.getByTestId('cpu-banner').waitFor({ timeout: 120_000 });
    await second.waitForFunction((row) => document.querySelector(row)?.dataset.elsewhere === 'true', unfinished, { timeout: 30_000 });
    const row = second.locator(unfinished);
    assert.match(await row.textContent(), /running in another tab/);
    assert.equal(await row.getByTestId('saved-resume').count(), 0, 'no Resume while the other tab drives it');
    assert.equal(await row.getByTestId('saved-delete').count(), 0, 'nor Delete');
    assert.equal(await second.getByTestId('resume-offer').count(), 0, 'no offer to resume it');
    await second.screenshot({ path: `${ARTIFACTS}/tabs-running-elsewhere.png`, fullPage: true });

    // The first tab goes away, and its worker's lock with it.
    await page.close();
    await second.waitForFunction((row) => document.querySelector(row)?.dataset.elsewhere === 'false', unfinished, { timeout: 30_000 });
    await second.waitForFunction(() => {
      const resume = document.querySelector('[data-testid="saved-run"][data-unfinished="true"] [data-testid="saved-resume"]');
      return resume && !resume.disabled;
    }, null, { timeout: 60_000 });
    await second.locator(unfinished).getByTestId('saved-resume').click();
    await second.waitForFunction(() => document.querySelector('[data-testid="run-summary"]')?.dataset.status === 'completed',
      null, { timeout: 180_000, polling: 100 });
    assert.equal(Number(await second.getByTestId('run-summary').getAttribute('data-candidates')), 12, 'the run finished in the second tab');
    assert.deepEqual([...problems, ...secondProblems], []);
  } finally {
    await close();
  }
});
