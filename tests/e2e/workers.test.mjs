// End-to-end: a search trained by two workers at once on the CPU backend. The same tiny search
// run with one worker and with two gives the same candidates, in the same order, each plotted
// and listed once; with two training, Pause holds the run (nothing more is scored), and a reload
// offers to resume it: the resumed run finishes with every earlier candidate kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, screenshot, assertResponsive, tinySearch, waitForStatus, count, pointsMatchCandidates, rowTexts } from './helpers.mjs';

/** Fills the tiny search of these tests (4 candidates, 3 generations, references on) for `workers`. */
async function search(page, workers) {
  await tinySearch(page, { population: 4, generations: 3 });
  await page.getByTestId('field-workers').fill(String(workers));
}

/** The candidates' rows with their objectives (error, latency, parameters), as the table shows them. */
async function scores(page) {
  const rows = await rowTexts(page);
  const objectives = await page.getByTestId('candidate-row').evaluateAll((rows) =>
    rows.map((row) => Array.from(row.cells).slice(2, -2).map((cell) => cell.textContent).join(' ')));
  return rows.map((row, k) => `${row} ${objectives[k]}`);
}

test('two workers train the search one worker trains, every candidate plotted once', { timeout: 8 * 60_000 }, async () => {
  const { page, problems, close } = await openPage([], '', undefined, 'cpu');
  try {
    await page.getByTestId('cpu-banner').waitFor({ timeout: 120_000 });
    let started = 0;
    page.on('worker', () => { started += 1; });
    const found = {};
    for (const workers of [1, 2]) {
      started = 0;
      await search(page, workers);
      await page.evaluate(() => { window.__longTasks = []; });
      await page.getByTestId('search').click();
      await waitForStatus(page, ['completed'], 240_000);
      assert.equal(await pointsMatchCandidates(page), 12, `${workers} workers: 3 generations of 4`);
      assert.equal(await page.getByTestId('reference-point').count(), 3, `${workers} workers: the three references`);
      const ids = (await rowTexts(page)).map((row) => Number(row.split(' ')[0]));
      assert.deepEqual([...ids].sort((a, b) => a - b), [...Array(12).keys()], 'each candidate once');
      assert.equal(started, workers === 1 ? 0 : workers, `${workers} workers: trainer workers started`);
      found[workers] = await scores(page);
      await assertResponsive(page, `search with ${workers} workers`);
      await screenshot(page, `workers-${workers}`);
    }
    assert.deepEqual(found[2], found[1], 'the same candidates and scores with two workers as with one');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('with two workers training, Pause holds the run and a reload resumes it, keeping every earlier candidate', { timeout: 8 * 60_000 }, async () => {
  const { page, problems, close } = await openPage([], '', undefined, 'cpu');
  try {
    await page.getByTestId('cpu-banner').waitFor({ timeout: 120_000 });
    await search(page, 2);
    await page.getByTestId('search').click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="run-summary"]')?.dataset.candidates) >= 2,
      null, { timeout: 120_000, polling: 50 });
    await page.getByTestId('pause').click();
    await waitForStatus(page, ['paused'], 60_000);
    const held = await count(page, 'candidates');
    await page.waitForTimeout(3000);
    assert.equal(await count(page, 'candidates'), held, 'nothing is scored while paused');
    const before = await rowTexts(page);
    assert.ok(before.length >= 2 && before.length < 12, `reloading mid-run (${before.length} scored)`);
    await page.reload();
    await page.getByTestId('cpu-banner').waitFor({ timeout: 120_000 });
    await page.getByTestId('resume-offer').waitFor({ timeout: 30_000 });
    await page.waitForFunction(() => !document.querySelector('[data-testid="resume-offer-resume"]')?.disabled, null, { timeout: 60_000 });
    await page.getByTestId('resume-offer-resume').click();
    await waitForStatus(page, ['completed'], 240_000);
    assert.equal(await pointsMatchCandidates(page), 12, 'the resumed run completes its 3 generations of 4');
    assert.deepEqual((await rowTexts(page)).slice(0, before.length), before, 'earlier candidates kept as they were');
    await screenshot(page, 'workers-resumed');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});
